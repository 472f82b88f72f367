import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { ENCRYPTED_ENCODING } from '@resolve/temporal';
import { person, raiseBody, startStack, type Stack } from './support/harness';

/**
 * Personal data never reaches Temporal. Escalations are raised through the API with a child's
 * name, date of birth and Mosaic ID, and every kind of free text quotes them (reasons, notes,
 * plan wording, the chair's decision). Then everything Temporal holds is read back: each
 * workflow's full history, both decoded through the codec and raw, every description (memo,
 * search attributes), the visibility listing, and every notify activity's input. None of it
 * may contain any of those details. Raw payloads must all be encrypted.
 *
 * This is the second line of defence: the first is that the API gives the workflow ids only.
 */
jest.setTimeout(300_000);

const CHILD = 'Keziah Blackwood-Ferreira';
const SIBLING = 'Tobiah Blackwood-Ferreira';
const DOB = '2014-07-19';
const DOB_WORDS = '19 July 2014';
const MOSAIC = 'MOS-88317702';
/** Searched for case-insensitively in the text of everything Temporal holds. */
const DETAILS = [
  CHILD,
  SIBLING,
  'Keziah',
  'Tobiah',
  'Blackwood',
  'Ferreira',
  DOB,
  DOB_WORDS,
  MOSAIC,
  '88317702',
];
const about = `${CHILD} (born ${DOB_WORDS}, ${DOB}, Mosaic ${MOSAIC}) and ${SIBLING}`;

const utf8 = (b: Uint8Array) => Buffer.from(b).toString('utf8');
const isPayload = (v: unknown): v is Payload =>
  !!v &&
  typeof v === 'object' &&
  (v as Payload).data instanceof Uint8Array &&
  typeof (v as Payload).metadata === 'object';

/** Every payload inside a proto message tree, with the path it was found at. */
function payloadsIn(value: unknown, path = '', found: { path: string; payload: Payload }[] = []) {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return found;
  if (isPayload(value)) {
    found.push({ path, payload: value });
    return found;
  }
  for (const [k, v] of Object.entries(value)) payloadsIn(v, `${path}.${k}`, found);
  return found;
}

/**
 * The readable text of a proto message tree: keys, strings, numbers, and bytes as UTF-8 (what
 * anyone reading the data would see; base64 would hide plaintext and invent false matches).
 * `decoded` replaces payloads by their decoded value.
 */
function textOf(value: unknown, decoded?: Map<Payload, string>): string {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (v === null || v === undefined) return;
    if (v instanceof Uint8Array) return void out.push(utf8(v));
    if (typeof v !== 'object') return void out.push(String(v));
    if (decoded && decoded.has(v as Payload)) return void out.push(decoded.get(v as Payload)!);
    if (typeof (v as { toNumber?: unknown }).toNumber === 'function' && 'low' in (v as object))
      return void out.push(String(v));
    for (const [k, child] of Object.entries(v)) {
      out.push(k);
      walk(child);
    }
  };
  walk(value);
  return out.join('\n');
}

function expectNoDetails(label: string, text: string) {
  const lower = text.toLowerCase();
  for (const detail of DETAILS) {
    const at = lower.indexOf(detail.toLowerCase());
    if (at >= 0) {
      throw new Error(
        `${label} contains "${detail}": ...${text.slice(Math.max(0, at - 120), at + detail.length + 60)}...`,
      );
    }
  }
}

