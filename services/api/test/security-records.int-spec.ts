import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  ActionRecordsRepository,
  actionRecordHash,
  AuditRepository,
  CaseRecordChangeRefused,
  createDataSource,
  grantApplicationRole,
  PlanItemsRepository,
  refusingCaseRecordChanges,
} from '@resolve/persistence';
import { snapshotQuery, type EscalationSnapshot } from '@resolve/contracts';
import { person, raiseBody, startStack, type Stack } from './support/harness';

/**
 * Records that cannot be quietly changed (issue 13, docs/security.md), from an attacker's side:
 * someone holding the application's own database connection tries to rewrite what a case says
 * (an action's text or actor, its outcome, a plan item's wording, the timeline) and Postgres
 * refuses, while every change the application makes by design still goes through. Then the
 * action's record and its audit row: written in one transaction, so a fault or a dead
 * connection between the two writes leaves neither.
 */
jest.setTimeout(300_000);

const P = 'sefton-sscp';
const RAISER = person(P, 'csc', 'practitioner');
const RECEIVER = person(P, 'police', 'practitioner');
const REFUSED = CaseRecordChangeRefused;

describe('The case record, append-only', () => {
  let stack: Stack;
  let references = 0;
  /** A case taken through acknowledge, respond, note, plan (agreed both ways), an item done, a refusal. */
  let caseId: string;
  let planActionId: string;
  let planItemId: string;
  let noteActionId: string;
  let refusedActionId: string;

  const db = () => stack.db.dataSource;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function raise(reference = `REC-${++references}`) {
    const res = await stack
      .http()
      .post('/escalations')
      .set('Authorization', await stack.as(RAISER))
      .send(raiseBody(P, reference));
    return res;
  }

  async function post(personId: string, id: string, path: string, body: object = {}, key?: string) {
    let req = stack
      .http()
      .post(`/escalations/${id}/${path}`)
      .set('Authorization', await stack.as(personId));
    if (key) req = req.set('Idempotency-Key', key);
    return req.send(body);
  }

  async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
    for (let i = 0; i < 100; i++) {
      const value = await read();
      if (done(value)) return value;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('condition not met in 20 s');
  }

  const verify = async () =>
    (
      await stack
        .http()
        .get('/audit/verify')
        .set('Authorization', await stack.as(person(P, null, 'business-manager')))
    ).body;

  const recordOf = async (id: string) =>
    (await db().query(`SELECT * FROM action_record WHERE id = $1`, [id]))[0] as
      Record<string, unknown> | undefined;

  it('every legitimate change still goes through: outcomes, a placeholder actor, items done, refused plans removed', async () => {
    const raised = await raise();
    expect(raised.status).toBe(201);
    caseId = raised.body.id;
    expect((await post(RECEIVER, caseId, 'acknowledge', { reason: 'Received.' })).status).toBe(200);
    expect((await post(RECEIVER, caseId, 'respond', { reason: 'Threshold not met yet.' })).status).toBe(200);
    const note = await post(RAISER, caseId, 'notes', { text: 'Called the DS at 14:00.' });
    expect(note.status).toBe(200);
    noteActionId = note.body.actionId;

    // A plan agreement: its record is first a placeholder (role pending), then takes its actor.
    const due = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const plan = await post(RAISER, caseId, 'plan', {
      reason: 'Agreed on the phone.',
      items: [{ what: 'Police to review the referral', ownerAgencyId: `${P}-police`, dueAt: due }],
    });
    expect(plan.status).toBe(200);
    planActionId = plan.body.actionId;
    expect(await recordOf(planActionId)).toMatchObject({
      outcome: 'accepted',
      role: 'practitioner',
      agency_id: `${P}-csc`,
    });
    expect((await post(RECEIVER, caseId, 'plan/accept', { reason: 'Agreed.' })).status).toBe(200);
    const [item] = await db().query(`SELECT id FROM plan_item WHERE action_id = $1`, [planActionId]);
    planItemId = item.id;
    expect(
      (await post(RECEIVER, caseId, `plan-items/${planItemId}/complete`, { reason: 'Reviewed.' })).status,
    ).toBe(200);
    // The projection marks the item done (open -> done).
    await eventually(
      () => db().query(`SELECT status FROM plan_item WHERE id = $1`, [planItemId]),
      (rows: { status: string }[]) => rows[0]?.status === 'done',
    );

    // A plan the engine refuses (an item owned outside the two agencies): its items are removed.
    const refusedPlan = await post(RAISER, caseId, 'plan', {
      items: [{ what: 'School to call', ownerAgencyId: `${P}-school`, dueAt: due }],
    });
    expect(refusedPlan.status).toBe(409);
    const [refusedPlanRecord] = await db().query(
      `SELECT id, outcome FROM action_record WHERE escalation_id = $1 AND kind = 'agree-plan' AND id <> $2`,
      [caseId, planActionId],
    );
    expect(refusedPlanRecord.outcome).toBe('refused');
    expect(
      await db().query(`SELECT count(*)::int AS n FROM plan_item WHERE action_id = $1`, [
        refusedPlanRecord.id,
      ]),
    ).toEqual([{ n: 0 }]);

    // A refusal: pending -> refused.
    const early = await post(RAISER, caseId, 'escalate', {}, 'rec-escalate-1');
    expect(early.status).toBe(409);
    expect(early.body.reason).toBe('reason-required');
    const [earlyRecord] = await db().query(
      `SELECT id, outcome FROM action_record WHERE escalation_id = $1 AND kind = 'escalate'`,
      [caseId],
    );
    expect(earlyRecord.outcome).toBe('refused');
    refusedActionId = earlyRecord.id;

    // The timeline reaches Postgres.
    await eventually(
      () => db().query(`SELECT count(*)::int AS n FROM escalation_event WHERE escalation_id = $1`, [caseId]),
      (rows: { n: number }[]) => rows[0].n >= 6,
    );
  });

  describe('someone with the application database connection', () => {
    it('cannot change what an action says, who did it, or when', async () => {
      const [resp] = await db().query(
        `SELECT id FROM action_record WHERE escalation_id = $1 AND kind = 'respond'`,
        [caseId],
      );
      const attempts: [string, RegExp][] = [
        [
          `UPDATE action_record SET text = 'Threshold met.' WHERE id = $1`,
          /action_record is append-only: text never changes/,
        ],
        [`UPDATE action_record SET person_id = 'someone-else' WHERE id = $1`, /person_id never changes/],
        [`UPDATE action_record SET kind = 'withdraw' WHERE id = $1`, /kind never changes/],
        [
          `UPDATE action_record SET created_at = now() - interval '3 days' WHERE id = $1`,
          /created_at never changes/,
        ],
        [
          `UPDATE action_record SET escalation_id = gen_random_uuid() WHERE id = $1`,
          /escalation_id never changes/,
        ],
        [`UPDATE action_record SET payload = '{"reasons":["other"]}' WHERE id = $1`, /payload never changes/],
        [
          `UPDATE action_record SET role = 'senior-manager' WHERE id = $1`,
          /only a placeholder's actor .* is filled in, once/,
        ],
        [`UPDATE action_record SET agency_id = '${P}-school' WHERE id = $1`, /only a placeholder's actor/],
        [
          `UPDATE action_record SET outcome = 'refused' WHERE id = $1`,
          /outcome: accepted cannot become refused/,
        ],
        [
          `UPDATE action_record SET outcome = 'pending' WHERE id = $1`,
          /outcome: accepted cannot become pending/,
        ],
        [`DELETE FROM action_record WHERE id = $1`, /a recorded action is never deleted/],
      ];
      for (const [sql, message] of attempts) {
        await expect(db().query(sql, [resp.id])).rejects.toThrow(message);
      }
      await expect(db().query(`TRUNCATE action_record CASCADE`)).rejects.toThrow(
        /(action_record|plan_item) is append-only: TRUNCATE/,
      );
      // A decision already made is not re-made: a refused action does not become pending again.
      await expect(
        db().query(`UPDATE action_record SET outcome = 'pending' WHERE id = $1`, [refusedActionId]),
      ).rejects.toThrow(/outcome: refused cannot become pending/);
      expect(await recordOf(resp.id)).toMatchObject({
        text: 'Threshold not met yet.',
        person_id: RECEIVER,
        outcome: 'accepted',
        role: 'practitioner',
      });
    });

    it("cannot change a plan item's wording, owner or date, reopen it, or delete an agreed plan's item", async () => {
      const attempts: [string, RegExp][] = [
        [
          `UPDATE plan_item SET description = 'Nothing to do' WHERE id = $1`,
          /plan_item is append-only: description never changes/,
        ],
        [`UPDATE plan_item SET owner_agency_id = '${P}-csc' WHERE id = $1`, /owner_agency_id never changes/],
        [`UPDATE plan_item SET due_at = due_at + interval '30 days' WHERE id = $1`, /due_at never changes/],
        [`UPDATE plan_item SET status = 'open' WHERE id = $1`, /plan_item.status: done cannot become open/],
        [`DELETE FROM plan_item WHERE id = $1`, /an item of an accepted plan is never deleted/],
      ];
      for (const [sql, message] of attempts) {
        await expect(db().query(sql, [planItemId])).rejects.toThrow(message);
      }
      await expect(db().query(`TRUNCATE plan_item`)).rejects.toThrow(/plan_item is append-only: TRUNCATE/);
      // The repository's own delete leaves an accepted plan's items alone.
      await new PlanItemsRepository(db()).deleteUnlessAccepted(planActionId);
      expect(
        await db().query(`SELECT description, status FROM plan_item WHERE id = $1`, [planItemId]),
      ).toEqual([{ description: 'Police to review the referral', status: 'done' }]);
    });

    it('cannot change or remove a timeline entry', async () => {
      const [event] = await db().query(
        `SELECT id FROM escalation_event WHERE escalation_id = $1 ORDER BY seq LIMIT 1`,
        [caseId],
      );
      await expect(
        db().query(`UPDATE escalation_event SET detail = '{}', at = now() WHERE id = $1`, [event.id]),
      ).rejects.toThrow(/escalation_event is append-only: a timeline entry is never updated/);
      await expect(db().query(`DELETE FROM escalation_event WHERE id = $1`, [event.id])).rejects.toThrow(
        /a timeline entry is never deleted/,
      );
      await expect(db().query(`TRUNCATE escalation_event`)).rejects.toThrow(
        /escalation_event is append-only: TRUNCATE/,
      );
    });

    it('cannot switch the triggers off for replication', async () => {
      await expect(
        db().transaction(async (tx) => {
          await tx.query(`SET LOCAL session_replication_role = replica`);
          await tx.query(`UPDATE action_record SET text = 'rewritten' WHERE id = $1`, [noteActionId]);
        }),
      ).rejects.toThrow(/text never changes/);
      await expect(
        db().transaction(async (tx) => {
          await tx.query(`SET LOCAL session_replication_role = replica`);
          await tx.query(`DELETE FROM escalation_event WHERE escalation_id = $1`, [caseId]);
        }),
      ).rejects.toThrow(/never deleted/);
    });

    it('gets a named refusal through the repositories, never a raw database error', async () => {
      const refusal = await refusingCaseRecordChanges(() =>
        db().query(`UPDATE action_record SET text = 'x' WHERE id = $1`, [noteActionId]),
      ).then(
        () => null,
        (e: unknown) => e,
      );
      expect(refusal).toBeInstanceOf(REFUSED);
      expect((refusal as Error).message).toMatch(
        /^action_record is append-only: text never changes \(id [0-9a-f-]{36}\)$/,
      );
      // The repositories' own outcome writes never try what the triggers refuse: an accepted
      // action stays accepted, a non-note's claim is not released.
      const actions = new ActionRecordsRepository(db());
      await expect(actions.settle(planActionId, 'refused')).resolves.toBe(false);
      await actions.releaseNoteClaim(planActionId, 'pending');
      expect(await actions.outcomeOf(planActionId)).toBe('accepted');
    });
  });

  describe('the record and its audit row, in one transaction', () => {
    /** The case-record rows of the audit trail fingerprinting a record (not its plan items'). */
    const chainRowsOf = (actionRecordId: string) =>
      db().query(
        `SELECT action, outcome, request_id, person_id, agency_id, role, partnership_id, escalation_id, detail FROM audit_log WHERE action_record_id = $1 AND action IN ('case-record.append', 'case-record.actor') ORDER BY seq`,
        [actionRecordId],
      );

    it('every record written carries its audit row with its fingerprint', async () => {
      const records = await db().query(
        `SELECT id, escalation_id AS "escalationId", kind, person_id AS "personId", agency_id AS "agencyId", role, text, payload, request_id AS "requestId" FROM action_record WHERE escalation_id = $1`,
        [caseId],
      );
      expect(records.length).toBeGreaterThanOrEqual(7);
      for (const record of records) {
        const rows = await chainRowsOf(record.id);
        expect(rows.length).toBeGreaterThanOrEqual(1);
        expect(rows[0]).toMatchObject({ action: 'case-record.append', outcome: 201, escalation_id: caseId });
        // The last row's fingerprint is the record as it stands (a plan agreement's second row:
        // its actor filled in).
        expect(rows[rows.length - 1].detail).toEqual({
          kind: record.kind,
          contentHash: actionRecordHash(record),
        });
        expect(JSON.stringify(rows)).not.toMatch(/Called the DS|Threshold|Police to review/);
      }
      const planRows = await chainRowsOf(planActionId);
      expect(planRows.map((r: { action: string; role: string | null }) => [r.action, r.role])).toEqual([
        ['case-record.append', null],
        ['case-record.actor', 'practitioner'],
      ]);
      expect(await verify()).toMatchObject({ ok: true });
    });

    it('a record cannot be written without its audit row', async () => {
      await expect(
        db().query(
          `INSERT INTO action_record (id, escalation_id, kind, person_id, agency_id, role, text, payload, outcome)
           VALUES (gen_random_uuid(), $1, 'record-decision', $2, NULL, 'independent-chair', 'Forged decision', '{}', 'accepted')`,
          [caseId, person(P, null, 'independent-chair')],
        ),
      ).rejects.toThrow(
        /a record is written with its audit row \(case-record.append\) in the same transaction/,
      );
      expect(
        await db().query(`SELECT count(*)::int AS n FROM action_record WHERE text = 'Forged decision'`),
      ).toEqual([{ n: 0 }]);
    });

    it('GET /audit/verify finds a record changed behind the triggers (by their owner)', async () => {
      const [record] = await db().query(
        `SELECT id, text FROM action_record WHERE escalation_id = $1 AND kind = 'respond'`,
        [caseId],
      );
      const tamper = async (text: string) => {
        await db().query(`ALTER TABLE action_record DISABLE TRIGGER action_record_append_only`);
        try {
          await db().query(`UPDATE action_record SET text = $2 WHERE id = $1`, [record.id, text]);
        } finally {
          await db().query(`ALTER TABLE action_record ENABLE ALWAYS TRIGGER action_record_append_only`);
        }
      };
      await tamper('Threshold met; strategy discussion agreed.');
      const broken = await verify();
      expect(broken).toMatchObject({ ok: false });
      expect(broken.caseRecord.altered).toEqual([record.id]);
      // Put back exactly as it was: the record matches its fingerprint again.
      await tamper(record.text);
      const whole = await verify();
      expect(whole).toMatchObject({ ok: true, caseRecord: { altered: [] } });
      expect(whole.caseRecord.records).toBeGreaterThanOrEqual(9);
    });

    /** Makes the audit insert of this kind's case-record row fail, as a fault between the two writes. */
    async function failAuditOf(kind: string, how: 'error' | 'hang') {
      await db().query(`
        CREATE OR REPLACE FUNCTION test_fault_in_audit() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.action = 'case-record.append' AND NEW.detail->>'kind' = '${kind}' THEN
            ${how === 'error' ? `RAISE EXCEPTION 'injected fault: the audit row could not be written';` : `PERFORM pg_sleep(60);`}
          END IF;
          RETURN NEW;
        END $$;
        DROP TRIGGER IF EXISTS test_fault_in_audit ON audit_log;
        CREATE TRIGGER test_fault_in_audit BEFORE INSERT ON audit_log
          FOR EACH ROW EXECUTE FUNCTION test_fault_in_audit();
      `);
    }
    const healAudit = () => db().query(`DROP TRIGGER IF EXISTS test_fault_in_audit ON audit_log`);
    const snapshot = (id: string) =>
      stack.env.client.workflow.getHandle(id).query(snapshotQuery) as Promise<EscalationSnapshot>;

    it('a failing audit insert leaves neither the action nor its row, and the workflow never hears of it', async () => {
      const raised = await raise();
      const id = raised.body.id;
      await post(RECEIVER, id, 'acknowledge', {});
      const before = await snapshot(raised.body.workflow.id);
      await failAuditOf('escalate', 'error');
      let failed;
      try {
        failed = await post(RAISER, id, 'escalate', { reason: 'No strategy discussion yet.' }, 'crash-key-1');
      } finally {
        await healAudit();
      }
      expect(failed.status).toBe(503);
      expect(failed.body.message).toBe('the action could not be recorded, so nothing was done; try again');
      expect(
        await db().query(
          `SELECT count(*)::int AS n FROM action_record WHERE escalation_id = $1 AND kind = 'escalate'`,
          [id],
        ),
      ).toEqual([{ n: 0 }]);
      expect(
        await db().query(
          `SELECT count(*)::int AS n FROM audit_log WHERE escalation_id = $1 AND action = 'case-record.append' AND detail->>'kind' = 'escalate'`,
          [id],
        ),
      ).toEqual([{ n: 0 }]);
      const after = await snapshot(raised.body.workflow.id);
      expect({ tier: after.tier, timeline: after.timeline.length }).toEqual({
        tier: before.tier,
        timeline: before.timeline.length,
      });
      // The request itself is still in the trail, as one that recorded nothing.
      expect(
        await db().query(
          `SELECT outcome, action_record_id FROM audit_log WHERE escalation_id = $1 AND action = 'escalation.escalate'`,
          [id],
        ),
      ).toEqual([{ outcome: 503, action_record_id: null }]);

      // The same request again, with the fault gone: recorded with its row, and applied.
      const retried = await post(
        RAISER,
        id,
        'escalate',
        { reason: 'No strategy discussion yet.' },
        'crash-key-1',
      );
      expect(retried.status).toBe(200);
      expect(retried.body.escalation.tier).toBe(2);
      expect(await chainRowsOf(retried.body.actionId)).toEqual([
        expect.objectContaining({ action: 'case-record.append', person_id: RAISER, role: 'practitioner' }),
      ]);
    });

    it('a raise whose audit row fails leaves no case, no subject, no record', async () => {
      await failAuditOf('raise', 'error');
      let failed;
      try {
        failed = await raise('REC-CRASH-0001');
      } finally {
        await healAudit();
      }
      expect(failed.status).toBe(503);
      expect(failed.body.message).toBe(
        'the escalation could not be recorded, so nothing was done; try again',
      );
      expect(
        await db().query(`SELECT count(*)::int AS n FROM escalation WHERE reference = 'REC-CRASH-0001'`),
      ).toEqual([{ n: 0 }]);
      expect((await raise('REC-CRASH-0001')).status).toBe(201);
    });

    it('a connection that dies between the two writes leaves neither', async () => {
      const raised = await raise();
      const id = raised.body.id;
      await failAuditOf('add-note', 'hang');
      try {
        const pending = post(RAISER, id, 'notes', { text: 'Spoke to the head teacher.' }, 'crash-key-2');
        // The record is written and the audit insert is under way, inside one open transaction.
        const [stuck] = await eventually(
          () =>
            db().query(
              `SELECT pid FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND query LIKE '%INSERT INTO "audit_log"%'`,
            ),
          (rows: { pid: number }[]) => rows.length === 1,
        );
        // Uncommitted, so nobody else sees the record.
        expect(
          await db().query(
            `SELECT count(*)::int AS n FROM action_record WHERE escalation_id = $1 AND kind = 'add-note'`,
            [id],
          ),
        ).toEqual([{ n: 0 }]);
        await db().query(`SELECT pg_terminate_backend($1)`, [stuck.pid]);
        const failed = await pending;
        expect(failed.status).toBe(503);
      } finally {
        await healAudit();
      }
      expect(
        await db().query(
          `SELECT count(*)::int AS n FROM action_record WHERE escalation_id = $1 AND kind = 'add-note'`,
          [id],
        ),
      ).toEqual([{ n: 0 }]);
      expect(
        await db().query(
          `SELECT count(*)::int AS n FROM audit_log WHERE escalation_id = $1 AND action = 'case-record.append' AND detail->>'kind' = 'add-note'`,
          [id],
        ),
      ).toEqual([{ n: 0 }]);
      const notes = (await snapshot(raised.body.workflow.id)).timeline.filter((e) => e.type === 'note-added');
      expect(notes).toHaveLength(0);
      // The chain is whole after the rolled-back append.
      expect(await verify()).toMatchObject({ ok: true });
    });
  });
  describe('an application role that owns nothing (the next step, docs/security.md)', () => {
    const role = `resolve_app_${Date.now()}`;
    let app: DataSource;

    beforeAll(async () => {
      await db().query(`CREATE ROLE "${role}" LOGIN`);
      await grantApplicationRole(db(), role);
      const url = new URL(stack.db.url);
      url.username = role;
      url.password = '';
      app = createDataSource(url.toString(), { poolSize: 2 });
      await app.initialize();
    });
    afterAll(async () => {
      await app?.destroy();
      await db().query(`DROP OWNED BY "${role}"; DROP ROLE "${role}"`);
    });

    it('cannot disable, drop or replace the triggers, change the trail, or switch triggers off for replication', async () => {
      const attempts: [string, RegExp][] = [
        [
          `ALTER TABLE action_record DISABLE TRIGGER action_record_append_only`,
          /must be owner of table action_record/,
        ],
        [`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`, /must be owner of table audit_log/],
        [`DROP TRIGGER plan_item_append_only ON plan_item`, /must be owner of (table|relation) plan_item/],
        [
          `CREATE OR REPLACE FUNCTION escalation_event_guard() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$`,
          // Refused before ownership is even asked: the role may not create in the schema.
          /must be owner of function escalation_event_guard|permission denied for schema public/,
        ],
        [`UPDATE audit_log SET outcome = 200`, /permission denied for table audit_log/],
        [`DELETE FROM audit_log`, /permission denied for table audit_log/],
        [
          `SET session_replication_role = replica`,
          /permission denied to set parameter "session_replication_role"/,
        ],
      ];
      for (const [sql, message] of attempts) {
        await expect(app.query(sql)).rejects.toThrow(message);
      }
    });

    it('still does what the application does: records with their audit rows, outcomes, plan items', async () => {
      const actions = new ActionRecordsRepository(app);
      const actionId = randomUUID();
      await actions.recordRequested(
        {
          id: actionId,
          escalationId: caseId,
          kind: 'add-note',
          personId: RAISER,
          agencyId: `${P}-csc`,
          role: 'practitioner',
          text: 'Written as the application role.',
          payload: {},
        },
        { requestId: 'app-role-test', partnershipId: P },
      );
      await expect(actions.claimAcceptance(actionId)).resolves.toBe(true);
      await actions.releaseNoteClaim(actionId, 'pending');
      await expect(actions.settle(actionId, 'refused')).resolves.toBe(true);

      const planId = randomUUID();
      await actions.insertPlaceholder({
        id: planId,
        escalationId: caseId,
        kind: 'agree-plan',
        personId: RAISER,
        text: null,
      });
      const plans = new PlanItemsRepository(app);
      await plans.insertIfAbsent([
        {
          id: randomUUID(),
          escalationId: caseId,
          actionId: planId,
          ownerAgencyId: `${P}-police`,
          ownerPersonId: null,
          description: 'Written as the application role',
          dueAt: new Date(),
        },
      ]);
      await plans.deleteUnlessAccepted(planId);
      expect(
        await db().query(`SELECT count(*)::int AS n FROM plan_item WHERE action_id = $1`, [planId]),
      ).toEqual([{ n: 0 }]);
      await new AuditRepository(app).record({
        requestId: 'app-role-test',
        personId: RAISER,
        agencyId: null,
        role: null,
        partnershipId: P,
        escalationId: caseId,
        action: 'escalation.read',
        outcome: 200,
        actionRecordId: null,
        detail: {},
      });
      expect(await verify()).toMatchObject({ ok: true });
    });
  });
});
