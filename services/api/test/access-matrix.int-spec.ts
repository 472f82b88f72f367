import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadOrCreateLocalIssuer } from '../src/auth/local-issuer';
import {
  appointChairIfNeeded,
  escalateTo,
  person,
  raiseBody,
  startStack,
  type Stack,
} from './support/harness';

/**
 * Need to know and who may act, endpoint by endpoint and caller by caller, against the real
 * stack (Sefton's protocol, version 2, rules 2). Each cell of the table below is one test with
 * its expected answer written out:
 *
 * - people outside the case (another agency of the partnership, the partnership administrator,
 *   the informed-only escalations mailbox, anyone of another partnership) get 404 on everything, exactly as for an id that does not
 *   exist: they do not learn that the case exists;
 * - no token, or a token the API did not issue: 401;
 * - need to know: the case's parties see it (who raised, received or acted on it; in the two
 *   agencies, the roles of the case's current and earlier steps; the partnership's board roles).
 *   At step 1 the agencies' line managers and heads of service are not parties yet: 404, as for
 *   anyone outside; at step 4 they are;
 * - a role rule the API itself knows is refused with 403 (only the board reads a case's audit
 *   trail); what the protocol engine refuses answers 409 with the engine's reason code and
 *   message;
 * - who may act (docs/protocols.md, "Who may act"): at step 1 only the two practitioners act
 *   (the business manager and the chair get `not-your-tier`); the raiser neither acknowledges nor responds; at step 4 the heads of
 *   service and the chair act; the chair appointed on the case records the decision; a note and
 *   an immediate-risk flag are open to every party; only the raiser withdraws.
 */
jest.setTimeout(600_000);

const P = 'sefton-sscp';

const CALLERS = {
  raiser: person(P, 'csc', 'practitioner'),
  raisingColleague: person(P, 'csc', 'line-manager'),
  raisingHead: person(P, 'csc', 'head-of-service'),
  receiver: person(P, 'police', 'practitioner'),
  receivingManager: person(P, 'police', 'line-manager'),
  businessManager: person(P, null, 'business-manager'),
  chair: person(P, null, 'independent-chair'),
  uninvolved: person(P, 'school', 'practitioner'),
  administrator: person(P, null, 'partnership-administrator'),
  /** The informed-only escalations mailbox: told and lodged with, never a party. */
  mailbox: person(P, null, 'escalations-mailbox'),
  otherPartnership: person('bscb', null, 'business-manager'),
  unauthenticated: null,
  badToken: 'forged',
} as const;
type Who = keyof typeof CALLERS;

/**
 * 200/403/404/401, a 409 with the engine's reason, or (for the list) whether the case is listed;
 * 201 where the request makes a new entry of its own (a correction), and a 403 with the domain's
 * reason where a rule of the domain refuses by name.
 */
type Expected =
  | 200
  | 201
  | 401
  | 403
  | 404
  | 'listed'
  | 'not listed'
  | { status: 409 | 403; reason: string; message?: RegExp };
const refused = (reason: string, message?: RegExp): Expected => ({ status: 409, reason, message });
const forbidden = (reason: string, message?: RegExp): Expected => ({ status: 403, reason, message });
const NOT_THE_CHAIR = refused('not-the-chair', /^only the independent chair records the final decision$/);
const NOT_THE_RAISER = refused('not-the-raiser', /only the person who raised it/);
const PARTNERSHIP_NOT_AT_STEP_1 = refused(
  'not-your-tier',
  /^at tier 1 \(.*\) the partnership takes no part; you hold/,
);
const NOT_AT_STEP_4 = refused(
  'not-your-tier',
  /^at tier 4 \(.*\) the (raising|receiving|partnership) (agency )?acts through the /,
);
const OUTSIDERS = {
  uninvolved: 404,
  administrator: 404,
  mailbox: 404,
  otherPartnership: 404,
  unauthenticated: 401,
  badToken: 401,
} as const;
/**
 * Need to know: at step 1 the two agencies' line managers and heads of service are not parties
 * yet (they see the case once it reaches their step), so for them it does not exist.
 */
