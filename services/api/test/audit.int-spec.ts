import { person, raiseBody, startStack, type Stack } from './support/harness';

/**
 * The audit trail through the real stack: who read or did what to which case, with what
 * outcome; Postgres refusing to change a row; and GET /audit/verify finding a row altered
 * behind the API's back.
 */
jest.setTimeout(180_000);

const P = 'sefton-sscp';
const raiser = person(P, 'csc', 'practitioner');
const receiver = person(P, 'police', 'practitioner');
const outsider = person(P, 'school', 'practitioner');
const businessManager = person(P, null, 'business-manager');
const chair = person(P, null, 'independent-chair');
const otherBoard = person('bscb', null, 'business-manager');

interface AuditRow {
  seq: string;
  request_id: string;
  person_id: string | null;
  agency_id: string | null;
  role: string | null;
  partnership_id: string | null;
  escalation_id: string | null;
  action: string;
  outcome: number;
  action_record_id: string | null;
  detail: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

describe('Audit trail', () => {
  let stack: Stack;
  let n = 0;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** One request with its own X-Request-Id; resolves with the answer and the audit rows it left. */
  async function call(method: 'get' | 'post', path: string, as: string | null, body?: object) {
    const requestId = `audit-test-${++n}`;
    let req = stack.http()[method](path).set('X-Request-Id', requestId);
    if (as) req = req.set('Authorization', await stack.as(as));
    const res = await (body ? req.send(body) : req);
    expect(res.headers['x-request-id']).toBe(requestId);
    // The request's own row; the case-record rows written with each action's record (in its
    // transaction, security-records.int-spec.ts) are left out.
    const rows: AuditRow[] = await stack.db.dataSource.query(
      `SELECT * FROM audit_log WHERE request_id = $1 AND action NOT LIKE 'case-record.%' ORDER BY seq`,
      [requestId],
    );
    return { res, rows, requestId };
  }

  let caseId: string;

  it('records a raise with the raiser, their agency and role, and the raise action_record; echoes or makes a request id', async () => {
    const { res, rows } = await call(
      'post',
      '/escalations',
      raiser,
      raiseBody(P, 'AUD-2026-0001', {
        subject: { kind: 'child', people: [{ name: 'Alexandra Testchild', dateOfBirth: '2016-02-29' }] },
      }),
    );
    expect(res.status).toBe(201);
    caseId = res.body.id;
    const [raiseRecord] = await stack.db.dataSource.query(
      `SELECT id FROM action_record WHERE escalation_id = $1 AND kind = 'raise'`,
      [caseId],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      action: 'escalation.raise',
      outcome: 201,
      person_id: raiser,
      agency_id: `${P}-csc`,
      role: 'practitioner',
      partnership_id: P,
      escalation_id: caseId,
      action_record_id: raiseRecord.id,
    });

    // No X-Request-Id, or one that is not a plain token: the API makes one and answers with it.
    const made = await stack
      .http()
      .get(`/escalations/${caseId}`)
      .set('Authorization', await stack.as(raiser))
      .expect(200);
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const [row] = await stack.db.dataSource.query(
      `SELECT action, outcome FROM audit_log WHERE request_id = $1`,
      [made.headers['x-request-id']],
    );
    expect(row).toEqual({ action: 'escalation.read', outcome: 200 });
    const replaced = await stack
      .http()
      .get(`/escalations/${caseId}`)
      .set('Authorization', await stack.as(raiser))
      .set('X-Request-Id', 'Alexandra Testchild')
      .expect(200);
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('records every read of a case: who, as which agency and role; outsiders as a 404 with no role', async () => {
    const byReceiver = await call('get', `/escalations/${caseId}`, receiver);
    expect(byReceiver.res.status).toBe(200);
    expect(byReceiver.rows).toEqual([
      expect.objectContaining({
        action: 'escalation.read',
        outcome: 200,
        person_id: receiver,
        agency_id: `${P}-police`,
        role: 'practitioner',
        partnership_id: P,
        escalation_id: caseId,
        action_record_id: null,
      }),
    ]);
    const byBoard = await call('get', `/escalations/${caseId}`, businessManager);
    expect(byBoard.rows).toEqual([
      expect.objectContaining({
        outcome: 200,
        person_id: businessManager,
        agency_id: null,
        role: 'business-manager',
      }),
    ]);

    const byOutsider = await call('get', `/escalations/${caseId}`, outsider);
    expect(byOutsider.res.status).toBe(404);
    expect(byOutsider.rows).toEqual([
      expect.objectContaining({
        action: 'escalation.read',
        outcome: 404,
        person_id: outsider,
        agency_id: null,
        role: null,
        escalation_id: caseId,
        detail: { error: 'not-found' },
      }),
    ]);
    const byOtherPartnership = await call('get', `/escalations/${caseId}`, otherBoard);
    expect(byOtherPartnership.rows).toEqual([
      expect.objectContaining({ outcome: 404, person_id: otherBoard, role: null }),
    ]);

    const malformed = await call('get', '/escalations/not-an-id', raiser);
    expect(malformed.rows).toEqual([
      expect.objectContaining({ action: 'escalation.read', outcome: 404, escalation_id: null }),
    ]);
  });

  it('records one row per list call with the filter and the count', async () => {
    const { res, rows } = await call('get', `/escalations?status=open&agencyId=${P}-csc&limit=20`, raiser);
    expect(res.status).toBe(200);
    expect(rows).toEqual([
      expect.objectContaining({
        action: 'escalation.list',
        outcome: 200,
        person_id: raiser,
        agency_id: `${P}-csc`,
        role: 'practitioner',
        partnership_id: P,
        escalation_id: null,
        detail: {
          filter: { status: 'open', agencyId: `${P}-csc`, limit: '20' },
          count: res.body.items.length,
        },
      }),
    ]);
    expect(res.body.items.length).toBeGreaterThan(0);
    const bad = await call('get', '/escalations?tier=abc', raiser);
    expect(bad.rows).toEqual([
      expect.objectContaining({
        action: 'escalation.list',
        outcome: 400,
        detail: { error: 'validation-failed' },
      }),
    ]);
  });

  it('records every action, accepted or refused, with the action_record id and never the free text', async () => {
    const reason = 'Alexandra Testchild was seen at school with a bruise on Tuesday';
    const accepted = await call('post', `/escalations/${caseId}/resolve`, raiser, { reason });
    expect(accepted.res.status).toBe(200);
    expect(accepted.rows).toEqual([
      expect.objectContaining({
        action: 'escalation.resolve',
        outcome: 200,
        person_id: raiser,
        agency_id: `${P}-csc`,
        role: 'practitioner',
        escalation_id: caseId,
        action_record_id: accepted.res.body.actionId,
        detail: {},
      }),
    ]);

    // Refused by the protocol engine: the action_record exists (outcome refused) and is named.
    // The partnership takes no part at Sefton step 1, so its business manager is not one who
    // acts there (who may act, rules 2).
    const refused = await call('post', `/escalations/${caseId}/escalate`, businessManager, { reason });
    expect(refused.res.status).toBe(409);
    expect(refused.res.body.message).toMatch(/the partnership takes no part/);
    const [record] = await stack.db.dataSource.query(
      `SELECT id, outcome, role FROM action_record WHERE escalation_id = $1 AND person_id = $2 AND kind = 'escalate'`,
      [caseId, businessManager],
    );
    expect(record).toMatchObject({ outcome: 'refused', role: 'business-manager' });
    expect(refused.rows).toEqual([
      expect.objectContaining({
        action: 'escalation.escalate',
        outcome: 409,
        person_id: businessManager,
        agency_id: null,
        role: 'business-manager',
        action_record_id: record.id,
        detail: { error: 'action-refused', reason: 'not-your-tier' },
      }),
    ]);

    // The chair's decision: resolved as the chair (not as any other partnership role).
    const decision = await call('post', `/escalations/${caseId}/decision`, chair, { decision: reason });
    expect(decision.res.status).toBe(409);
    expect(decision.rows).toEqual([
      expect.objectContaining({
        action: 'escalation.decision',
        outcome: 409,
        role: 'independent-chair',
        detail: { error: 'action-refused', reason: 'not-final-tier' },
      }),
    ]);

    // Only the raiser withdraws: the engine refuses the receiver (since issue 11 the API no
    // longer repeats that rule as a 403), so the refused action_record is named.
    const notRaiser = await call('post', `/escalations/${caseId}/withdraw`, receiver, { reason });
    expect(notRaiser.res.status).toBe(409);
    const [withdrawRecord] = await stack.db.dataSource.query(
      `SELECT id, outcome FROM action_record WHERE escalation_id = $1 AND person_id = $2 AND kind = 'withdraw'`,
      [caseId, receiver],
    );
    expect(withdrawRecord).toMatchObject({ outcome: 'refused' });
    expect(notRaiser.rows).toEqual([
      expect.objectContaining({
        action: 'escalation.withdraw',
        outcome: 409,
        person_id: receiver,
        agency_id: `${P}-police`,
        role: 'practitioner',
        action_record_id: withdrawRecord.id,
        detail: { error: 'action-refused', reason: 'not-the-raiser' },
      }),
    ]);

    // Refused by the API before any record: no action_record id. The chair named is not an
    // independent chair of the partnership, which the API checks against the directory.
    const notAChair = await call('post', `/escalations/${caseId}/chair`, businessManager, {
      chairPersonId: receiver,
      reason,
    });
    expect(notAChair.res.status).toBe(400);
    expect(notAChair.rows).toEqual([
      expect.objectContaining({
        action: 'escalation.chair',
        outcome: 400,
        person_id: businessManager,
        action_record_id: null,
        detail: { error: 'validation-failed' },
      }),
    ]);
    const [chairRecords] = await stack.db.dataSource.query(
      `SELECT count(*)::int AS n FROM action_record WHERE escalation_id = $1 AND kind = 'appoint-chair'`,
      [caseId],
    );
    expect(chairRecords.n).toBe(0);
    // A malformed body never reaches the engine either (a missing reason does: the engine
    // refuses it as reason-required).
    const invalid = await call('post', `/escalations/${caseId}/escalate`, raiser, { reason: 42 });
    expect(invalid.rows).toEqual([
      expect.objectContaining({
        action: 'escalation.escalate',
        outcome: 400,
        action_record_id: null,
        detail: { error: 'validation-failed' },
      }),
    ]);
    const hidden = await call('post', `/escalations/${caseId}/notes`, outsider, { text: reason });
    expect(hidden.rows).toEqual([
      expect.objectContaining({
        action: 'escalation.notes',
        outcome: 404,
        role: null,
        action_record_id: null,
      }),
    ]);
    const note = await call('post', `/escalations/${caseId}/notes`, receiver, { text: reason });
    expect(note.rows).toEqual([
      expect.objectContaining({
        action: 'escalation.notes',
        outcome: 200,
        action_record_id: note.res.body.actionId,
      }),
    ]);

    // Nothing a person wrote reaches the audit trail.
    const all = JSON.stringify(await stack.db.dataSource.query(`SELECT * FROM audit_log`));
    expect(all).not.toMatch(/Testchild|bruise|2016-02-29/);
  });

  it('records reports, directory reads and codec calls like reads of a case, with ids only', async () => {
    const P = 'sefton-sscp';
    const manager = person(P, null, 'business-manager');
    const report = await call('get', `/partnerships/${P}/reports/disputes?from=2026-01-01`, manager);
    expect(report.res.status).toBe(200);
    expect(report.rows).toEqual([
      expect.objectContaining({
        person_id: manager,
        role: 'business-manager',
        partnership_id: P,
        action: 'report.disputes',
        outcome: 200,
        detail: expect.objectContaining({
          partnershipId: P,
          filter: expect.objectContaining({ from: '2026-01-01' }),
        }),
      }),
    ]);
    const practitioner = person(P, 'csc', 'practitioner');
    const people = await call('get', `/partnerships/${P}/people`, practitioner);
    expect(people.rows.map((r) => [r.action, r.outcome, r.person_id])).toEqual([
      ['directory.read.people', 200, practitioner],
    ]);
    const agency = await call('get', `/agencies/${P}-police`, practitioner);
    expect(agency.rows.map((r) => [r.action, r.detail.agencyId])).toEqual([
      ['directory.read.agency', `${P}-police`],
    ]);
    // A refused read is audited too, with its outcome.
    const refused = await call('get', `/partnerships/${P}/reports/disputes`, practitioner);
    expect(refused.rows.map((r) => [r.action, r.outcome])).toEqual([['report.disputes', refused.res.status]]);
    expect(refused.res.status).toBeGreaterThanOrEqual(400);
    const decoded = await call('post', '/codec/decode', manager, { payloads: [] });
    expect(decoded.rows.map((r) => r.action)).toEqual(['codec.decode']);
  });

  it('does not audit requests without a valid token: they never reach a case', async () => {
    const before = await stack.db.dataSource.query(`SELECT count(*)::int AS n FROM audit_log`);
    const { res, rows } = await call('get', `/escalations/${caseId}`, null);
    expect(res.status).toBe(401);
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
    expect(rows).toEqual([]);
    const after = await stack.db.dataSource.query(`SELECT count(*)::int AS n FROM audit_log`);
    expect(after[0].n).toBe(before[0].n);
  });

  it("shows a case's audit rows to its partnership's board roles only", async () => {
    const board = await call('get', `/audit?escalationId=${caseId}`, businessManager);
    expect(board.res.status).toBe(200);
    const actions = board.res.body.items.map((i: { action: string }) => i.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'escalation.raise',
        'escalation.read',
        'escalation.resolve',
        'escalation.escalate',
        'escalation.withdraw',
      ]),
    );
    // The subject's and the raise record's case-record rows come first, in the raise's transaction.
    expect(board.res.body.items[0]).toMatchObject({ action: 'case-record.subject', escalationId: caseId });
    expect(board.res.body.items[1]).toMatchObject({ action: 'case-record.append', escalationId: caseId });
    expect(board.res.body.items[2]).toMatchObject({
      action: 'escalation.raise',
      personId: raiser,
      escalationId: caseId,
      outcome: 201,
    });
    expect(board.res.body.items.every((i: { escalationId: string }) => i.escalationId === caseId)).toBe(true);
    expect(board.rows).toEqual([
      expect.objectContaining({
        action: 'audit.read',
        outcome: 200,
        role: 'business-manager',
        escalation_id: caseId,
      }),
    ]);

    expect((await call('get', `/audit?escalationId=${caseId}`, chair)).res.status).toBe(200);
    // A party to the case knows it exists, but the audit trail is the board's: 403.
    expect((await call('get', `/audit?escalationId=${caseId}`, raiser)).res.status).toBe(403);
    // Outside the case, or another partnership's board: as if it did not exist.
    const outside = await call('get', `/audit?escalationId=${caseId}`, outsider);
    const nowhere = await call(
      'get',
      `/audit?escalationId=00000000-0000-4000-a000-000000000000`,
      businessManager,
    );
    expect(outside.res.status).toBe(404);
    expect(nowhere.res.status).toBe(404);
    expect((await call('get', `/audit?escalationId=${caseId}`, otherBoard)).res.status).toBe(404);
    expect((await call('get', '/audit', businessManager)).res.status).toBe(400);
    expect((await call('get', '/audit?escalationId=' + caseId, null)).res.status).toBe(401);

    // Pages by seq.
    const first = await call('get', `/audit?escalationId=${caseId}&limit=2`, businessManager);
    expect(first.res.body.items).toHaveLength(2);
    const second = await call(
      'get',
      `/audit?escalationId=${caseId}&limit=2&after=${first.res.body.nextAfter}`,
      businessManager,
    );
    expect(second.res.body.items[0].seq).toBeGreaterThan(first.res.body.items[1].seq);
  });

  it('GET /audit/verify: business manager or chair only, and an intact chain verifies', async () => {
    expect((await call('get', '/audit/verify', null)).res.status).toBe(401);
    expect((await stack.http().get('/audit/verify').set('Authorization', 'Bearer not-a-jwt')).status).toBe(
      401,
    );
    for (const who of [
      raiser,
      receiver,
      person(P, null, 'quality-assurance-manager'),
      person(P, 'csc', 'board-member'),
    ]) {
      const { res, rows } = await call('get', '/audit/verify', who);
      expect(res.status).toBe(403);
      expect(rows).toEqual([
        expect.objectContaining({ action: 'audit.verify', outcome: 403, person_id: who }),
      ]);
    }
    // Concurrent appends still make one chain.
    const auth = await stack.as(receiver);
    await Promise.all(
      Array.from({ length: 20 }, () =>
        stack.http().get(`/escalations/${caseId}`).set('Authorization', auth).expect(200),
      ),
    );

    const [{ n: total }] = await stack.db.dataSource.query(`SELECT count(*)::int AS n FROM audit_log`);
    for (const who of [businessManager, chair]) {
      const { res } = await call('get', '/audit/verify', who);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ ok: true });
      expect(res.body.firstBrokenSeq).toBeUndefined();
      expect(res.body.rows).toBeGreaterThanOrEqual(total);
    }
  });

  it('Postgres refuses UPDATE, DELETE and TRUNCATE on audit_log, and an INSERT that does not extend the chain', async () => {
    const ds = stack.db.dataSource;
    const [{ seq }] = await ds.query(`SELECT min(seq)::text AS seq FROM audit_log`);
    await expect(ds.query(`UPDATE audit_log SET outcome = 200 WHERE seq = $1`, [seq])).rejects.toThrow(
      /append-only: UPDATE/,
    );
    await expect(ds.query(`DELETE FROM audit_log WHERE seq = $1`, [seq])).rejects.toThrow(
      /append-only: DELETE/,
    );
    await expect(ds.query(`TRUNCATE audit_log`)).rejects.toThrow(/append-only: TRUNCATE/);
    // Even with triggers switched off for replication.
    await expect(
      ds.transaction(async (tx) => {
        await tx.query(`SET LOCAL session_replication_role = replica`);
        await tx.query(`DELETE FROM audit_log WHERE seq = $1`, [seq]);
      }),
    ).rejects.toThrow(/append-only: DELETE/);
    await expect(
      ds.query(
        `INSERT INTO audit_log (at, request_id, action, outcome, prev_hash, hash) VALUES (now(), 'forged', 'escalation.read', 200, $1, $1)`,
        ['0'.repeat(64)],
      ),
    ).rejects.toThrow(/prev_hash must be the hash of the last row/);
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM audit_log WHERE seq = $1`, [seq]);
    expect(n).toBe(1);
  });

  it('finds a row altered directly in the database (triggers disabled by a superuser), with its seq', async () => {
    const ds = stack.db.dataSource;
    const [target] = await ds.query(
      `SELECT seq::text AS seq, person_id, role FROM audit_log WHERE action = 'escalation.read' AND outcome = 404 AND person_id = $1 ORDER BY audit_log.seq LIMIT 1`,
      [outsider],
    );
    expect(target).toBeDefined();
    const tamper = async (sql: string, params: unknown[]) => {
      await ds.query(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`);
      try {
        await ds.query(sql, params);
      } finally {
        await ds.query(`ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_append_only`);
      }
    };
    const verify = async () => (await call('get', '/audit/verify', chair)).res.body;

    // Someone erases who looked at the case.
    await tamper(`UPDATE audit_log SET person_id = $2, role = 'business-manager' WHERE seq = $1`, [
      target.seq,
      businessManager,
    ]);
    expect(await verify()).toMatchObject({ ok: false, firstBrokenSeq: Number(target.seq) });

    // Put back exactly as it was: the chain holds again (the check is on content, not on history).
    await tamper(`UPDATE audit_log SET person_id = $2, role = $3 WHERE seq = $1`, [
      target.seq,
      target.person_id,
      target.role,
    ]);
    expect(await verify()).toMatchObject({ ok: true });

    // A row removed: the row after it no longer links.
    const [next] = await ds.query(
      `SELECT seq::text AS seq FROM audit_log WHERE seq > $1 ORDER BY audit_log.seq LIMIT 1`,
      [target.seq],
    );
    await tamper(`DELETE FROM audit_log WHERE seq = $1`, [target.seq]);
    expect(await verify()).toMatchObject({ ok: false, firstBrokenSeq: Number(next.seq) });
  });
});
