import { Client, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import {
  ESCALATION_WORKFLOW_TYPE,
  escalationWorkflowId,
  snapshotQuery,
  TASK_QUEUES,
  type EscalationSnapshot,
  type EscalationWorkflowInput,
  type NotifyRequest,
} from '@resolve/contracts';
import type { Actor } from '@resolve/domain';
import type { Protocol, Tier } from '@resolve/protocols';
import { escalationWorkflowBundle } from '@resolve/temporal';
import { startTestDatabase, timeSkippingEnvironment, type TestDatabase } from '@resolve/testing';
import { createEscalationActivities } from '@resolve/worker';
import { seedEscalation } from './support';

/**
 * One time-skipping Temporal server, one Postgres and one pair of workers for a whole test file
 * (or for the history recorder): the escalation worker with the real bookkeeping activities, and
 * a notifier whose only activity records the NotifyRequests it is asked to deliver.
 */
export interface Harness {
  env: TestWorkflowEnvironment;
  /**
   * A plain client on the test server. The environment's own client unlocks time skipping while
   * it waits for a result, which lets the server jump to the next timer of ANY workflow (e.g. the
   * 10-year execution timeout it gives every workflow); the clock moves only through env.sleep.
   */
  client: Client;
  db: TestDatabase;
  /** Every NotifyRequest the workflows made, in order; filter by escalationId. */
  requests: NotifyRequest[];
  stop(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  try {
    // Worker state changes at INFO would drown the test output.
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // already installed in this process
  }
  const [env, db] = await Promise.all([timeSkippingEnvironment(), startTestDatabase()]);
  const requests: NotifyRequest[] = [];
  try {
    const escalations = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUES.escalations,
      workflowBundle: await escalationWorkflowBundle(),
      activities: createEscalationActivities({ dataSource: db.dataSource }),
    });
    const notifier = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUES.notifications,
      activities: {
        async notify(request: NotifyRequest) {
          requests.push(request);
          return { recipients: 1, sent: 1, alreadySent: 0, failed: 0 };
        },
      },
    });
    const running = Promise.all([escalations.run(), notifier.run()]);
    return {
      env,
      client: new Client({ connection: env.connection, namespace: env.namespace }),
      db,
      requests,
      async stop() {
        escalations.shutdown();
        notifier.shutdown();
        await running.catch(() => undefined);
        await env.teardown();
        await db.stop();
      },
    };
  } catch (err) {
    await env.teardown().catch(() => undefined);
    await db.stop().catch(() => undefined);
    throw err;
  }
}

export type EscalationHandle = WorkflowHandle<(input: EscalationWorkflowInput) => Promise<unknown>>;

export interface Case {
  h: Harness;
  input: EscalationWorkflowInput;
  handle: EscalationHandle;
  protocol: Protocol;
  /** The test server's time when the case was raised (ms). */
  t0: number;
  /** NotifyRequests of this case only. */
  requests(): NotifyRequest[];
}

/** Raises an escalation at the test server's current time and waits for its first deadline. */
export async function raise(
  h: Harness,
  protocolId: string,
  reference: string,
  options: { immediateRisk?: boolean } = {},
): Promise<Case> {
  const t0 = await h.env.currentTimeMs();
  const input = await seedEscalation(h.db.dataSource, {
    protocolId,
    reference,
    raisedAt: new Date(t0),
    immediateRisk: options.immediateRisk ?? false,
  });
  const handle = (await h.client.workflow.start(ESCALATION_WORKFLOW_TYPE, {
    taskQueue: TASK_QUEUES.escalations,
    workflowId: escalationWorkflowId(input.partnershipId, input.reference),
    args: [input],
  })) as EscalationHandle;
  const c: Case = {
    h,
    input,
    handle,
    protocol: input.protocol,
    t0,
    requests: () => h.requests.filter((r) => r.escalationId === input.escalationId),
  };
  await settle(c);
  return c;
}

/**
 * Waits (in real time, without moving the test server's clock) until the workflow is idle: no
 * deadline being computed and its last state projected into Postgres. The projection is the last
 * thing the workflow does after carrying out a batch of effects (notifications included), so a
 * projected timeline as long as the queried one means nothing is left in flight.
 */
export async function settle(
  c: Case,
  until: (s: EscalationSnapshot) => boolean = () => true,
  timeoutMs = 15_000,
): Promise<EscalationSnapshot> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await c.handle.query(snapshotQuery);
    if (!state.tier.deadlinePending && until(state)) {
      const [row] = await c.h.db.dataSource.query(`SELECT state_seq FROM escalation WHERE id = $1`, [c.input.escalationId]);
      if (Number(row?.state_seq) === state.timeline.length) return state;
    }
    if (Date.now() > deadline) return state; // the caller's assertions say what is wrong
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Moves the test server's clock to `atMs` (no-op when already past it). */
export async function sleepUntil(h: Harness, atMs: number): Promise<void> {
  const now = await h.env.currentTimeMs();
  if (atMs > now) await h.env.sleep(atMs - now);
}

let actionSeq = 0;
/** A fresh action id (the Postgres id of the action's record in the real system). */
export function actionId(): string {
  actionSeq += 1;
  return `00000000-0000-4000-a000-${String(actionSeq).padStart(12, '0')}`;
}

/** A person of one of the two agencies (demo directory ids: `<agency>-<role>`). */
export function party(input: EscalationWorkflowInput, side: 'raising' | 'receiving', role: string): Actor {
  const agencyId = side === 'raising' ? input.raisingAgencyId : input.receivingAgencyId;
  return { personId: `${agencyId}-${role}`, agencyId, role: role as Actor['role'], side };
}

/** The person in a partnership role (independent chair, business manager...). */
export function partnership(input: EscalationWorkflowInput, role: string): Actor {
  return { personId: `${input.partnershipId}-${role}`, agencyId: null, role: role as Actor['role'], side: 'partnership' };
}

/** The first role a side has at a tier: the person who would act there. */
export function tierActor(input: EscalationWorkflowInput, tier: Tier, side: 'raising' | 'receiving'): Actor {
  return party(input, side, tier.roles[side][0]);
}

export function tierByKey(protocol: Protocol, key: string): Tier {
  const t = protocol.tiers.find((x) => x.key === key);
  if (!t) throw new Error(`${protocol.id} has no tier ${key}`);
  return t;
}

export function lastTierNumber(protocol: Protocol): number {
  return Math.max(...protocol.tiers.map((t) => t.number));
}