const NOT_YET_PARTIES = { raisingColleague: 404, raisingHead: 404, receivingManager: 404 } as const;
/** Step 1: the two practitioners act; the board's roles see the case but are refused by name. */
const STEP_1_PARTIES = {
  ...NOT_YET_PARTIES,
  businessManager: PARTNERSHIP_NOT_AT_STEP_1,
  chair: PARTNERSHIP_NOT_AT_STEP_1,
} as const;

const NOT_YOURS = forbidden(
  'not-yours-to-correct',
  /^corrects: the subject's details were recorded by the raising agency/,
);
const NO_WORDS = refused('nothing-to-correct', /^corrects: that raise has no words to correct$/);

const future = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

/** What a row's body may read: the case view, as the partnership's business manager sees it. */
interface CaseViewer {
  view: (id: string) => Promise<{ history: { type: string; actionId: string | null }[] }>;
}

interface Row {
  endpoint: string;
  /** The case the cell runs against: at tier 1 just raised, or at Sefton's final tier 4 with its chair appointed. */
  stage: 'tier1' | 'tier4';
  method: 'get' | 'post';
  path: (id: string) => string;
  /** The request's body; it may look the case up (an entry's id to name). */
  body?: (id: string, api: CaseViewer) => object | Promise<object>;
  cells: Record<Who, Expected>;
}

const action = (name: string, body: Row['body'] = () => ({ reason: 'Matrix test.' })) => ({
  method: 'post' as const,
  path: (id: string) => `/escalations/${id}/${name}`,
  body,
});