describe('Personal data never in Temporal', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function post(personId: string, id: string, path: string, body: object = {}, status = 200) {
    const res = await stack
      .http()
      .post(`/escalations/${id}/${path}`)
      .set('Authorization', await stack.as(personId))
      .send(body);
    if (res.status !== status)
      throw new Error(`POST ${path} as ${personId}: ${res.status} ${JSON.stringify(res.body)}`);
    return res;
  }
  async function view(personId: string, id: string) {
    return (
      await stack
        .http()
        .get(`/escalations/${id}`)
        .set('Authorization', await stack.as(personId))
        .expect(200)
    ).body;
  }
  async function raise(protocolId: string, reference: string, extra: Record<string, unknown> = {}) {
    const P = listPartnership(protocolId);
    const res = await stack
      .http()
      .post('/escalations')
      .set('Authorization', await stack.as(person(P, 'csc', 'practitioner')))
      .send(
        raiseBody(protocolId, reference, {
          subject: {
            kind: 'children',
            people: [{ name: CHILD, dateOfBirth: DOB }, { name: SIBLING }],
            caseIdentifier: MOSAIC,
          },
          natureOfConcern: `Police declined a strategy discussion for ${about}; ${CHILD} disclosed at school on Monday.`,
          outcomesSought: `A strategy discussion about ${CHILD} this week.`,
          ...extra,
        }),
      );
    if (res.status !== 201) throw new Error(`raise ${reference}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { id: string; workflow: { id: string } };
  }
  const listPartnership = (protocolId: string) => protocolId; // the shipped protocols' demo partnerships share their ids
  const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString();
  async function until<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
    let v = await fn();
    for (let i = 0; i < 150 && !ok(v); i++) {
      await new Promise((r) => setTimeout(r, 200));
      v = await fn();
    }
    if (!ok(v)) throw new Error(`${what} did not happen`);
    return v;
  }

  it('raised and driven through every tier with the details in every text; nothing of them in histories, memos, search attributes or notify inputs', async () => {
    // A: Sefton, from practitioners to the independent chair's decision, each step acted by the
    // roles the protocol names there (who may act, rules 2).
    const S = 'sefton-sscp';
    const raiser = person(S, 'csc', 'practitioner');
    const receiver = person(S, 'police', 'practitioner');
    const raisingManager = person(S, 'csc', 'line-manager');
    const raisingHead = person(S, 'csc', 'head-of-service');
    const receivingHead = person(S, 'police', 'head-of-service');
    const chair = person(S, null, 'independent-chair');
    const a = await raise(S, 'SEF-PD-0001');
    await post(receiver, a.id, 'acknowledge', { reason: `Received the concern about ${CHILD}.` });
    await post(receiver, a.id, 'respond', {
      reason: `We do not think ${CHILD} (${MOSAIC}) meets the threshold yet.`,
    });
    await post(raiser, a.id, 'notes', { text: `Called DS Jones about ${about}.` });
    const plan = await post(raiser, a.id, 'plan', {
      reason: `Plan for ${CHILD}, agreed on the phone.`,
      items: [
        {
          what: `Police to review ${CHILD}'s referral (${MOSAIC}, born ${DOB})`,
          ownerAgencyId: `${S}-police`,
          dueAt: inDays(3),
        },
      ],
    });
    expect(plan.body.accepted).toBe(true);
    // One side's plan is a proposal; the other side agrees it.
    await post(receiver, a.id, 'plan/accept', { reason: `Agreed the plan for ${CHILD}.` });
    const itemId = (await view(raiser, a.id)).planItems[0].id;
    await post(receiver, a.id, `plan-items/${itemId}/complete`, { reason: `Reviewed ${CHILD}'s referral.` });
    await post(raiser, a.id, 'escalate', { reason: `The review did not resolve it for ${CHILD}.` });
    await post(person(S, 'police', 'line-manager'), a.id, 'notes', {
      text: `Manager: ${SIBLING} is also at risk.`,
    });
    await post(raisingManager, a.id, 'escalate', {
      reason: `Managers could not agree about ${CHILD} and ${SIBLING}.`,
    });
    await post(raisingHead, a.id, 'plan', {
      reason: `Heads of service plan for ${CHILD}.`,
      items: [
        { what: `Joint visit to ${CHILD} and ${SIBLING}`, ownerAgencyId: `${S}-csc`, dueAt: inDays(2) },
      ],
    });
    await post(receivingHead, a.id, 'plan/accept', { reason: `Agreed the joint visit to ${CHILD}.` });
    const toChair = await post(raisingHead, a.id, 'escalate', {
      reason: `Senior leads still disagree on ${CHILD} (${DOB}).`,
    });
    expect(toChair.body.escalation.tier).toBe(4);
    await post(chair, a.id, 'meeting', {
      kind: 'chaired-meeting',
      at: inDays(2),
      reason: `Chaired meeting about ${CHILD}.`,
    });
    await post(raisingHead, a.id, 'learning-referral', {
      reason: `Threshold guidance was unclear for ${CHILD}.`,
    });
    await post(person(S, null, 'senior-leadership-team'), a.id, 'chair', {
      chairPersonId: chair,
      reason: `Chair for ${CHILD}'s case (${MOSAIC}).`,
    });
    const decided = await post(chair, a.id, 'decision', {
      decision: `A strategy discussion for ${CHILD} (${MOSAIC}, born ${DOB_WORDS}) is to be held within 2 working days.`,
    });
    expect(decided.body.escalation.status).toBe('decided');

    // B: BSCB with a longer timetable proposed and declined (between the supervisors who act at
    // stage 1), immediate risk (open to anyone in the case), then resolved at stage 2, where the
    // fast track puts it, by the service managers.
    const B = 'bscb';
    const b = await raise(B, 'BSCB-PD-0001');
    const bView = await until(
      'BSCB deadline',
      () => view(person(B, 'csc', 'practitioner'), b.id),
      (v) => !!v.deadline,
    );
    await post(person(B, 'police', 'line-manager'), b.id, 'extension', {
      dueAt: new Date(Date.parse(bView.deadline.dueAt) + 5 * 86_400_000).toISOString(),
      reason: `Need a strategy meeting about ${CHILD} first.`,
    });
    await post(person(B, 'csc', 'line-manager'), b.id, 'extension/decline', {
      reason: `Too long for ${CHILD}.`,
    });
    await post(person(B, 'police', 'practitioner'), b.id, 'immediate-risk', {
      reason: `New information: ${CHILD} missing since ${DOB_WORDS}?`,
    });
    await post(person(B, 'csc', 'service-manager'), b.id, 'resolve', { reason: `Resolved for ${CHILD}.` });
    await post(person(B, 'police', 'service-manager'), b.id, 'resolve', {
      reason: `Agreed for ${CHILD}.`,
      referLearning: false,
    });

    // C: raised with immediate risk, then withdrawn by its raiser.
    const c = await raise(S, 'SEF-PD-0002', { immediateRisk: true });
    await post(raiser, c.id, 'withdraw', { reason: `Withdrawn: ${CHILD} moved to another area.` });

    // The details did reach Resolve, in Postgres (the first line of defence keeps them there).
    const [kept] = await stack.db.dataSource.query(
      `SELECT count(*)::int AS n FROM escalation_subject WHERE people::text LIKE $1 AND case_identifier = $2`,
      [`%${CHILD}%`, MOSAIC],
    );
    expect(kept.n).toBe(3);
    const [texts] = await stack.db.dataSource.query(
      `SELECT count(*)::int AS n FROM action_record WHERE text LIKE $1`,
      [`%${CHILD}%`],
    );
    expect(texts.n).toBeGreaterThanOrEqual(15);

    // Every workflow closes once its last effects (notifications included) are carried out.
    const client = stack.env.client;
    for (const [escalation, status] of [
      [a, 'decided'],
      [b, 'resolved'],
      [c, 'withdrawn'],
    ] as const) {
      const result = await client.workflow.getHandle(escalation.workflow.id).result();
      expect(result.summary.status).toBe(status);
    }

    // Everything Temporal holds, for every workflow of the namespace.
    const listAll = async () => {
      const found: string[] = [];
      for await (const w of client.workflow.list()) found.push(w.workflowId);
      return found.sort();
    };
    // Besides the cases, the notices of the forms their protocols lodge (Sefton's Report to SSCP,
    // BSCB's monitoring form) run as workflows of their own: one per lodgement, all finished.
    const isCase = (id: string) => id.startsWith('escalation-');
    // Once every moment is taken in (no pending one), the lodgements are all there.
    const lodgedNow = async () => {
      const [row] = await stack.db.dataSource.query(
        `SELECT (SELECT count(*)::int FROM lodgement) AS n,
                (SELECT count(*)::int FROM lodgement_moment WHERE status = 'pending') AS pending`,
      );
      return { found: await listAll(), lodged: row.n as number, pending: row.pending as number };
    };
    const seen = await until(
      'all three listed, and every lodgement notice',
      lodgedNow,
      ({ found, lodged, pending }) =>
        pending === 0 &&
        found.filter(isCase).length === 3 &&
        found.filter((id) => !isCase(id)).length === lodged,
    );
    expect(seen.lodged).toBeGreaterThan(0);
    const everything = seen.found;
    const ids = everything.filter(isCase);
    expect(ids).toEqual([a.workflow.id, b.workflow.id, c.workflow.id].sort());
    let notifyInputs = 0;
    let encryptedPayloads = 0;
    for (const workflowId of everything.filter((id) => !isCase(id))) {
      expect(workflowId).toMatch(/^lodgement-notice-[0-9a-f-]{36}:[0-9a-f-]{36}$/);
      const handle = client.workflow.getHandle(workflowId);
      await handle.result();
      const history = await handle.fetchHistory();
      const found = payloadsIn(history);
      const plain = found.filter(
        (f) =>
          !/searchAttributes|header/i.test(f.path) &&
          utf8(f.payload.metadata!.encoding!) !== ENCRYPTED_ENCODING,
      );
      expect(plain.map((f) => f.path)).toEqual([]);
      expectNoDetails(`raw history of ${workflowId}`, textOf(history));
      const plainPayloads = await stack.codec.decode(found.map((f) => f.payload));
      const decoded = new Map<Payload, string>();
      found.forEach((f, i) =>
        decoded.set(f.payload, JSON.stringify(defaultPayloadConverter.fromPayload(plainPayloads[i]))),
      );
      const readable = textOf(history, decoded);
      expect(readable).toMatch(/"event":"lodged"/);
      expectNoDetails(`decoded history of ${workflowId}`, readable);
      notifyInputs++;
    }
    for (const workflowId of ids) {
      const handle = client.workflow.getHandle(workflowId);
      const history = await handle.fetchHistory();
      const found = payloadsIn(history);

      // Raw: every payload is encrypted, except search attributes (indexed by the server, ids
      // only) and the SDK's own bookkeeping in markers, which Temporal writes unencoded: a patch
      // marker's id, and a local activity marker's metadata (its type, id, attempt and times).
      // A local activity's result (`details.result`) is encrypted like any other payload.
      const sdkMarker = (f: (typeof found)[number]) =>
        /markerRecordedEventAttributes\.details\.(patch-data|data)\./.test(f.path);
      for (const f of found.filter(sdkMarker)) {
        const meta = JSON.parse(utf8(f.payload.data ?? new Uint8Array())) as Record<string, unknown>;
        expect(Object.keys(meta).sort()).toEqual(
          expect.arrayContaining(
            f.path.includes('patch-data')
              ? ['deprecated', 'id']
              : ['activity_id', 'activity_type', 'attempt', 'seq'],
          ),
        );
        if (!f.path.includes('patch-data'))
          expect(['computeDeadline', 'recordProjection', 'authoriseAction']).toContain(meta.activity_type);
      }
      const plain = found.filter(
        (f) =>
          !/searchAttributes|header/i.test(f.path) &&
          !sdkMarker(f) &&
          utf8(f.payload.metadata!.encoding!) !== ENCRYPTED_ENCODING,
      );
      expect(plain.map((f) => f.path)).toEqual([]);
      expect(
        found.filter((f) => /markerRecordedEventAttributes\.details\.result\./.test(f.path)).length,
      ).toBeGreaterThan(0);
      encryptedPayloads += found.length - plain.length;
      const raw = textOf(history);
      expectNoDetails(`raw history of ${workflowId}`, raw);
      expect(raw).not.toMatch(/timeline/); // the projected state is unreadable without the key

      // Decoded through the codec: readable, and still nothing of the details.
      const decoded = new Map<Payload, string>();
      const plainPayloads = await stack.codec.decode(found.map((f) => f.payload));
      found.forEach((f, i) => {
        let value: unknown;
        try {
          value = defaultPayloadConverter.fromPayload(plainPayloads[i]);
        } catch {
          value = utf8(plainPayloads[i].data ?? new Uint8Array());
        }
        decoded.set(f.payload, JSON.stringify(value));
      });
      const readable = textOf(history, decoded);
      // Readable once decoded: the deadlines (local activity results) and the notify inputs. The
      // projected state no longer enters the history at all: a local activity's input stays in
      // the worker.
      expect(readable).toMatch(/"dueAt"/);
      expect(readable).toMatch(/"audience"/);
      expect(readable).not.toMatch(/"timeline"/);
      expectNoDetails(`decoded history of ${workflowId}`, readable);

      // Notify activity inputs: ids, event names and audiences only.
      for (const event of history.events ?? []) {
        const scheduled = event.activityTaskScheduledEventAttributes;
        const type = scheduled?.activityType?.name;
        if (type !== 'notify' && type !== 'notifyBatch') continue;
        const [input] = await stack.codec.decode([...(scheduled!.input?.payloads ?? [])]);
        const decodedInput = defaultPayloadConverter.fromPayload<
          Record<string, unknown> | Record<string, unknown>[]
        >(input);
        for (const request of type === 'notifyBatch'
          ? (decodedInput as Record<string, unknown>[])
          : [decodedInput as Record<string, unknown>]) {
          expect(Object.keys(request).sort()).toEqual(
            expect.arrayContaining(['audience', 'escalationId', 'event', 'key', 'tier', 'urgent']),
          );
          expectNoDetails(`notify input of ${workflowId}`, JSON.stringify(request));
          notifyInputs++;
        }
      }

      // Description: memo (decoded by the client) and search attributes; and the raw response.
      const description = await handle.describe();
      expect(description.searchAttributes.ResolvePartnership).toBeDefined();
      expectNoDetails(`memo of ${workflowId}`, JSON.stringify(description.memo));
      expectNoDetails(`search attributes of ${workflowId}`, JSON.stringify(description.searchAttributes));
      expectNoDetails(`raw description of ${workflowId}`, textOf(description.raw));
      for (const f of payloadsIn(description.raw.workflowExecutionInfo?.memo))
        expect(utf8(f.payload.metadata!.encoding!)).toBe(ENCRYPTED_ENCODING);
    }
    expect(notifyInputs).toBeGreaterThan(10);
    expect(encryptedPayloads).toBeGreaterThan(50);

    // The visibility listing (what the UI's list page reads).
    const listed: string[] = [];
    for await (const w of client.workflow.list({
      query: 'ResolvePartnership="sefton-sscp" OR ResolvePartnership="bscb"',
    })) {
      listed.push(
        JSON.stringify({ id: w.workflowId, memo: w.memo, sa: w.searchAttributes, raw: textOf(w.raw) }),
      );
    }
    expect(listed).toHaveLength(3);
    expectNoDetails('visibility listing', listed.join('\n'));
  });

  it('the codec endpoint decodes raw payloads for the chair, and refuses everyone else', async () => {
    const S = 'sefton-sscp';
    const { workflow } = await raise(S, 'SEF-PD-0003');
    const history = await stack.env.client.workflow.getHandle(workflow.id).fetchHistory();
    const started = history.events![0].workflowExecutionStartedEventAttributes!.input!
      .payloads![0] as Payload;
    const body = {
      payloads: [
        {
          metadata: Object.fromEntries(
            Object.entries(started.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
          ),
          data: Buffer.from(started.data!).toString('base64'),
        },
      ],
    };
    const decode = async (personId: string | null, status: number) => {
      const req = stack.http().post('/codec/decode').set('X-Namespace', 'default');
      if (personId) req.set('Authorization', await stack.as(personId));
      return req.send(body).expect(status);
    };
    const ok = await decode(person(S, null, 'independent-chair'), 200);
    const input = JSON.parse(Buffer.from(ok.body.payloads[0].data, 'base64').toString('utf8'));
    expect(input).toMatchObject({ reference: 'SEF-PD-0003', partnershipId: S });
    await decode(person(S, null, 'business-manager'), 200);
    for (const refused of [
      person(S, 'csc', 'practitioner'),
      person(S, 'csc', 'head-of-service'),
      person(S, null, 'partnership-administrator'),
    ]) {
      const res = await decode(refused, 403);
      expect(res.body.message).toMatch(/business manager or independent chair/);
    }
    await decode(null, 401);
  });
});
