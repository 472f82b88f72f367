import type { Payload } from '@temporalio/common';
import { ENCRYPTED_ENCODING, payloadWorkflowId } from '@resolve/temporal';
import { actingPerson, person, raiseBody, startStack, type Stack } from './support/harness';

/**
 * The codec endpoint from an attacker's side (issue 13, docs/security.md): one Temporal
 * namespace holds every partnership's cases, and the Temporal UI sends /codec whatever payloads
 * it shows. Every payload is tagged, inside its authenticated encryption, with the workflow it
 * belongs to; /codec decodes only payloads of the caller's own partnership's cases, refuses
 * another partnership's (403, in the audit trail), and leaves payloads that no case can be found
 * for (encrypted before the tag, or of a workflow that is not a case) to the business manager.
 */
jest.setTimeout(300_000);

const S = 'sefton-sscp';
const B = 'bscb';

type JsonPayload = { metadata: Record<string, string>; data: string };
const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

/** Every encrypted payload anywhere in a history's events. */
function encryptedPayloads(node: unknown, out: Payload[] = []): Payload[] {
  if (!node || typeof node !== 'object' || ArrayBuffer.isView(node)) return out;
  const candidate = node as Payload;
  if (candidate.metadata && 'data' in candidate) {
    const encoding = candidate.metadata.encoding;
    if (encoding && Buffer.from(encoding).toString('utf8') === ENCRYPTED_ENCODING) out.push(candidate);
    return out;
  }
  for (const value of Object.values(node)) encryptedPayloads(value, out);
  return out;
}

describe('The codec endpoint with two partnerships', () => {
  let stack: Stack;
  const cases: Record<string, { id: string; workflowId: string; payloads: Payload[] }> = {};

  beforeAll(async () => {
    stack = await startStack();
    for (const [p, reference] of [
      [S, 'SEF-CODEC-1'],
      [B, 'BSCB-CODEC-1'],
    ] as const) {
      const res = await stack
        .http()
        .post('/escalations')
        .set('Authorization', await stack.as(actingPerson(p, 1, 'raising')))
        .send(raiseBody(p, reference));
      expect(res.status).toBe(201);
      const workflowId = res.body.workflow.id as string;
      // An action too, so the history holds an update's arguments and answer.
      const ack = await stack
        .http()
        .post(`/escalations/${res.body.id}/acknowledge`)
        .set('Authorization', await stack.as(actingPerson(p, 1, 'receiving')))
        .send({ reason: 'Seen.' });
      expect(ack.status).toBe(200);
      const history = await stack.env.client.workflow.getHandle(workflowId).fetchHistory();
      cases[p] = { id: res.body.id, workflowId, payloads: encryptedPayloads(history.events) };
    }
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const decode = async (personId: string, payloads: JsonPayload[]) =>
    stack
      .http()
      .post('/codec/decode')
      .set('X-Namespace', 'default')
      .set('Authorization', await stack.as(personId))
      .send({ payloads });

  const codecAudit = (personId: string) =>
    stack.db.dataSource.query(
      `SELECT outcome, partnership_id AS "partnershipId", detail FROM audit_log
        WHERE action = 'codec.decode' AND person_id = $1 ORDER BY seq`,
      [personId],
    ) as Promise<{ outcome: number; partnershipId: string; detail: Record<string, string> }[]>;

  it("tags every payload of a case's history with the case's workflow", () => {
    for (const p of [S, B]) {
      expect(cases[p].payloads.length).toBeGreaterThan(3);
      expect(new Set(cases[p].payloads.map(payloadWorkflowId))).toEqual(new Set([cases[p].workflowId]));
    }
  });

  it("decodes the caller's own partnership's payloads", async () => {
    const chair = person(S, null, 'independent-chair');
    const res = await decode(chair, cases[S].payloads.map(toJson));
    expect(res.status).toBe(200);
    expect(res.body.payloads).toHaveLength(cases[S].payloads.length);
    const input = JSON.parse(Buffer.from(res.body.payloads[0].data, 'base64').toString('utf8'));
    expect(input).toMatchObject({ partnershipId: S });
  });

  it("refuses another partnership's payload, alone or among its own, and audits the refusal", async () => {
    for (const role of ['independent-chair', 'business-manager']) {
      const caller = person(S, null, role);
      const before = (await codecAudit(caller)).length;
      const alone = await decode(caller, [toJson(cases[B].payloads[0])]);
      expect(alone.status).toBe(403);
      expect(alone.body.message).toMatch(/another partnership/);
      expect(JSON.stringify(alone.body)).not.toMatch(/BSCB-CODEC-1|partnershipId/);
      const mixed = await decode(caller, [toJson(cases[S].payloads[0]), toJson(cases[B].payloads[0])]);
      expect(mixed.status).toBe(403);
      expect((await codecAudit(caller)).slice(before)).toEqual([
        expect.objectContaining({
          outcome: 403,
          partnershipId: S,
          detail: expect.objectContaining({ reason: 'payload-of-another-partnership' }),
        }),
        expect.objectContaining({ outcome: 403 }),
      ]);
    }
    // And the other way round.
    expect((await decode(person(B, null, 'business-manager'), [toJson(cases[S].payloads[0])])).status).toBe(
      403,
    );
  });

  it('leaves untagged payloads (written before the tag) to the business manager', async () => {
    // What /codec/encode gives back has no workflow: as a payload encrypted before the tag.
    const encoded = await stack
      .http()
      .post('/codec/encode')
      .set('X-Namespace', 'default')
      .set('Authorization', await stack.as(person(S, null, 'business-manager')))
      .send({
        payloads: [
          { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: btoa('{"a":1}') },
        ],
      });
    expect(encoded.status).toBe(200);
    const untagged = encoded.body.payloads as JsonPayload[];
    expect((await decode(person(S, null, 'business-manager'), untagged)).status).toBe(200);
    const chair = await decode(person(S, null, 'independent-chair'), untagged);
    expect(chair.status).toBe(403);
    expect(chair.body.message).toMatch(/only the partnership's business manager/);
  });
});