// prettier-ignore
const MATRIX: Row[] = [
  {
    endpoint: 'GET /escalations/:id', stage: 'tier1', method: 'get', path: (id) => `/escalations/${id}`,
    cells: { raiser: 200, raisingColleague: 404, raisingHead: 404, receiver: 200, receivingManager: 404, businessManager: 200, chair: 200, ...OUTSIDERS },
  },
  {
    endpoint: 'GET /escalations (is the case listed)', stage: 'tier1', method: 'get', path: () => '/escalations?limit=200',
    cells: { raiser: 'listed', raisingColleague: 'not listed', raisingHead: 'not listed', receiver: 'listed', receivingManager: 'not listed', businessManager: 'listed', chair: 'listed',
      uninvolved: 'not listed', administrator: 'not listed', mailbox: 'not listed', otherPartnership: 'not listed', unauthenticated: 401, badToken: 401 },
  },
  {
    endpoint: 'POST acknowledge', stage: 'tier1', ...action('acknowledge'),
    cells: { raiser: refused('wrong-side', /acknowledges it, not the raising agency/), receiver: 200, ...STEP_1_PARTIES, ...OUTSIDERS },
  },
  {
    endpoint: 'POST respond', stage: 'tier1', ...action('respond'),
    cells: { raiser: refused('wrong-side', /the response comes from the agency the concern was raised with/), receiver: 200, ...STEP_1_PARTIES, ...OUTSIDERS },
  },
  {
    endpoint: 'POST plan', stage: 'tier1',
    ...action('plan', () => ({ reason: 'Matrix test.', items: [{ what: 'Strategy discussion', ownerAgencyId: `${P}-police`, dueAt: future(7) }] })),
    cells: { raiser: 200, receiver: 200, ...STEP_1_PARTIES, ...OUTSIDERS },
  },
  {
    // Nothing proposed yet: the practitioners hear so; nobody else may agree a plan at step 1.
    endpoint: 'POST plan/accept', stage: 'tier1', ...action('plan/accept'),
    cells: { raiser: refused('no-plan-proposed'), receiver: refused('no-plan-proposed'), ...STEP_1_PARTIES, ...OUTSIDERS },
  },
  {
    endpoint: 'POST resolve', stage: 'tier1', ...action('resolve'),
    cells: { raiser: 200, receiver: 200, ...STEP_1_PARTIES, ...OUTSIDERS },
  },
  {
    endpoint: 'POST escalate', stage: 'tier1', ...action('escalate'),
    cells: { raiser: 200, receiver: 200, ...STEP_1_PARTIES, ...OUTSIDERS },
  },
  {
    endpoint: 'POST immediate-risk', stage: 'tier1', ...action('immediate-risk'),
    cells: { raiser: 200, raisingColleague: 404, raisingHead: 404, receiver: 200, receivingManager: 404, businessManager: 200, chair: 200, ...OUTSIDERS },
  },
  {
    // Sefton's protocol sets no extended timetable.
    endpoint: 'POST extension', stage: 'tier1', ...action('extension', () => ({ reason: 'Matrix test.', dueAt: future(30) })),
    cells: { raiser: refused('extensions-not-allowed'), receiver: refused('extensions-not-allowed'), ...STEP_1_PARTIES, ...OUTSIDERS },
  },
  {
    endpoint: 'POST extension/accept', stage: 'tier1', ...action('extension/accept'),
    cells: { raiser: refused('no-extension'), receiver: refused('no-extension'), ...STEP_1_PARTIES, ...OUTSIDERS },
  },
  {
    endpoint: 'POST extension/decline', stage: 'tier1', ...action('extension/decline'),
    cells: { raiser: refused('no-extension'), receiver: refused('no-extension'), ...STEP_1_PARTIES, ...OUTSIDERS },
  },
  {
    // Step 1 is a professional-to-professional discussion: no chaired meeting to schedule yet.
    endpoint: 'POST meeting (tier 1)', stage: 'tier1', ...action('meeting', () => ({ reason: 'Matrix test.', kind: 'chaired-meeting', at: future(3) })),
    cells: { raiser: refused('no-meeting-here'), receiver: refused('no-meeting-here'), ...STEP_1_PARTIES, ...OUTSIDERS },
  },
  {
    // Step 4: the heads of service and the chair (or the Senior Leadership Team) convene it.
    endpoint: 'POST meeting (tier 4)', stage: 'tier4', ...action('meeting', () => ({ reason: 'Matrix test.', kind: 'chaired-meeting', at: future(3) })),
    cells: { raiser: NOT_AT_STEP_4, raisingColleague: NOT_AT_STEP_4, raisingHead: 200, receiver: NOT_AT_STEP_4, receivingManager: NOT_AT_STEP_4,
      businessManager: NOT_AT_STEP_4, chair: 200, ...OUTSIDERS },
  },
  {
    // The Senior Leadership Team or the business manager appoints the chair; the chair does not appoint themself.
    endpoint: 'POST chair (tier 4)', stage: 'tier4', ...action('chair', () => ({ reason: 'Matrix test.', chairPersonId: person(P, null, 'independent-chair') })),
    cells: { raiser: refused('not-the-appointer'), raisingColleague: refused('not-the-appointer'), raisingHead: refused('not-the-appointer'),
      receiver: refused('not-the-appointer'), receivingManager: refused('not-the-appointer'), businessManager: 200,
      chair: refused('not-the-appointer', /the chair is appointed by the senior leadership team or the business manager/), ...OUTSIDERS },
  },
  {
    endpoint: 'POST decision (tier 1)', stage: 'tier1', ...action('decision', () => ({ decision: 'Matrix test decision.' })),
    cells: { raiser: NOT_THE_CHAIR, raisingColleague: 404, raisingHead: 404, receiver: NOT_THE_CHAIR, receivingManager: 404, businessManager: NOT_THE_CHAIR,
      chair: refused('not-final-tier', /the final decision is made at tier 4; the case is at tier 1/), ...OUTSIDERS },
  },
  {
    endpoint: 'POST decision (tier 4)', stage: 'tier4', ...action('decision', () => ({ decision: 'Matrix test decision.' })),
    cells: { raiser: NOT_THE_CHAIR, raisingColleague: NOT_THE_CHAIR, raisingHead: NOT_THE_CHAIR, receiver: NOT_THE_CHAIR, receivingManager: NOT_THE_CHAIR, businessManager: NOT_THE_CHAIR,
      chair: 200, ...OUTSIDERS },
  },
  {
    // The acting practitioners advise a referral at step 1; the board's roles may refer at any step.
    endpoint: 'POST learning-referral', stage: 'tier1', ...action('learning-referral'),
    cells: { raiser: 200, raisingColleague: 404, raisingHead: 404, receiver: 200, receivingManager: 404,
      businessManager: 200, chair: 200, ...OUTSIDERS },
  },
  {
    // Sefton's protocol names nobody to set a protective timescale: every party hears so.
    endpoint: 'POST protective-deadline', stage: 'tier1', ...action('protective-deadline', () => ({ reason: 'Matrix test.', dueAt: future(2) })),
    cells: { raiser: refused('not-offered', /^dueAt: tier 1 \(.*\) takes no case-specific timescale$/), raisingColleague: 404, raisingHead: 404,
      receiver: refused('not-offered'), receivingManager: 404, businessManager: refused('not-offered'), chair: refused('not-offered'), ...OUTSIDERS },
  },
  {
    // Sefton's tiers have no consecutive steps: every party hears so (the test-only two-step
    // protocol's owners and order are in consecutive-steps.int-spec.ts).
    endpoint: 'POST steps/:stepKey/complete', stage: 'tier1', ...action('steps/form-issued/complete'),
    cells: { raiser: refused('no-steps', /^tier 1 \(.*\) has no steps to complete$/), raisingColleague: 404, raisingHead: 404,
      receiver: refused('no-steps'), receivingManager: 404, businessManager: refused('no-steps'), chair: refused('no-steps'), ...OUTSIDERS },
  },
  {
    // Sefton's protocol names no closing outcomes besides resolution and the decision.
    endpoint: 'POST outcome', stage: 'tier1', ...action('outcome', () => ({ outcome: 'lead-does-not-concur', record: 'Matrix test.' })),
    cells: { raiser: refused('no-named-outcomes', /^protocol sefton-sscp v\d+ names no closing outcomes$/), raisingColleague: 404, raisingHead: 404,
      receiver: refused('no-named-outcomes'), receivingManager: 404, businessManager: refused('no-named-outcomes'), chair: refused('no-named-outcomes'), ...OUTSIDERS },
  },
  {
    // Sefton's protocol names nobody who decides urgency: it follows immediate risk (Lincolnshire's SLOs decide it).
    endpoint: 'POST urgency', stage: 'tier1', ...action('urgency', () => ({ reason: 'Matrix test.', urgent: true })),
    cells: { raiser: refused('no-urgency-decision', /^protocol sefton-sscp v\d+ names nobody who decides urgency; urgency follows immediate risk$/), raisingColleague: 404, raisingHead: 404,
      receiver: refused('no-urgency-decision'), receivingManager: 404, businessManager: refused('no-urgency-decision'), chair: refused('no-urgency-decision'), ...OUTSIDERS },
  },
  {
    endpoint: 'POST withdraw', stage: 'tier1', ...action('withdraw'),
    cells: { raiser: 200, raisingColleague: 404, raisingHead: 404, receiver: NOT_THE_RAISER, receivingManager: 404,
      businessManager: NOT_THE_RAISER, chair: NOT_THE_RAISER, ...OUTSIDERS },
  },
  {
    endpoint: 'POST notes', stage: 'tier1', ...action('notes', () => ({ text: 'Matrix test note.' })),
    cells: { raiser: 200, raisingColleague: 404, raisingHead: 404, receiver: 200, receivingManager: 404, businessManager: 200, chair: 200, ...OUTSIDERS },
  },
  {
    // The subject's details were recorded by the raising agency: it corrects them, or the
    // partnership's roles; the other agency is refused by name (libs/domain/src/corrections.ts).
    endpoint: 'POST corrections (subject)', stage: 'tier1',
    ...action('corrections', () => ({ corrects: 'subject', text: 'Date of birth 2014-03-02.', reason: 'Matrix test.' })),
    cells: { raiser: 201, raisingColleague: 404, raisingHead: 404, receiver: NOT_YOURS, receivingManager: 404, businessManager: 201, chair: 201, ...OUTSIDERS },
  },
  {
    // Sefton takes no reason for an earlier start, so the raise's own record has no words: every
    // party that sees the case hears so (checked before whose entry it is).
    endpoint: "POST corrections (the raise's record)", stage: 'tier1',
    ...action('corrections', async (id, api) => ({ corrects: await raiseRecordOf(id, api), text: 'Matrix test.', reason: 'Matrix test.' })),
    cells: { raiser: NO_WORDS, raisingColleague: 404, raisingHead: 404, receiver: NO_WORDS, receivingManager: 404,
      businessManager: NO_WORDS, chair: NO_WORDS, ...OUTSIDERS },
  },
  {
    endpoint: 'GET /audit?escalationId', stage: 'tier1', method: 'get', path: (id) => `/audit?escalationId=${id}`,
    cells: { raiser: 403, raisingColleague: 404, raisingHead: 404, receiver: 403, receivingManager: 404, businessManager: 200, chair: 200, ...OUTSIDERS },
  },
  {
    // Not about one case: the whole chain, for any partnership's business manager or chair.
    endpoint: 'GET /audit/verify', stage: 'tier1', method: 'get', path: () => '/audit/verify',
    cells: { raiser: 403, raisingColleague: 403, raisingHead: 403, receiver: 403, receivingManager: 403, businessManager: 200, chair: 200,
      uninvolved: 403, administrator: 403, mailbox: 403, otherPartnership: 200, unauthenticated: 401, badToken: 401 },
  },
];

