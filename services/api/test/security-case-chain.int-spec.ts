import { randomUUID } from 'node:crypto';
import { ActionRecordsRepository, PlanItemsRepository } from '@resolve/persistence';
import { NoteRelay } from '../src/escalations/note-relay';
import { person, raiseBody, startStack, type Stack } from './support/harness';
import { decodeEntities, startWebStack, WebClient, type WebStack } from './web-support';

/**
 * The rest of the case record chained into the audit trail (issue 13, docs/security.md): the
 * timeline, plan items (each version written) and the child's or adult's details are
 * fingerprinted in audit rows written with them, so whoever can switch the triggers off (the
 * tables' owner, a superuser) and changes or deletes one of them is found by GET /audit/verify,
 * which names the row. Items removed by design (a plan not accepted) are not reported.
 */
jest.setTimeout(300_000);

const P = 'sefton-sscp';
const RAISER = person(P, 'csc', 'practitioner');
const RECEIVER = person(P, 'police', 'practitioner');

describe('The case record chained into the audit trail', () => {
  let stack: Stack;
  let caseId: string;
  let planItemId: string;

  const db = () => stack.db.dataSource;

  async function post(personId: string, path: string, body: Record<string, unknown>) {
    return stack
      .http()
      .post(`/escalations/${caseId}/${path}`)
      .set('Authorization', await stack.as(personId))
      .send(body);
  }

  async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
    for (let i = 0; i < 150; i++) {
      const value = await read();
      if (done(value)) return value;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('condition not met in 30 s');
  }

  const verify = async () =>
    (
      await stack
        .http()
        .get('/audit/verify')
        .set('Authorization', await stack.as(person(P, null, 'business-manager')))
    ).body;

  /** Runs `sql` as the tables' owner with `trigger` switched off, then switches it back on. */
  async function behindTheTrigger(table: string, trigger: string, sql: string, params: unknown[]) {
    await db().query(`ALTER TABLE ${table} DISABLE TRIGGER ${trigger}`);
    try {
      await db().query(sql, params);
    } finally {
      await db().query(`ALTER TABLE ${table} ENABLE ALWAYS TRIGGER ${trigger}`);
    }
  }

  beforeAll(async () => {
    stack = await startStack();
    const raised = await stack
      .http()
      .post('/escalations')
      .set('Authorization', await stack.as(RAISER))
      .send(
        raiseBody(P, 'CHAIN-1', {
          subject: { kind: 'child', people: [{ name: 'Orla Penhaligon', dateOfBirth: '2015-02-11' }] },
        }),
      );
    expect(raised.status).toBe(201);
    caseId = raised.body.id;
    expect((await post(RECEIVER, 'acknowledge', { reason: 'Received.' })).status).toBe(200);
    expect((await post(RAISER, 'notes', { text: 'Spoke to the school nurse.' })).status).toBe(200);
    const plan = await post(RAISER, 'plan', {
      reason: 'Agreed on the phone.',
      items: [
        {
          what: 'Police to review the referral',
          ownerAgencyId: `${P}-police`,
          dueAt: new Date(Date.now() + 3 * 86_400_000).toISOString(),
        },
      ],
    });
    expect(plan.status).toBe(200);
    expect((await post(RECEIVER, 'plan/accept', { reason: 'Agreed.' })).status).toBe(200);
    [{ id: planItemId }] = await db().query(`SELECT id FROM plan_item WHERE escalation_id = $1`, [caseId]);
    expect((await post(RECEIVER, `plan-items/${planItemId}/complete`, { reason: 'Reviewed.' })).status).toBe(
      200,
    );
    // The projection writes the timeline and marks the item done (a second version of it).
    await eventually(
      () => db().query(`SELECT status FROM plan_item WHERE id = $1`, [planItemId]),
      (rows) => rows[0]?.status === 'done',
    );
    await eventually(
      () =>
        db().query(
          `SELECT count(*)::int AS n FROM escalation_event WHERE escalation_id = $1 AND type = 'note-added'`,
          [caseId],
        ),
      (rows) => rows[0].n === 1,
    );
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('chains a fingerprint of every timeline entry, plan item version and subject, never their text', async () => {
    const rows = (await db().query(
      `SELECT action, detail FROM audit_log WHERE escalation_id = $1 AND action LIKE 'case-record.%' ORDER BY seq`,
      [caseId],
    )) as { action: string; detail: Record<string, unknown> }[];
    const actions = rows.map((r) => r.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'case-record.subject',
        'case-record.timeline',
        'case-record.plan-items',
        'case-record.append',
      ]),
    );
    // Two versions of the item: written open with its plan, then done by the projection.
    const itemVersions = rows.filter(
      (r) => r.action === 'case-record.plan-items' && planItemId in (r.detail.fingerprints as object),
    );
    expect(itemVersions).toHaveLength(2);
    const [{ n: entries }] = await db().query(
      `SELECT count(*)::int AS n FROM escalation_event WHERE escalation_id = $1`,
      [caseId],
    );
    const chainedSeqs = rows
      .filter((r) => r.action === 'case-record.timeline')
      .flatMap((r) => Object.keys(r.detail.fingerprints as object));
    expect(new Set(chainedSeqs).size).toBe(entries);
    expect(JSON.stringify(rows)).not.toMatch(/Orla|2015-02-11|school nurse|review the referral/);

    const check = await verify();
    expect(check).toMatchObject({ ok: true });
    expect(check.caseRecord.timeline).toMatchObject({ altered: [], missing: [], unchained: 0 });
    expect(check.caseRecord.timeline.checked).toBeGreaterThanOrEqual(entries);
    expect(check.caseRecord.planItems).toMatchObject({ altered: [], missing: [], unchained: 0 });
    expect(check.caseRecord.subjects).toMatchObject({ checked: 1, altered: [], missing: [], unchained: 0 });
  });

  it('GET /audit/verify names a timeline entry changed or deleted behind the triggers', async () => {
    const [entry] = await db().query(
      `SELECT * FROM escalation_event WHERE escalation_id = $1 AND type = 'note-added'`,
      [caseId],
    );
    const key = `${caseId}#${entry.seq}`;
    const trigger = ['escalation_event', 'escalation_event_append_only'] as const;
    await behindTheTrigger(...trigger, `UPDATE escalation_event SET tier = tier + 1 WHERE id = $1`, [
      entry.id,
    ]);
    let check = await verify();
    expect(check.ok).toBe(false);
    expect(check.caseRecord.timeline.altered).toEqual([key]);
    await behindTheTrigger(...trigger, `UPDATE escalation_event SET tier = $2 WHERE id = $1`, [
      entry.id,
      entry.tier,
    ]);
    expect(await verify()).toMatchObject({ ok: true });

    await behindTheTrigger(...trigger, `DELETE FROM escalation_event WHERE id = $1`, [entry.id]);
    check = await verify();
    expect(check.ok).toBe(false);
    expect(check.caseRecord.timeline.missing).toEqual([key]);
    // Put back as it was (a new serial id, which the fingerprint does not cover).
    await db().query(
      `INSERT INTO escalation_event (escalation_id, seq, at, type, tier, actor, action_id, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [caseId, entry.seq, entry.at, entry.type, entry.tier, entry.actor, entry.action_id, entry.detail],
    );
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('GET /audit/verify names a plan item changed or deleted behind the triggers', async () => {
    const [item] = await db().query(`SELECT * FROM plan_item WHERE id = $1`, [planItemId]);
    const trigger = ['plan_item', 'plan_item_append_only'] as const;
    await behindTheTrigger(...trigger, `UPDATE plan_item SET description = 'Nothing to do' WHERE id = $1`, [
      planItemId,
    ]);
    let check = await verify();
    expect(check.ok).toBe(false);
    expect(check.caseRecord.planItems.altered).toEqual([planItemId]);
    await behindTheTrigger(...trigger, `UPDATE plan_item SET description = $2 WHERE id = $1`, [
      planItemId,
      item.description,
    ]);
    // Back to open is not the version chained last (done): found too.
    await behindTheTrigger(...trigger, `UPDATE plan_item SET status = 'open' WHERE id = $1`, [planItemId]);
    expect((await verify()).caseRecord.planItems.altered).toEqual([planItemId]);
    await behindTheTrigger(...trigger, `UPDATE plan_item SET status = 'done' WHERE id = $1`, [planItemId]);
    expect(await verify()).toMatchObject({ ok: true });

    await behindTheTrigger(...trigger, `DELETE FROM plan_item WHERE id = $1`, [planItemId]);
    check = await verify();
    expect(check.ok).toBe(false);
    expect(check.caseRecord.planItems.missing).toEqual([planItemId]);
    await db().query(
      `INSERT INTO plan_item (id, escalation_id, action_id, owner_agency_id, owner_person_id, description, due_at, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        item.id,
        item.escalation_id,
        item.action_id,
        item.owner_agency_id,
        item.owner_person_id,
        item.description,
        item.due_at,
        item.status,
      ],
    );
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('GET /audit/verify names a subject changed or deleted behind the triggers', async () => {
    const [subject] = await db().query(`SELECT * FROM escalation_subject WHERE escalation_id = $1`, [caseId]);
    const trigger = ['escalation_subject', 'escalation_subject_append_only'] as const;
    await behindTheTrigger(
      ...trigger,
      `UPDATE escalation_subject SET people = '[{"name": "Someone Else"}]' WHERE escalation_id = $1`,
      [caseId],
    );
    let check = await verify();
    expect(check.ok).toBe(false);
    expect(check.caseRecord.subjects.altered).toEqual([caseId]);
    expect(JSON.stringify(check)).not.toMatch(/Orla|Someone Else/);
    await behindTheTrigger(...trigger, `UPDATE escalation_subject SET people = $2 WHERE escalation_id = $1`, [
      caseId,
      JSON.stringify(subject.people),
    ]);
    expect(await verify()).toMatchObject({ ok: true });

    await behindTheTrigger(...trigger, `DELETE FROM escalation_subject WHERE escalation_id = $1`, [caseId]);
    check = await verify();
    expect(check.ok).toBe(false);
    expect(check.caseRecord.subjects.missing).toEqual([caseId]);
    await db().query(
      `INSERT INTO escalation_subject (escalation_id, subject_kind, people, case_identifier, nature_of_concern, outcomes_sought)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        caseId,
        subject.subject_kind,
        JSON.stringify(subject.people),
        subject.case_identifier,
        subject.nature_of_concern,
        subject.outcomes_sought,
      ],
    );
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('refuses a timeline entry, plan item or subject written without its fingerprint, even as a replica', async () => {
    const [plan] = await db().query(`SELECT action_id FROM plan_item WHERE id = $1`, [planItemId]);
    const runner = db().createQueryRunner();
    await runner.connect();
    try {
      for (const replica of [false, true]) {
        await runner.query(`SET session_replication_role = ${replica ? 'replica' : 'origin'}`);
        const refused = async (sql: string, params: unknown[], message: RegExp) => {
          const err = await runner.query(sql, params).then(
            () => null,
            (e: { message: string; driverError?: { code?: string } }) => e,
          );
          expect(err?.message).toMatch(message);
          expect(err?.driverError?.code).toBe('RC001');
        };
        await refused(
          `INSERT INTO escalation_event (escalation_id, seq, at, type, tier, actor, action_id, detail)
           VALUES ($1, 9999, now(), 'resolved', 1, NULL, NULL, '{}')`,
          [caseId],
          /escalation_event: an entry is written with its fingerprint \(case-record.timeline\)/,
        );
        await refused(
          `INSERT INTO plan_item (id, escalation_id, action_id, owner_agency_id, description, due_at)
           VALUES (gen_random_uuid(), $1, $2, $3, 'Made-up item', now())`,
          [caseId, plan.action_id, `${P}-police`],
          /plan_item: an item is written with its fingerprint \(case-record.plan-items\)/,
        );
        // A made-up case (a copy of a real one) with a made-up subject: refused at commit, with its case.
        await runner.query(`BEGIN`);
        await runner.query(
          `INSERT INTO escalation
           SELECT (jsonb_populate_record(e, jsonb_build_object('id', gen_random_uuid(), 'reference', 'FORGED-1', 'workflow_id', 'escalation-forged-1'))).*
             FROM escalation e WHERE id = $1`,
          [caseId],
        );
        await runner.query(
          `INSERT INTO escalation_subject (escalation_id, subject_kind, people, nature_of_concern, outcomes_sought)
           SELECT id, 'child', '[]', 'Made up', 'Made up' FROM escalation WHERE reference = 'FORGED-1'`,
        );
        await refused(
          `COMMIT`,
          [],
          /escalation_subject: a subject is written with its fingerprint \(case-record.subject\)/,
        );
      }
    } finally {
      await runner.query(`SET session_replication_role = origin`);
      await runner.release();
    }
    const [{ n }] = await db().query(
      `SELECT count(*)::int AS n FROM escalation_event WHERE escalation_id = $1 AND seq = 9999`,
      [caseId],
    );
    expect(n).toBe(0);
    expect(
      await db().query(`SELECT count(*)::int AS n FROM escalation WHERE reference = 'FORGED-1'`),
    ).toEqual([{ n: 0 }]);
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('items removed by design (a plan not accepted) are chained as removed, not reported missing', async () => {
    const planId = randomUUID();
    const itemId = randomUUID();
    await new ActionRecordsRepository(db()).insertPlaceholder({
      id: planId,
      escalationId: caseId,
      kind: 'agree-plan',
      personId: RAISER,
      text: null,
    });
    const plans = new PlanItemsRepository(db());
    await plans.insertIfAbsent([
      {
        id: itemId,
        escalationId: caseId,
        actionId: planId,
        ownerAgencyId: `${P}-police`,
        ownerPersonId: null,
        description: 'A plan the engine refused',
        dueAt: new Date(),
      },
    ]);
    await plans.deleteUnlessAccepted(planId);
    const [removal] = await db().query(
      `SELECT detail FROM audit_log WHERE action = 'case-record.plan-items-removed' AND action_record_id = $1`,
      [planId],
    );
    expect(removal.detail).toMatchObject({ removed: [itemId] });
    const check = await verify();
    expect(check).toMatchObject({ ok: true });
    expect(check.caseRecord.planItems.missing).toEqual([]);
  });
});

describe('Corrections: new entries that name the entry they correct', () => {
  let web: WebStack;
  let stack: Stack;
  let caseId: string;
  let noteId: string;

  const db = () => stack.db.dataSource;

  async function correct(personId: string, body: Record<string, unknown>, key?: string) {
    let req = stack
      .http()
      .post(`/escalations/${caseId}/corrections`)
      .set('Authorization', await stack.as(personId));
    if (key) req = req.set('Idempotency-Key', key);
    return req.send(body);
  }

  beforeAll(async () => {
    // With the web pages too, to see the correction on the case page.
    web = await startWebStack();
    stack = web.stack;
    const raised = await stack
      .http()
      .post('/escalations')
      .set('Authorization', await stack.as(RAISER))
      .send(raiseBody(P, 'CORR-1'));
    expect(raised.status).toBe(201);
    caseId = raised.body.id;
    const note = await stack
      .http()
      .post(`/escalations/${caseId}/notes`)
      .set('Authorization', await stack.as(RAISER))
      .send({ text: 'Spoke to the GP on Tuesday.' });
    expect(note.status).toBe(200);
    noteId = note.body.actionId;
    // The note's relay marks its record (relayed_at) just after the answer: let it, so the
    // record compared below is the note as it stays.
    await stack.app.get(NoteRelay).drained();
  });
  afterAll(async () => {
    await web?.stop();
  });

  it('records a correction beside the original, which stays as written, chained like any record', async () => {
    const before = (await db().query(`SELECT * FROM action_record WHERE id = $1`, [noteId]))[0];
    const res = await correct(RAISER, {
      corrects: noteId,
      text: 'Spoke to the GP on Wednesday.',
      reason: 'Wrong day recorded.',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ accepted: true, corrects: noteId });
    expect((await db().query(`SELECT * FROM action_record WHERE id = $1`, [noteId]))[0]).toEqual(before);
    const [record] = await db().query(`SELECT * FROM action_record WHERE id = $1`, [res.body.actionId]);
    expect(record).toMatchObject({
      kind: 'correction',
      outcome: 'accepted',
      person_id: RAISER,
      agency_id: `${P}-csc`,
      text: 'Spoke to the GP on Wednesday.',
      payload: { corrects: noteId, reason: 'Wrong day recorded.' },
    });
    const [row] = await db().query(
      `SELECT detail FROM audit_log WHERE action = 'case-record.append' AND action_record_id = $1`,
      [res.body.actionId],
    );
    expect(row.detail).toMatchObject({ kind: 'correction', contentHash: expect.any(String) });

    // Shown in the timeline beside the entry it corrects (once the projection has the note).
    let view: { body: { history: { actionId: string; text: string; corrections?: unknown[] }[] } } | null =
      null;
    for (let i = 0; i < 150; i++) {
      view = await stack
        .http()
        .get(`/escalations/${caseId}`)
        .set('Authorization', await stack.as(RECEIVER));
      if (view.body.history.some((e) => e.actionId === noteId)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const entry = view!.body.history.find((e) => e.actionId === noteId)!;
    expect(entry.text).toBe('Spoke to the GP on Tuesday.');
    expect(entry.corrections).toEqual([
      expect.objectContaining({
        actionId: res.body.actionId,
        corrects: noteId,
        text: 'Spoke to the GP on Wednesday.',
        reason: 'Wrong day recorded.',
        personId: RAISER,
      }),
    ]);
    const audit = await stack
      .http()
      .get('/audit/verify')
      .set('Authorization', await stack.as(person(P, null, 'business-manager')));
    expect(audit.body).toMatchObject({ ok: true, caseRecord: { altered: [], unchained: [] } });
  });

  it('shows the correction on the case page, after the entry it corrects', async () => {
    const client = new WebClient();
    await client.signIn(web.baseUrl, RAISER);
    const page = await client.get(`${web.baseUrl}/cases/${caseId}`);
    expect(page.status).toBe(200);
    const html = decodeEntities(page.html);
    const original = html.indexOf('Spoke to the GP on Tuesday.');
    const corrected = html.indexOf('Spoke to the GP on Wednesday.');
    expect(original).toBeGreaterThan(-1);
    expect(corrected).toBeGreaterThan(original);
    expect(html).toMatch(/Why: Wrong day recorded\./);
  });

  it('corrects the subject details only for the raising agency or the partnership', async () => {
    const refused = await correct(RECEIVER, {
      corrects: 'subject',
      text: 'Date of birth 2014-03-02',
      reason: 'Typo',
    });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/raising agency/);
    const res = await correct(RAISER, {
      corrects: 'subject',
      text: 'Date of birth 2014-03-02',
      reason: 'Typo',
    });
    expect(res.status).toBe(201);
    const view = await stack
      .http()
      .get(`/escalations/${caseId}`)
      .set('Authorization', await stack.as(RAISER));
    expect(view.body.corrections).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ corrects: 'subject', text: 'Date of birth 2014-03-02' }),
      ]),
    );
  });

  it("refuses another agency's entry, an unknown entry, bad input and outsiders, writing nothing", async () => {
    const count = async () =>
      (
        await db().query(
          `SELECT count(*)::int AS n FROM action_record WHERE escalation_id = $1 AND kind = 'correction'`,
          [caseId],
        )
      )[0].n;
    const n = await count();
    const other = await correct(RECEIVER, {
      corrects: noteId,
      text: 'It was Monday.',
      reason: 'I was there.',
    });
    expect(other.status).toBe(403);
    expect(other.body.message).toMatch(/another agency's entry/);
    const unknown = await correct(RAISER, { corrects: randomUUID(), text: 'x', reason: 'y' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toMatch(/corrects: no entry/);
    const noReason = await correct(RAISER, { corrects: noteId, text: 'x' });
    expect(noReason.status).toBe(400);
    expect(JSON.stringify(noReason.body)).toMatch(/reason/);
    const notAnId = await correct(RAISER, { corrects: 'the note', text: 'x', reason: 'y' });
    expect(notAnId.status).toBe(400);
    const outsider = await correct(person('sutton-lscp', 'csc', 'practitioner'), {
      corrects: noteId,
      text: 'x',
      reason: 'y',
    });
    expect(outsider.status).toBe(404);
    expect(await count()).toBe(n);
  });

  it('a retry with the same Idempotency-Key is one correction; another body with it is 422', async () => {
    const body = { corrects: noteId, text: 'Spoke to the GP at 10:00.', reason: 'Time added.' };
    const first = await correct(RAISER, body, 'corr-key-1');
    const again = await correct(RAISER, body, 'corr-key-1');
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.actionId).toBe(first.body.actionId);
    expect(
      await db().query(`SELECT count(*)::int AS n FROM action_record WHERE id = $1`, [first.body.actionId]),
    ).toEqual([{ n: 1 }]);
    const reused = await correct(RAISER, { ...body, reason: 'Something else.' }, 'corr-key-1');
    expect(reused.status).toBe(422);
  });
});
