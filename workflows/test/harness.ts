import { Client, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import {
  actionUpdates,
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
import {
  recordingNotifierActivities,
  startTestDatabase,
  timeSkippingEnvironment,
  type TestDatabase,
} from '@resolve/testing';
import { createEscalationActivities } from '@resolve/worker';
import { recordAction, seedEscalation } from './support';

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
      activities: recordingNotifierActivities(requests),
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
  options: { immediateRisk?: boolean; tierFormatRequired?: boolean } = {},
): Promise<Case> {
  const t0 = await h.env.currentTimeMs();
  const input = {
    ...(await seedEscalation(h.db.dataSource, {
      protocolId,
      reference,
      raisedAt: new Date(t0),
      immediateRisk: options.immediateRisk ?? false,
    })),
    // Raised as the API raises a case today: who may act at each tier, two-sided plans...
    rules: 2 as const,
    // As the API raises a case now: a plan or meeting names its tier's format (conductedAs).
    ...(options.tierFormatRequired ? { tierFormatRequired: true } : {}),
  };
  const handle = (await h.client.workflow.start(ESCALATION_WORKFLOW_TYPE, {
    taskQueue: TASK_QUEUES.escalations,
    workflowId: escalationWorkflowId(input.escalationId),
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
 * Waits (in real time, without moving the test server's clock) until the workflow is idle, by its
 * history: no workflow task outstanding and no activity running (or the run closed); then until
 * `until` holds for its state. Throws with the last events when it does not settle in time.
 */
export async function settle(
  c: Case,
  until: (s: EscalationSnapshot) => boolean = () => true,
  timeoutMs = 20_000,
): Promise<EscalationSnapshot> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = (await c.handle.fetchHistory()).events ?? [];
    if (!busy(events)) {
      const state = await c.handle.query(snapshotQuery);
      if (until(state)) return state;
      if (Date.now() > deadline) return state; // the caller's assertions say what is wrong
    } else if (Date.now() > deadline) {
      const last = events.slice(-6).map((e) => `${String(e.eventId)} ${EventType[e.eventType ?? 0]}`);
      throw new Error(
        `${c.handle.workflowId} did not settle in ${timeoutMs} ms; last events: ${last.join(', ')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * A timer due this soon is let fire before the test sends an update or a signal. The time-skipping
 * server cannot take a workflow task that cancels a timer which fired while the task was with the
 * worker: it refuses the completion ("invalid history builder state for action", see
 * temporalio/sdk-java#3088) and never hands the task out again, which strands the run and, with
 * it, the server's clock. Our workflow cancels its sleep timer whenever an update wakes it, so an
 * update must not race a timer. (A real server has no such problem.)
 */
const TIMER_GUARD_MS = 10_000;

/**
 * Makes the workflow safe to send an update to: idle, and no timer due within TIMER_GUARD_MS (the
 * test server's clock runs at real pace between skips). A timer that close is skipped past, which
 * may change the state; the tests only send updates far from deadlines, and assert the state.
 */
export async function quiesce(c: Case): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await settle(c);
    const events = (await c.handle.fetchHistory()).events ?? [];
    const due = pendingTimersDueAt(events);
    if (due.length === 0) return;
    const dueIn = Math.min(...due) - (await c.h.env.currentTimeMs());
    if (dueIn > TIMER_GUARD_MS) return;
    await c.h.env.sleep(Math.max(dueIn, 0) + 1);
  }
  throw new Error(`${c.handle.workflowId} keeps re-arming a timer due within ${TIMER_GUARD_MS} ms`);
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const { EventType } = temporal.api.enums.v1;
const CLOSED_EVENTS = new Set<number>([
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
]);

/** A workflow task or an activity is outstanding, and the run has not closed. */
function busy(events: readonly HistoryEvent[]): boolean {
  let task = false;
  const activities = new Set<string>();
  for (const e of events) {
    switch (e.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
        task = true;
        break;
      case EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
      case EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
      case EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
        task = false;
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        activities.add(String(e.eventId));
        break;
      default: {
        const ended =
          e.activityTaskCompletedEventAttributes ??
          e.activityTaskFailedEventAttributes ??
          e.activityTaskTimedOutEventAttributes ??
          e.activityTaskCanceledEventAttributes;
        if (ended?.scheduledEventId != null) activities.delete(String(ended.scheduledEventId));
      }
    }
  }
  if (CLOSED_EVENTS.has(events[events.length - 1]?.eventType ?? 0)) return false;
  return task || activities.size > 0;
}

/** When each timer started and neither fired nor cancelled is due (ms since the epoch). */
function pendingTimersDueAt(events: readonly HistoryEvent[]): number[] {
  const pending = new Map<string, number>();
  for (const e of events) {
    const started = e.timerStartedEventAttributes;
    if (started?.timerId)
      pending.set(started.timerId, protoMs(e.eventTime) + protoMs(started.startToFireTimeout));
    const ended = e.timerFiredEventAttributes ?? e.timerCanceledEventAttributes;
    if (ended?.timerId) pending.delete(ended.timerId);
  }
  return [...pending.values()];
}

function protoMs(
  v: { seconds?: { toString(): string } | number | null; nanos?: number | null } | null | undefined,
): number {
  return Number(v?.seconds?.toString() ?? 0) * 1000 + Math.floor((v?.nanos ?? 0) / 1e6);
}

/** Moves the test server's clock to `atMs` (no-op when already past it). */
export async function sleepUntil(h: Harness, atMs: number): Promise<void> {
  const now = await h.env.currentTimeMs();
  if (atMs > now) await h.env.sleep(atMs - now);
}

export type UpdateName = keyof typeof actionUpdates;

/**
 * Sends one action update (after `quiesce`), waits until the workflow is idle again, and returns
 * the workflow's answer: the summary of the escalation after the action. A fresh actionId is
 * added unless `args` has one.
 */
export async function update(c: Case, kind: UpdateName, args: Record<string, unknown>) {
  await quiesce(c);
  const def = actionUpdates[kind] as unknown as (typeof actionUpdates)['acknowledge'];
  const full = { actionId: actionId(), ...args } as { actionId: string; actor?: Actor };
  // The API writes the action's record before it sends the action; the worker checks it.
  if (full.actor) {
    await recordAction(c.h.db.dataSource, {
      escalationId: c.input.escalationId,
      kind,
      actionId: full.actionId,
      actor: full.actor,
    });
  }
  const answer = await c.handle.executeUpdate(def, { args: [full as never] });
  // The workflow answers once the action's state is written; its notices go out in the
  // background (patch notify-in-background). Tests that look at the notifier's requests after an
  // action see them once the workflow is idle again.
  await settle(c);
  return answer;
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
  return {
    personId: `${input.partnershipId}-${role}`,
    agencyId: null,
    role: role as Actor['role'],
    side: 'partnership',
  };
}

/**
 * The route to name when escalating into a step people choose (Lincolnshire step 4 under
 * ruleset 2): the non-urgent one, as the system chose before; nothing where the system picks.
 */
export function routeChoiceArgs(
  protocol: Protocol,
  state: { tier: { number: number }; immediateRisk: boolean },
): { route?: string } {
  if (protocol.finalRouteChosenBy !== 'people' || state.immediateRisk) return {};
  const branches = protocol.tiers.filter((t) => t.number === state.tier.number + 1 && t.route);
  if (branches.length < 2) return {};
  return { route: protocol.finalRoutes.find((r) => r.when === 'non-urgent')?.key ?? branches[0].route };
}

/** The appointment of the chair where the protocol appoints one on the case, by its first appointer. */
export function chairAppointment(
  input: EscalationWorkflowInput,
  protocol: Protocol,
): { actor: Actor; chairPersonId: string } | null {
  const by = protocol.finalDecision.appointedBy;
  if (!by?.length) return null;
  return {
    actor: partnership(input, by[0]),
    chairPersonId: partnership(input, protocol.finalDecision.by).personId,
  };
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