/** The raise's own action record, named by its timeline entry once the worker has projected it. */
async function raiseRecordOf(id: string, api: CaseViewer): Promise<string> {
  for (let i = 0; i < 150; i++) {
    const raised = (await api.view(id)).history.find((e) => e.type === 'raised' && e.actionId);
    if (raised?.actionId) return raised.actionId;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`case ${id}: the raise's entry never reached the timeline`);
}

const label = (e: Expected) => (typeof e === 'object' ? `${e.status} ${e.reason}` : String(e));

const CELLS = MATRIX.flatMap((row) =>
  (Object.keys(CALLERS) as Who[]).map((who) => ({
    row,
    who,
    expected: row.cells[who],
    title: `${row.endpoint} as ${who} → ${label(row.cells[who])}`,
  })),
);

describe('Access matrix: endpoint × caller (Sefton)', () => {
  let stack: Stack;
  let forge: (subject: string) => Promise<string>;
  let references = 0;
  const shared = new Map<string, Promise<string>>();

  beforeAll(async () => {
    stack = await startStack();
    // Same issuer and audience names, another key: a token the API did not issue.
    const impostor = await loadOrCreateLocalIssuer(
      path.join(mkdtempSync(path.join(tmpdir(), 'resolve-forged-')), 'issuer.json'),
      stack.issuer.issuer,
      stack.issuer.audience,
    );
    forge = (subject) => impostor.mint(subject);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function auth(who: Who): Promise<string | null> {
    const id = CALLERS[who];
    if (id === null) return null;
    if (id === 'forged') return `Bearer ${await forge(CALLERS.chair)}`;
    return stack.as(id);
  }

  async function send(method: 'get' | 'post', url: string, who: Who, body?: object) {
    let req = stack.http()[method](url);
    const header = await auth(who);
    if (header) req = req.set('Authorization', header);
    return body ? req.send(body) : req;
  }

  async function newCase(stage: Row['stage']): Promise<string> {
    const reference = `MX-2026-${String(++references).padStart(4, '0')}`;
    const raised = await send('post', '/escalations', 'raiser', raiseBody(P, reference));
    expect(raised.status).toBe(201);
    const id = raised.body.id as string;
    if (stage === 'tier4') {
      // Each step's own people escalate it; the chair is then appointed on the case.
      await escalateTo(stack, P, id, 4);
      expect(up4(await send('get', `/escalations/${id}`, 'raiser'))).toBe(4);
      await appointChairIfNeeded(stack, P, id);
    }
    return id;
  }
  const viewer: CaseViewer = {
    view: async (id) => {
      const res = await send('get', `/escalations/${id}`, 'businessManager');
      expect(res.status).toBe(200);
      return res.body;
    },
  };
  const up4 = (res: { body: { tier: { number: number } } }) => res.body.tier.number;

  /** A cell that changes the case gets a case of its own; the others of a row share one. */
  function caseFor(row: Row, expected: Expected): Promise<string> {
    if ((expected === 200 || expected === 201) && row.method === 'post') return newCase(row.stage);
    if (!shared.has(row.endpoint)) shared.set(row.endpoint, newCase(row.stage));
    return shared.get(row.endpoint)!;
  }

  it('has a cell for every endpoint and every caller', () => {
    expect(CELLS).toHaveLength(MATRIX.length * Object.keys(CALLERS).length);
    for (const row of MATRIX) expect(Object.keys(row.cells).sort()).toEqual(Object.keys(CALLERS).sort());
  });

  it.each(CELLS)('$title', async ({ row, who, expected }) => {
    const id = await caseFor(row, expected);
    const body = await row.body?.(id, viewer);
    const res = await send(row.method, row.path(id), who, body);
    const seen = {
      status: res.status,
      error: res.body?.error,
      reason: res.body?.reason,
      message: res.body?.message,
    };

    if (expected === 'listed' || expected === 'not listed') {
      expect(seen.status).toBe(200);
      const ids = (res.body.items as { id: string }[]).map((i) => i.id);
      if (expected === 'listed') expect(ids).toContain(id);
      else expect(ids).not.toContain(id);
    } else if (typeof expected === 'object') {
      const error = expected.status === 409 ? 'action-refused' : 'forbidden';
      expect(seen).toMatchObject({ status: expected.status, error, reason: expected.reason });
      if (expected.message) expect(seen.message).toMatch(expected.message);
    } else if (expected === 404) {
      // Exactly what a case that does not exist answers: nothing tells the two apart.
      const nowhere = '00000000-0000-4000-a000-000000000000';
      const absent = await send(row.method, row.path(nowhere), who, body);
      const strip = (answer: Record<string, unknown>, caseId: string) =>
        JSON.parse(
          JSON.stringify({ ...answer, requestId: undefined })
            .split(caseId)
            .join('<id>'),
        );
      expect(seen.status).toBe(404);
      expect(absent.status).toBe(404);
      expect(strip(res.body, id)).toEqual(strip(absent.body, nowhere));
      expect(seen.error).toBe('not-found');
    } else {
      expect(seen.status).toBe(expected);
      if (expected === 401) expect(seen.error).toBe('unauthenticated');
      if (expected === 403) expect(seen.error).toBe('forbidden');
      if (expected === 200 && row.method === 'post') expect(res.body.accepted).toBe(true);
      // A new entry of its own: recorded at once, and it names what it corrects.
      if (expected === 201)
        expect(res.body).toMatchObject({ accepted: true, corrects: (body as { corrects: string }).corrects });
      if (expected === 200 && row.method === 'get' && row.path(id).startsWith('/escalations/'))
        expect(res.body.id).toBe(id);
    }
  });

  it.each([
    ['not-an-id'],
    ['------------------------------------'],
    ['zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz'],
    ['00000000-0000-4000-a000-00000000000g'],
  ])('an id that is not a UUID (%s) answers 404, never 500', async (bad) => {
    expect((await send('get', `/escalations/${bad}`, 'businessManager')).status).toBe(404);
    expect((await send('post', `/escalations/${bad}/notes`, 'businessManager', { text: 'x' })).status).toBe(
      404,
    );
    expect((await send('get', `/audit?escalationId=${bad}`, 'businessManager')).status).toBe(400);
    // A list cursor is opaque, but a crafted one must not reach Postgres either.
    const cursor = Buffer.from(
      JSON.stringify(['2026-01-01T00:00:00.000Z', bad.padEnd(36, '-').slice(0, 36)]),
    ).toString('base64url');
    expect((await send('get', `/escalations?cursor=${cursor}`, 'businessManager')).status).toBe(400);
  });

  it('a crafted cursor whose instant JavaScript reads but Postgres would not answers 200 or 400, never 500', async () => {
    for (const at of ['1', 'March 7, 2026', '275760-09-13']) {
      const cursor = Buffer.from(JSON.stringify([at, '00000000-0000-4000-a000-000000000000'])).toString(
        'base64url',
      );
      const res = await send('get', `/escalations?cursor=${cursor}`, 'businessManager');
      expect([200, 400]).toContain(res.status);
    }
  });
});
