import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { addWorkingDays } from '@resolve/calendar';
import {
  actionUpdates,
  ESCALATION_WORKFLOW_TYPE,
  escalationWorkflowId,
  SEARCH_ATTRIBUTE_KEYS,
  SEARCH_ATTRIBUTES,
  snapshotQuery,
  TASK_QUEUES,
  type NotifyRequest,
} from '@resolve/contracts';
import { escalationWorkflowBundle } from '@resolve/temporal';
import {
  recordingNotifierActivities,
  startTestDatabase,
  timeSkippingEnvironment,
  type TestDatabase,
} from '@resolve/testing';
import { createEscalationActivities } from '@resolve/worker';
import { recordAction, seedEscalation } from './support';

/**
 * The escalation workflow under the time-skipping test server: days pass in milliseconds, so
 * deadlines fire at their exact instants without waiting. The workflow's bookkeeping activities
 * are the real ones against a real Postgres. The notifier's activity is replaced by one that
 * records each request: what is asserted here is the workflow's side of that contract (which
 * event, for which audience); services/notifier's own tests prove delivery.
 */
jest.setTimeout(60_000);

describe('escalationWorkflow (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  const requests: NotifyRequest[] = [];

  beforeAll(async () => {
    [env, db] = await Promise.all([timeSkippingEnvironment(), startTestDatabase()]);
  });
  afterAll(async () => {
    await env?.teardown();
    await db?.stop();
  });
  beforeEach(() => {
    requests.length = 0;
  });

  async function escalationWorker() {
    return Worker.create({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUES.escalations,
      workflowBundle: await escalationWorkflowBundle(),
      activities: createEscalationActivities({ dataSource: db.dataSource }),
    });
  }

  function notifierWorker() {
    return Worker.create({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUES.notifications,
      activities: recordingNotifierActivities(requests),
    });
  }

  async function withWorkers<T>(fn: () => Promise<T>): Promise<T> {
    const [escalations, notifier] = [await escalationWorker(), await notifierWorker()];
    return notifier.runUntil(escalations.runUntil(fn));
  }

  /** Raises a Sefton escalation now and waits (in real time) until its first deadline is set. */
  async function raiseSefton(reference: string) {
    const raisedAt = new Date(await env.currentTimeMs());
    const input = await seedEscalation(db.dataSource, { protocolId: 'sefton-sscp', reference, raisedAt });
    const handle = await env.client.workflow.start(ESCALATION_WORKFLOW_TYPE, {
      taskQueue: TASK_QUEUES.escalations,
      workflowId: escalationWorkflowId(input.escalationId),
      args: [input],
    });
    let state = await handle.query(snapshotQuery);
    for (let i = 0; i < 100 && !state.tier.dueAt; i++) {
      await new Promise((r) => setTimeout(r, 100));
      state = await handle.query(snapshotQuery);
    }
    return { raisedAt, input, handle, state };
  }

  it('advances sefton-sscp to tier 2 at the instant tier 1 is due, and alerts the tier-2 managers', async () => {
    await withWorkers(async () => {
      const raised = await raiseSefton('SEF-TS-0001');
      const { raisedAt, input, handle } = raised;
      let { state } = raised;
      // Sefton step 1: 2 working days, to close of business.
      const expectedDue = addWorkingDays(raisedAt, 2, { nation: 'england-and-wales' }).dueAt.toISOString();
      expect(state.tier.number).toBe(1);
      expect(state.tier.dueAt).toBe(expectedDue);

      // One minute before the deadline: still tier 1.
      await env.sleep(Date.parse(expectedDue) - (await env.currentTimeMs()) - 60_000);
      expect((await handle.query(snapshotQuery)).tier.number).toBe(1);

      // Two minutes later: tier 2, entered exactly at the deadline.
      await env.sleep(120_000);
      state = await handle.query(snapshotQuery);
      expect(state.tier.number).toBe(2);
      // Timers fire a few milliseconds after their instant.
      const lateByMs = Date.parse(state.tier.startedAt) - Date.parse(expectedDue);
      expect(lateByMs).toBeGreaterThanOrEqual(0);
      expect(lateByMs).toBeLessThan(1000);
      expect(state.breaches).toBe(1);
      expect(state.timeline.map((e) => e.type)).toEqual(
        expect.arrayContaining(['raised', 'tier-entered', 'deadline-set', 'deadline-breached']),
      );

      const tier2Alert = requests.find((r) => r.event === 'tier-entered' && r.tier === 2);
      expect(tier2Alert?.audience.agencyRoles).toEqual(['line-manager']);
      expect(tier2Alert?.audience.sides).toEqual(['raising', 'receiving']);

      // The Postgres row follows the workflow.
      const [row] = await db.dataSource.query(
        `SELECT tier_number, breaches, status FROM escalation WHERE id = $1`,
        [input.escalationId],
      );
      expect(row).toEqual({ tier_number: 2, breaches: 1, status: 'open' });

      // Resolution needs both sides where the protocol says so; each side confirms.
      // At tier 2 each agency's line manager acts (the demo directory's `<agency>-line-manager`).
      const actor = (side: 'raising' | 'receiving') => {
        const agencyId = side === 'raising' ? input.raisingAgencyId : input.receivingAgencyId;
        return { personId: `${agencyId}-line-manager`, agencyId, role: 'line-manager' as const, side };
      };
      // Each action's record first, as the API writes it; the worker checks it before applying.
      const resolveAs = async (side: 'raising' | 'receiving', actionId: string) => {
        await recordAction(db.dataSource, {
          escalationId: input.escalationId,
          kind: 'resolve',
          actionId,
          actor: actor(side),
        });
        return handle.executeUpdate(actionUpdates.resolve, { args: [{ actor: actor(side), actionId }] });
      };
      await resolveAs('raising', '00000000-0000-4000-a000-000000000001');
      const after = await resolveAs('receiving', '00000000-0000-4000-a000-000000000002');
      expect(after.status).toBe('resolved');
      const result = await handle.result();
      expect(result.summary.status).toBe('resolved');

      // Since `publish-changes-only`, only the first publication upserts every search attribute;
      // later ones upsert what changed (the partial resolve, which changes none of them, upserts
      // nothing), and the merged attributes still follow the case.
      const { events } = await handle.fetchHistory();
      const upserted = (events ?? [])
        .map((e) =>
          Object.keys(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}),
        )
        .filter((keys) => keys.length > 0 && !keys.includes('TemporalChangeVersion'));
      expect(upserted[0]).toHaveLength(SEARCH_ATTRIBUTE_KEYS.length);
      expect(upserted.slice(1).map((keys) => keys.sort())).toEqual([
        ['ResolveBreaches', 'ResolveNextDeadline', 'ResolveTier'],
        ['ResolveNextDeadline', 'ResolveStatus'],
      ]);
      const attributes = (await handle.describe()).typedSearchAttributes;
      expect(attributes.get(SEARCH_ATTRIBUTES.status)).toBe('resolved');
      expect(attributes.get(SEARCH_ATTRIBUTES.tier)).toBe(2);
      expect(attributes.get(SEARCH_ATTRIBUTES.breaches)).toBe(1);
      expect(attributes.get(SEARCH_ATTRIBUTES.partnership)).toBe(input.partnershipId);
    });
  });
  it('carries on while the notifier is down: the deadline is set and an action answers, and the notices follow once it is back', async () => {
    const escalations = await escalationWorker();
    await escalations.runUntil(async () => {
      // No notifier polls its task queue: the raised and tier-entered notices wait there, and
      // the first deadline is computed and written to Postgres all the same.
      const { raisedAt, input, handle, state } = await raiseSefton('SEF-TS-0002');
      expect(state.tier.dueAt).toBe(
        addWorkingDays(raisedAt, 2, { nation: 'england-and-wales' }).dueAt.toISOString(),
      );
      const described = await handle.describe();
      const pending = (described.raw.pendingActivities ?? []).map((a) => a.activityType?.name);
      expect(pending).toEqual(['notifyBatch']); // the raised and tier-entered notices, together

      // An action answers without waiting for the notifier.
      await recordAction(db.dataSource, {
        escalationId: input.escalationId,
        kind: 'withdraw',
        actionId: '00000000-0000-4000-a000-000000000101',
        actor: input.raisedBy,
      });
      const answered = await Promise.race([
        handle.executeUpdate(actionUpdates.withdraw, {
          args: [{ actor: input.raisedBy, actionId: '00000000-0000-4000-a000-000000000101' }],
        }),
        new Promise<'no answer'>((r) => setTimeout(() => r('no answer'), 15_000)),
      ]);
      expect(answered).not.toBe('no answer');
      expect((answered as { status: string }).status).toBe('withdrawn');
      const [row] = await db.dataSource.query(`SELECT status FROM escalation WHERE id = $1`, [
        input.escalationId,
      ]);
      expect(row).toEqual({ status: 'withdrawn' });

      // Closed, but the run stays open until its notices have gone out: none is abandoned.
      await new Promise((r) => setTimeout(r, 500));
      expect((await handle.describe()).status.name).toBe('RUNNING');
      const notifier = await notifierWorker();
      const result = await notifier.runUntil(handle.result());
      expect(result.summary.status).toBe('withdrawn');
      const mine = requests.filter((r) => r.escalationId === input.escalationId).map((r) => r.event);
      expect(mine.sort()).toEqual(['closed', 'escalation-raised', 'tier-entered']);
    });
  });
});
