import type { INestApplication } from '@nestjs/common';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import request from 'supertest';
import { ESCALATION_WORKFLOW_TYPE, snapshotQuery } from '@resolve/contracts';
import { createApiApp } from '../src/app';
import { createTokenVerifier } from '../src/auth/token-verifier';
import { loadCaller } from '../src/auth/caller';
import { EscalationCommandsService } from '../src/escalations/escalation-commands.service';
import { WorkflowStartRelay } from '../src/escalations/workflow-start-relay';
import { person, raiseBody, startStack, type Stack } from './support/harness';

/**
 * Retried requests never act twice, and the database and Temporal never disagree: a crash
 * between writing the row and starting its workflow is finished by the WorkflowStartRelay.
 */
jest.setTimeout(180_000);

const P = 'sefton-sscp';
const raiser = person(P, 'csc', 'practitioner');
const receiver = person(P, 'police', 'practitioner');

describe('Idempotency and the row/workflow outbox', () => {
  let stack: Stack;
  const suiteStartedAt = new Date(Date.now() - 1000);

  beforeAll(async () => {
    // The relay's own timer stays out of the way: these tests call tick() themselves.
    stack = await startStack({ relayIntervalMs: 3_600_000 });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const q = (sql: string, params: unknown[] = []) => stack.db.dataSource.query(sql, params);

  async function raise(reference: string, key?: string, as = raiser) {
    let req = stack
      .http()
      .post('/escalations')
      .set('Authorization', await stack.as(as));
    if (key) req = req.set('Idempotency-Key', key);
    return req.send(raiseBody(P, reference));
  }

  async function act(id: string, action: string, as: string, body: object, key?: string) {
    let req = stack
      .http()
      .post(`/escalations/${id}/${action}`)
      .set('Authorization', await stack.as(as));
    if (key) req = req.set('Idempotency-Key', key);
    return req.send(body);
  }

  /** Executions of one workflow id (every run, open or closed), from the server's visibility store. */
  async function runsOf(workflowId: string, expected: number): Promise<number> {
    let count = -1;
    for (let i = 0; i < 50; i++) {
      count = 0;
      for await (const _ of stack.env.client.workflow.list({ query: `WorkflowId = '${workflowId}'` }))
        count += 1;
      if (count === expected) return count;
      await new Promise((r) => setTimeout(r, 200));
    }
    return count;
  }

  const timelineOf = (workflowId: string) =>
    stack.env.client.workflow
      .getHandle(workflowId)
      .query(snapshotQuery)
      .then((s) => s.timeline);

  it('a retried raise with the same Idempotency-Key returns the same escalation: one row, one raise record, one workflow', async () => {
    const first = await raise('IDEM-2026-0001', 'raise-key-0001');
    expect(first.status).toBe(201);
    const again = await raise('IDEM-2026-0001', 'raise-key-0001');
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.workflow).toEqual(first.body.workflow);

    expect(await q(`SELECT count(*)::int AS n FROM escalation WHERE reference = 'IDEM-2026-0001'`)).toEqual([
      { n: 1 },
    ]);
    expect(
      await q(`SELECT count(*)::int AS n FROM action_record WHERE escalation_id = $1 AND kind = 'raise'`, [
        first.body.id,
      ]),
    ).toEqual([{ n: 1 }]);
    expect(await runsOf(first.body.workflow.id, 1)).toBe(1);

    // The key belongs to the person: another raiser's same key is another request.
    const other = await raise('IDEM-2026-0002', 'raise-key-0001', person(P, 'csc', 'line-manager'));
    expect(other.status).toBe(201);
    expect(other.body.id).not.toBe(first.body.id);
    // Without a key, a repeat is a new raise, refused because the reference is taken.
    expect((await raise('IDEM-2026-0001')).status).toBe(409);
  });

  it('concurrent retries of one raise all answer with the one escalation', async () => {
    const answers = await Promise.all(
      [0, 1, 2, 3, 4, 5].map(() => raise('IDEM-2026-0003', 'raise-key-0003')),
    );
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201, 201]);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(await q(`SELECT count(*)::int AS n FROM escalation WHERE reference = 'IDEM-2026-0003'`)).toEqual([
      { n: 1 },
    ]);
    expect(await runsOf(answers[0].body.workflow.id, 1)).toBe(1);

    // The same straight through the service, where the requests overlap for certain.
    const service = stack.app.get(EscalationCommandsService);
    const caller = (await loadCaller(stack.db.dataSource, raiser))!;
    const direct = await Promise.allSettled(
      [0, 1, 2, 3].map(() =>
        service.raise(caller, raiseBody(P, 'IDEM-2026-0004') as never, 'raise-key-0004'),
      ),
    );
    expect(
      direct.map((d) => (d.status === 'fulfilled' ? 'ok' : String((d.reason as Error).message))),
    ).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(new Set(direct.map((d) => (d as PromiseFulfilledResult<{ id: string }>).value.id)).size).toBe(1);
  });

  it('an action retried with the same key is applied once: one accepted action_record, one timeline entry', async () => {
    const raised = await raise('IDEM-2026-0010', 'raise-key-0010');
    const { id, workflow } = raised.body;

    const first = await act(id, 'resolve', raiser, { reason: 'Agreed on the phone.' }, 'resolve-key-0010');
    expect(first.status).toBe(200);
    // Sequential retry, then two concurrent retries.
    const again = await act(id, 'resolve', raiser, { reason: 'Agreed on the phone.' }, 'resolve-key-0010');
    const concurrent = await Promise.all(
      [0, 1].map(() => act(id, 'resolve', raiser, { reason: 'Agreed on the phone.' }, 'resolve-key-0010')),
    );
    for (const r of [again, ...concurrent]) {
      expect(r.status).toBe(200);
      expect(r.body.actionId).toBe(first.body.actionId);
    }
    expect(
      await q(`SELECT outcome FROM action_record WHERE escalation_id = $1 AND kind = 'resolve'`, [id]),
    ).toEqual([{ outcome: 'accepted' }]);
    const entries = (await timelineOf(workflow.id)).filter((e) => e.actionId === first.body.actionId);
    expect(entries.map((e) => e.type)).toEqual(['resolution-confirmed']);
    // The projection agrees.
    await expect(
      q(`SELECT type FROM escalation_event WHERE action_id = $1`, [first.body.actionId]),
    ).resolves.toEqual([{ type: 'resolution-confirmed' }]);

    // A different key is a different action: the engine refuses the second confirmation.
    const other = await act(id, 'resolve', raiser, {}, 'resolve-key-0011');
    expect(other.status).toBe(409);
    expect(other.body.reason).toBe('already-confirmed');
  });

  it('the retry of the action that closed the case answers as the first time and leaves the record accepted', async () => {
    const raised = await raise('IDEM-2026-0020', 'raise-key-0020');
    const { id, workflow } = raised.body;
    expect((await act(id, 'resolve', raiser, {}, 'resolve-key-0020-a')).status).toBe(200);
    const closing = await act(id, 'resolve', receiver, {}, 'resolve-key-0020-b');
    expect(closing.status).toBe(200);
    expect(closing.body.escalation.status).toBe('resolved');
    await stack.env.client.workflow.getHandle(workflow.id).result();

    const retry = await act(id, 'resolve', receiver, {}, 'resolve-key-0020-b');
    expect({ status: retry.status, actionId: retry.body.actionId }).toEqual({
      status: 200,
      actionId: closing.body.actionId,
    });
    expect(await q(`SELECT outcome FROM action_record WHERE id = $1`, [closing.body.actionId])).toEqual([
      { outcome: 'accepted' },
    ]);
    expect(
      await q(`SELECT count(*)::int AS n FROM escalation_event WHERE action_id = $1`, [
        closing.body.actionId,
      ]),
    ).toEqual([{ n: 1 }]);
  });

  it('a note retried with the same key is added once', async () => {
    const raised = await raise('IDEM-2026-0030', 'raise-key-0030');
    const { id, workflow } = raised.body;
    const first = await act(id, 'notes', receiver, { text: 'Called the school.' }, 'note-key-0030');
    const again = await act(id, 'notes', receiver, { text: 'Called the school.' }, 'note-key-0030');
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(again.body.actionId).toBe(first.body.actionId);
    // The note relay signals in the background: let the note reach the timeline, and the
    // workflow take in any second signal, before counting.
    await stack.notesInTimeline();
    await act(id, 'acknowledge', receiver, {});
    const notes = (await timelineOf(workflow.id)).filter((e) => e.type === 'note-added');
    expect(notes).toHaveLength(1);
  });

  it('a plan retried with the same key is agreed once, with its items once', async () => {
    const raised = await raise('IDEM-2026-0040', 'raise-key-0040');
    const { id, workflow } = raised.body;
    const body = {
      reason: 'Strategy discussion',
      items: [
        {
          what: 'Hold a strategy discussion',
          ownerAgencyId: `${P}-police`,
          dueAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
        },
      ],
    };
    const first = await act(id, 'plan', raiser, body, 'plan-key-0040');
    const again = await act(id, 'plan', raiser, body, 'plan-key-0040');
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(again.body.actionId).toBe(first.body.actionId);
    expect(await q(`SELECT count(*)::int AS n FROM plan_item WHERE escalation_id = $1`, [id])).toEqual([
      { n: 1 },
    ]);
    expect((await timelineOf(workflow.id)).filter((e) => e.actionId === first.body.actionId)).toHaveLength(1);
  });

  describe('the same Idempotency-Key with a different request answers 422 and changes nothing', () => {
    const reused = (res: { status: number; body: { error?: string; message?: string } }) => {
      expect(res.status).toBe(422);
      expect(res.body.error).toBe('idempotency-key-reused');
      expect(res.body.message).toMatch(/was already used for a different request/);
    };

    it('raise: another reference under the same key', async () => {
      expect((await raise('IDEM-2026-0070', 'raise-key-0070')).status).toBe(201);
      reused(await raise('IDEM-2026-0071', 'raise-key-0070'));
      expect(await q(`SELECT count(*)::int AS n FROM escalation WHERE reference = 'IDEM-2026-0071'`)).toEqual(
        [{ n: 0 }],
      );
      // The first request, repeated, still answers as the first time.
      expect((await raise('IDEM-2026-0070', 'raise-key-0070')).status).toBe(201);
    });

    it('an action, a note and a plan: another reason, text or item under the same key', async () => {
      const { id, workflow } = (await raise('IDEM-2026-0072', 'raise-key-0072')).body;
      expect(
        (await act(id, 'respond', receiver, { reason: 'We will hold one.' }, 'respond-key-0072')).status,
      ).toBe(200);
      reused(await act(id, 'respond', receiver, { reason: 'We will not.' }, 'respond-key-0072'));
      expect((await act(id, 'notes', raiser, { text: 'Called the sergeant.' }, 'note-key-0072')).status).toBe(
        200,
      );
      reused(await act(id, 'notes', raiser, { text: 'Called the inspector.' }, 'note-key-0072'));
      const plan = (what: string) => ({
        reason: 'Strategy discussion',
        items: [{ what, ownerAgencyId: `${P}-police`, dueAt: '2099-01-05T16:00:00.000Z' }],
      });
      expect(
        (await act(id, 'plan', raiser, plan('Hold a strategy discussion'), 'plan-key-0072')).status,
      ).toBe(200);
      // Only the wording differs (which the workflow never sees): still a different request.
      reused(await act(id, 'plan', raiser, plan('Hold a case conference'), 'plan-key-0072'));
      const texts = await q(
        `SELECT text FROM action_record WHERE escalation_id = $1 AND kind IN ('respond', 'add-note') ORDER BY text`,
        [id],
      );
      expect(texts).toEqual([{ text: 'Called the sergeant.' }, { text: 'We will hold one.' }]);
      expect(await q(`SELECT description FROM plan_item WHERE escalation_id = $1`, [id])).toEqual([
        { description: 'Hold a strategy discussion' },
      ]);
      await stack.notesInTimeline();
      const timeline = await timelineOf(workflow.id);
      expect(timeline.filter((e) => e.type === 'responded')).toHaveLength(1);
      expect(timeline.filter((e) => e.type === 'note-added')).toHaveLength(1);
    });
  });

  describe('a crash between the row and the workflow start', () => {
    let broken: INestApplication;

    beforeAll(async () => {
      // A second API instance whose Temporal is unreachable: the row is written, the start fails.
      const connection = Connection.lazy({
        address: '127.0.0.1:1',
        connectTimeout: '1s',
        interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 1 }))],
      });
      broken = await createApiApp({
        dataSource: stack.db.dataSource,
        temporal: new Client({ connection, namespace: 'default' }),
        verifier: createTokenVerifier({
          issuer: stack.issuer.issuer,
          audience: stack.issuer.audience,
          localPublicJwk: stack.issuer.publicJwk,
        }),
      });
      await broken.init();
    });
    afterAll(async () => {
      await broken?.close();
    });

    it('answers 503 and keeps the row pending; the relay starts the workflow once, and a second tick does nothing', async () => {
      const failed = await request(broken.getHttpServer())
        .post('/escalations')
        .set('Authorization', await stack.as(raiser))
        .set('Idempotency-Key', 'raise-key-0050')
        .send(raiseBody(P, 'IDEM-2026-0050'));
      expect(failed.status).toBe(503);
      const id = failed.body.escalationId as string;
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      const [row] = await q(`SELECT workflow_id, workflow_state FROM escalation WHERE id = $1`, [id]);
      expect(row.workflow_state).toBe('pending');
      expect(await runsOf(row.workflow_id, 0)).toBe(0);

      const relay = stack.app.get(WorkflowStartRelay);
      expect(await relay.tick(0)).toBe(1);
      expect(await q(`SELECT workflow_state FROM escalation WHERE id = $1`, [id])).toEqual([
        { workflow_state: 'started' },
      ]);
      const description = await stack.env.client.workflow.getHandle(row.workflow_id).describe();
      expect(description.status.name).toBe('RUNNING');
      expect(await relay.tick(0)).toBe(0);
      expect(await runsOf(row.workflow_id, 1)).toBe(1);

      // The client's retry, against a healthy API, finds the same escalation, started.
      const retried = await raise('IDEM-2026-0050', 'raise-key-0050');
      expect(retried.status).toBe(201);
      expect(retried.body.id).toBe(id);
      expect(retried.body.workflow.started).toBe(true);
      expect(await runsOf(row.workflow_id, 1)).toBe(1);
    });

    it('a crash after the start but before the row was marked: the relay marks it without a second workflow', async () => {
      const raised = await raise('IDEM-2026-0060', 'raise-key-0060');
      expect(raised.status).toBe(201);
      await q(`UPDATE escalation SET workflow_state = 'pending' WHERE id = $1`, [raised.body.id]);
      const relay = stack.app.get(WorkflowStartRelay);
      await relay.tick(0);
      expect(await q(`SELECT workflow_state FROM escalation WHERE id = $1`, [raised.body.id])).toEqual([
        { workflow_state: 'started' },
      ]);
      expect(await relay.tick(0)).toBe(0);
      expect(await runsOf(raised.body.workflow.id, 1)).toBe(1);
    });
  });

  it('the database and Temporal agree: every row has its workflow, every workflow its row', async () => {
    await stack.app.get(WorkflowStartRelay).tick(0);
    const rows: { workflow_id: string; workflow_state: string }[] = await q(
      `SELECT workflow_id, workflow_state FROM escalation ORDER BY workflow_id`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(9);
    expect(rows.filter((r) => r.workflow_state !== 'started')).toEqual([]);
    const expected = rows.map((r) => r.workflow_id).sort();

    let listed: string[] = [];
    for (let i = 0; i < 50; i++) {
      listed = [];
      const query = `WorkflowType = '${ESCALATION_WORKFLOW_TYPE}' AND StartTime >= '${suiteStartedAt.toISOString()}'`;
      for await (const wf of stack.env.client.workflow.list({ query })) listed.push(wf.workflowId);
      listed.sort();
      if (listed.length === expected.length) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    // One execution per row: no workflow without a row, no row without a workflow, no duplicates.
    expect(listed).toEqual(expected);
    for (const workflowId of expected) {
      await expect(stack.env.client.workflow.getHandle(workflowId).describe()).resolves.toBeDefined();
    }
  });
});
