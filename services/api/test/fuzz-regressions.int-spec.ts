import request from 'supertest';
import { person, raiseBody, startStack, type Stack } from './support/harness';

/**
 * Regressions for what the fuzzer (fuzz/run.sh: schemathesis against docs/openapi.json) found.
 *
 * 1. The NUL character (U+0000) in any string a client sends: Postgres refuses it in text and
 *    jsonb, and the API answered 500. First seen as `POST /people/:id/partnership-roles` with
 *    `{"subGroup": "\u0000z"}`; the same held for every text field, filter and path id that
 *    reaches a query. Now a 400 `validation-failed` with a message, and nothing is written.
 */
jest.setTimeout(180_000);

const P = 'sefton-sscp';
const raiser = person(P, 'csc', 'practitioner');
const admin = person(P, null, 'partnership-administrator');
const NUL = '\u0000';

describe('Fuzzer regressions', () => {
  let stack: Stack;
  let escalationId: string;

  beforeAll(async () => {
    stack = await startStack();
    const res = await stack
      .http()
      .post('/escalations')
      .set('Authorization', await stack.as(raiser))
      .send(raiseBody(P, 'FZR-0001'));
    expect(res.status).toBe(201);
    escalationId = res.body.id;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const expectNulRefused = (res: request.Response) => {
    expect({ status: res.status, error: res.body.error }).toEqual({
      status: 400,
      error: 'validation-failed',
    });
    expect(res.body.message).toMatch(/NUL character/);
  };

  it('refuses NUL in a partnership role sub-group (the fuzzer case) with a 400 and a message', async () => {
    const res = await stack
      .http()
      // Someone who does not hold the role yet, so the request reaches Postgres with the NUL.
      .post(`/people/${person(P, 'health', 'practitioner')}/partnership-roles`)
      .set('Authorization', await stack.as(admin))
      .send({ subGroup: `${NUL}z`, role: 'business-manager' });
    expectNulRefused(res);
  });

  it('refuses NUL in the text of a raise, and writes nothing', async () => {
    const auth = await stack.as(raiser);
    expectNulRefused(
      await stack
        .http()
        .post('/escalations')
        .set('Authorization', auth)
        .send(raiseBody(P, 'FZR-0002', { natureOfConcern: `a${NUL}b` })),
    );
    expectNulRefused(
      await stack
        .http()
        .post('/escalations')
        .set('Authorization', auth)
        .send(raiseBody(P, 'FZR-0003', { raisingAgencyId: `${P}-csc${NUL}` })),
    );
    expectNulRefused(
      await stack
        .http()
        .post('/escalations')
        .set('Authorization', auth)
        .send(raiseBody(P, 'FZR-0004', { subject: { kind: 'child', people: [{ name: `A${NUL}B` }] } })),
    );
    const rows = await stack.db.dataSource.query(
      `SELECT count(*)::int AS n FROM escalation WHERE reference LIKE 'FZR-000%' AND reference <> 'FZR-0001'`,
    );
    expect(rows[0].n).toBe(0);
  });

  it('refuses NUL in an action and a note, with nothing recorded', async () => {
    const auth = await stack.as(raiser);
    expectNulRefused(
      await stack
        .http()
        .post(`/escalations/${escalationId}/notes`)
        .set('Authorization', auth)
        .send({ text: `a${NUL}b` }),
    );
    expectNulRefused(
      await stack
        .http()
        .post(`/escalations/${escalationId}/escalate`)
        .set('Authorization', auth)
        .send({ reason: `a${NUL}b` }),
    );
    const rows = await stack.db.dataSource.query(
      `SELECT count(*)::int AS n FROM action_record WHERE escalation_id = $1 AND kind <> 'raise'`,
      [escalationId],
    );
    expect(rows[0].n).toBe(0);
  });

  it('refuses NUL in directory writes', async () => {
    const auth = await stack.as(admin);
    expectNulRefused(
      await stack
        .http()
        .patch(`/people/${raiser}`)
        .set('Authorization', auth)
        .send({ displayName: `A${NUL}B` }),
    );
    expectNulRefused(
      await stack
        .http()
        .post(`/partnerships/${P}/agencies`)
        .set('Authorization', auth)
        .send({ id: `${P}-fuzz`, name: `A${NUL}B`, kind: 'police' }),
    );
  });

  it('answers a NUL in a list filter or a path id without a 5xx', async () => {
    const auth = await stack.as(raiser);
    const list = await stack
      .http()
      .get('/escalations')
      .query({ protocolId: NUL, agencyId: NUL })
      .set('Authorization', auth);
    expectNulRefused(list);
    for (const path of ['/agencies/a%00b', '/agencies/a%00b/escalation-log']) {
      const res = await stack.http().get(path).set('Authorization', auth);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(typeof res.body.message).toBe('string');
    }
  });

  it('audits a refused NUL request as a client error, not an internal one', async () => {
    await stack
      .http()
      .post(`/escalations/${escalationId}/notes`)
      .set('Authorization', await stack.as(raiser))
      .send({ text: NUL });
    const [row] = await stack.db.dataSource.query(
      `SELECT outcome, detail FROM audit_log WHERE escalation_id = $1 AND action = 'escalation.notes' ORDER BY seq DESC LIMIT 1`,
      [escalationId],
    );
    expect(row).toBeDefined();
    expect(row.outcome).toBe(400);
    expect(row.detail).toMatchObject({ error: 'client-error' });
  });
});
