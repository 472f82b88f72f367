import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { addNoteSignal, snapshotQuery } from '@resolve/contracts';
import { ActionRecordsRepository } from '@resolve/persistence';
import { ActionReconciler } from '../src/escalations/action-reconciler';
import { EscalationWorkflowGateway } from '../src/escalations/escalation-workflow.gateway';
import { person, raiseBody, startStack, type Stack } from './support/harness';

/**
 * Crashes of the API between an action's record and its workflow (issue 13, docs/security.md):
 * an action is recorded `pending`, sent to the workflow as an update, then marked with the
 * answer; a note is recorded, then claimed (answered), then relayed (notes-relay.int-spec.ts). The
 * API process dying at each of those points is simulated by failing the next step of the real
 * code path (the request fails as the dead process's would, and nothing after that point runs).
 * After the reconciler's pass the action is applied exactly once and its record is no longer
 * pending.
 */
jest.setTimeout(300_000);

const P = 'sefton-sscp';
const RAISER = person(P, 'csc', 'practitioner');
const RECEIVER = person(P, 'police', 'practitioner');
const processDied = () => new Error('the API process died here');

describe('Reconciling actions a crash left between their record and their workflow', () => {
  let stack: Stack;

  /** Waits (up to 5 s) until the workflow's timeline shows the action: the workflow has taken it in. */
  async function untilTakenIn(actionId: string): Promise<void> {
    for (let i = 0; i < 50; i++) {
      const [{ n }] = await stack.db.dataSource.query(
        `SELECT count(*)::int AS n FROM escalation_event WHERE action_id = $1`,
        [actionId],
      );
      if (n > 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  let reconciler: ActionReconciler;
  let gateway: EscalationWorkflowGateway;
  let actions: ActionRecordsRepository;
  let references = 0;

  beforeAll(async () => {
    stack = await startStack();
    reconciler = stack.app.get(ActionReconciler);
    gateway = stack.app.get(EscalationWorkflowGateway);
    actions = stack.app.get(ActionRecordsRepository);
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    await stack?.stop();
  });

  async function raise(): Promise<{ id: string; workflowId: string }> {
    const res = await stack
      .http()
      .post('/escalations')
      .set('Authorization', await stack.as(RAISER))
      .send(raiseBody(P, `RECONCILE-${++references}`));
    expect(res.status).toBe(201);
    return { id: res.body.id, workflowId: res.body.workflow.id };
  }

  const post = async (id: string, path: string, who: string, body: object, key?: string) => {
    const req = stack
      .http()
      .post(`/escalations/${id}/${path}`)
      .set('Authorization', await stack.as(who));
    if (key) req.set('Idempotency-Key', key);
    return req.send(body);
  };

  /** The one record of that kind on the case, as Postgres holds it. */
  async function recordOf(escalationId: string, kind: string) {
    const rows = (await stack.db.dataSource.query(
      `SELECT id, outcome FROM action_record WHERE escalation_id = $1 AND kind = $2`,
      [escalationId, kind],
    )) as { id: string; outcome: string }[];
    expect(rows).toHaveLength(1);
    return rows[0];
  }

  /** How many times the workflow applied the action (its timeline entries naming it). */
  async function timesApplied(workflowId: string, actionId: string): Promise<number> {
    const state = await stack.env.client.workflow.getHandle(workflowId).query(snapshotQuery);
    return state.timeline.filter((e) => e.actionId === actionId).length;
  }

  /** How many add-note signals for the action the workflow's history holds. */
  async function signalsOf(workflowId: string, actionId: string): Promise<number> {
    const history = await stack.env.client.workflow.getHandle(workflowId).fetchHistory();
    let n = 0;
    for (const event of history.events ?? []) {
      const signalled = event.workflowExecutionSignaledEventAttributes;
      if (signalled?.signalName !== addNoteSignal.name) continue;
      const payloads = await stack.codec.decode((signalled.input?.payloads ?? []) as Payload[]);
      const args = payloads[0]
        ? defaultPayloadConverter.fromPayload<{ actionId?: string }>(payloads[0])
        : null;
      if (args?.actionId === actionId) n += 1;
    }
    return n;
  }

  /** A note is applied once the worker has checked it: wait for its timeline entry. */
  async function settledTimes(workflowId: string, actionId: string): Promise<number> {
    for (let i = 0; i < 50 && (await timesApplied(workflowId, actionId)) === 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    // And a moment more, in which a second application would show.
    await new Promise((r) => setTimeout(r, 500));
    return timesApplied(workflowId, actionId);
  }

  it('marks an update the workflow accepted before the crash as accepted, without applying it again', async () => {
    const { id, workflowId } = await raise();
    // The update goes and is accepted; the process dies before the record is marked.
    jest.spyOn(actions, 'settle').mockRejectedValueOnce(processDied());
    const res = await post(id, 'acknowledge', RECEIVER, { reason: 'Seen.' });
    expect(res.status).toBe(503);
    const record = await recordOf(id, 'acknowledge');
    expect(record.outcome).toBe('pending');
    expect(await timesApplied(workflowId, record.id)).toBe(1);

    const done = await reconciler.tick(0);
    expect(done.get(record.id)).toBe('found-applied');
    expect((await recordOf(id, 'acknowledge')).outcome).toBe('accepted');
    expect(await timesApplied(workflowId, record.id)).toBe(1);
    // A second pass finds nothing left to do.
    expect((await reconciler.tick(0)).has(record.id)).toBe(false);
  });

  it('delivers an update whose request died before sending it, once, even when the request is retried', async () => {
    const { id, workflowId } = await raise();
    jest.spyOn(gateway, 'act').mockRejectedValueOnce(processDied());
    const res = await post(id, 'acknowledge', RECEIVER, { reason: 'Seen.' }, 'acknowledge-once');
    expect(res.status).toBe(503);
    const record = await recordOf(id, 'acknowledge');
    expect(record.outcome).toBe('pending');
    expect(await timesApplied(workflowId, record.id)).toBe(0);

    const done = await reconciler.tick(0);
    expect(done.get(record.id)).toBe('delivered');
    expect((await recordOf(id, 'acknowledge')).outcome).toBe('accepted');
    expect(await timesApplied(workflowId, record.id)).toBe(1);
    // The person retries with the same key: answered as accepted, not applied a second time
    // (the same update id, which Temporal de-duplicates).
    const retry = await post(id, 'acknowledge', RECEIVER, { reason: 'Seen.' }, 'acknowledge-once');
    expect(retry.status).toBe(200);
    expect(await timesApplied(workflowId, record.id)).toBe(1);
  });

  it('delivers an update with its arguments and records the refusal when the case has moved on', async () => {
    const { id, workflowId } = await raise();
    // An extension proposal whose request dies before the update; its due date is kept with it.
    jest.spyOn(gateway, 'act').mockRejectedValueOnce(processDied());
    const dueAt = new Date(Date.now() + 20 * 86_400_000).toISOString();
    const res = await post(id, 'extension', RAISER, { reason: 'Awaiting a report.', dueAt });
    expect(res.status).toBe(503);
    const proposal = await recordOf(id, 'propose-extension');
    // Meanwhile the case is withdrawn.
    expect((await post(id, 'withdraw', RAISER, { reason: 'Resolved elsewhere.' })).status).toBe(200);

    const done = await reconciler.tick(0);
    expect(['refused', 'abandoned']).toContain(done.get(proposal.id));
    expect((await recordOf(id, 'propose-extension')).outcome).toBe('refused');
    expect(await timesApplied(workflowId, proposal.id)).toBe(0);
  });

  it('claims and relays a note whose request died between its record and its claim, once', async () => {
    const { id, workflowId } = await raise();
    // The record is written; the process dies before the claim, so the note was never answered.
    jest.spyOn(actions, 'claimAcceptance').mockRejectedValueOnce(processDied());
    const res = await post(id, 'notes', RAISER, { text: 'Spoke to the duty sergeant.' });
    expect(res.status).toBe(503);
    const note = await recordOf(id, 'add-note');
    expect(note.outcome).toBe('pending');
    expect(await timesApplied(workflowId, note.id)).toBe(0);

    const done = await reconciler.tick(0);
    expect(done.get(note.id)).toBe('delivered');
    expect((await recordOf(id, 'add-note')).outcome).toBe('accepted');
    expect(await settledTimes(workflowId, note.id)).toBe(1);
    expect(await signalsOf(workflowId, note.id)).toBe(1);
    // Claimed and relayed: no later pass looks at it again.
    await untilTakenIn(note.id);
    expect((await reconciler.tick(0)).has(note.id)).toBe(false);
  });

  it('refuses a note whose request died before its claim when the case has closed since', async () => {
    const { id, workflowId } = await raise();
    jest.spyOn(actions, 'claimAcceptance').mockRejectedValueOnce(processDied());
    expect((await post(id, 'notes', RAISER, { text: 'Called the school.' })).status).toBe(503);
    const note = await recordOf(id, 'add-note');
    expect((await post(id, 'withdraw', RAISER, { reason: 'Resolved elsewhere.' })).status).toBe(200);

    expect((await reconciler.tick(0)).get(note.id)).toBe('abandoned');
    expect((await recordOf(id, 'add-note')).outcome).toBe('refused');
    expect(await signalsOf(workflowId, note.id)).toBe(0);
  });

  it('leaves an action younger than the threshold to its request', async () => {
    const { id } = await raise();
    jest.spyOn(gateway, 'act').mockRejectedValueOnce(processDied());
    expect((await post(id, 'acknowledge', RECEIVER, { reason: 'Seen.' })).status).toBe(503);
    const record = await recordOf(id, 'acknowledge');
    expect((await reconciler.tick()).has(record.id)).toBe(false);
    expect((await recordOf(id, 'acknowledge')).outcome).toBe('pending');
    // Settled here so that it does not linger for the other tests' passes.
    await reconciler.tick(0);
  });
});
