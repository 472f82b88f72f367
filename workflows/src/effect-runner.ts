import {
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  upsertMemo,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import {
  SEARCH_ATTRIBUTES,
  TASK_QUEUES,
  type EscalationActivities,
  type NotifierActivities,
  type NotifyRequest,
} from '@resolve/contracts';
import {
  applyDeadline,
  applyRecountedDeadline,
  currentTier,
  isClosed,
  type Effect,
  type EscalationState,
} from '@resolve/domain';
import type { Protocol } from '@resolve/protocols';

/**
 * The workflow's side of the engine's effects: a queue of what the engine asked for, carried out
 * through activities (deadlines, notifications), and the publication of the state (search
 * attributes, memo, the Postgres projection). Kept apart from the workflow function so that the
 * shell reads as the escalation's life cycle, and this as the plumbing.
 */

const BOOKKEEPING_RETRY = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
} as const;

// Runs recorded before the patch `local-bookkeeping` computed deadlines and wrote the projection
// as ordinary activities, through the server's task queue.
const bookkeepingViaServer = proxyActivities<EscalationActivities>({
  taskQueue: TASK_QUEUES.escalations,
  startToCloseTimeout: '30 seconds',
  retry: BOOKKEEPING_RETRY,
});

// Since the patch, both run as local activities in the worker that runs the workflow: no task
// queue round trip and no activity events for the server to persist, and only the result (the
// deadline, or nothing) goes into the history, not the whole state that the projection carries.
// That halves the server's work per escalation. Replays still never recompute a deadline: the
// result is in the history as a marker. Both are idempotent, as a local activity whose worker
// dies is run again by the next one.
const bookkeepingInWorker = proxyLocalActivities<EscalationActivities>({
  startToCloseTimeout: '30 seconds',
  retry: BOOKKEEPING_RETRY,
});
const LOCAL_BOOKKEEPING = 'local-bookkeeping';

/**
 * Since the patch `authorised-actions`, every action is checked by the worker against what the
 * Resolve API recorded before it is applied (see authoriseAction): anyone who reaches Temporal's
 * frontend can send an update, only the API writes action records. A local activity: no server
 * round trip, and only the verdict goes into the history.
 */
export const AUTHORISED_ACTIONS = 'authorised-actions';
export const authorisation = (): Pick<EscalationActivities, 'authoriseAction'> => bookkeepingInWorker;
export const bookkeeping = (): EscalationActivities =>
  patched(LOCAL_BOOKKEEPING) ? bookkeepingInWorker : bookkeepingViaServer;

// Notifications never fail the escalation: the notifier records permanent failures itself and
// reports them to the business manager; here it is retried until it answers.
//
// Since the patch `notify-in-background`, a notification is scheduled and left to run while the
// escalation carries on: the next tier's deadline is computed, the projection written and a
// caller's update answered without waiting for email or SMS (an outage at the provider or a busy
// notifier used to hold up the whole case, and a tier's halfway reminder was lost when its
// deadline was computed after the reminder's instant). Runs recorded before the patch replay
// their notifications one by one, as they were made.
export const NOTIFY_IN_BACKGROUND = 'notify-in-background';

/**
 * A bank-holiday change no longer moves a deadline already breached, or the timescale the chair
 * set on acknowledging. Runs recorded before it recompute as they did (only an agreed extension
 * kept), so their timers replay exactly.
 */
export const CALENDAR_KEEPS_SET_DATES = 'calendar-keeps-set-dates';

/**
 * The action `set-protective-deadline` (a timescale that protects the child from harm, set or
 * changed after the raise) and the deadline recount it asks for. Before it, the update did not
 * exist, so no recorded run can contain one: the marker makes the runs that took it
 * recognisable, so that a later change to the action can be patched against them.
 */
export const PROTECTIVE_DEADLINE_ACTION = 'protective-deadline-action';

/**
 * The action `record-outcome`: a case closes with one of its protocol's named outcomes
 * (`closingOutcomes`). A new update, like the one above: the marker names the runs that took it.
 */
export const NAMED_OUTCOMES = 'named-outcomes';

/**
 * The action `decide-urgency`: the roles the protocol names decide whether the case is urgent
 * (`urgencyDecidedBy`; Lincolnshire's SLOs). A new update, like the ones above; what it changes
 * after (the route of step 4, the lapse of step 3) follows only from a decision, which no run
 * recorded before it holds.
 */
export const URGENCY_DECISION = 'urgency-decision';

/**
 * The action `complete-step`: one of a tier's consecutive deadlines (`steps`) completed by its
 * owner, and the recount of the steps after it (`recount-deadline` because `step-completed`).
 * Only a protocol with steps offers it, and none was pinned before it: the marker names the runs.
 */
export const CONSECUTIVE_STEPS = 'consecutive-steps';

/** Actions added after runs were recorded, each with the patch that marks the runs taking it. */
export const PATCHED_ACTIONS: Partial<Record<string, string>> = {
  'set-protective-deadline': PROTECTIVE_DEADLINE_ACTION,
  'record-outcome': NAMED_OUTCOMES,
  'decide-urgency': URGENCY_DECISION,
  'complete-step': CONSECUTIVE_STEPS,
};
const notifier = proxyActivities<NotifierActivities>({
  taskQueue: TASK_QUEUES.notifications,
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/**
 * Since the patch `publish-changes-only`, a publication upserts only the search attributes that
 * changed since the last one, and the memo only when its summary changed. Before it, every
 * projection (each note, each acknowledgement) upserted all nine attributes and the memo: two
 * more commands and history events per change, and a visibility write by the server each time,
 * for values that mostly stood still. Runs recorded before it replay the upserts as they made them.
 */
export const PUBLISH_CHANGES_ONLY = 'publish-changes-only';

/** A search attribute's value as compared between publications (a Date by its instant). */
const shown = (value: unknown): string =>
  value instanceof Date ? `date:${value.toISOString()}` : JSON.stringify(value ?? null);

/** Each effect keeps the id of the request (or timer) that caused it, for the notifier's logs. */
export type Queued = Effect & { correlationId?: string };
type QueuedNotice = Extract<Queued, { type: 'notify' }>;

export const tag = (effects: Effect[], correlationId: string): Queued[] =>
  effects.map((e) => ({ ...e, correlationId }));

export class EffectRunner {
  readonly queue: Queued[];
  /** True while the shell is carrying out the queue or publishing. */
  busy = false;
  // Every change bumps `changes`; `published` is the change count last written to Postgres.
  // A counter, not a flag: an action arriving while a projection is being written must not be
  // marked as written by it.
  changes = 1;
  published = 0;
  /** Notifications scheduled in the background and not yet answered by the notifier. */
  notifying = 0;
  /** What the last publication set: the search attributes by name, and the memo's summary. */
  private readonly shownAttributes = new Map<string, string>();
  private shownSummary?: string;

  constructor(
    private readonly protocol: Protocol,
    private readonly state: EscalationState,
    private readonly now: () => Date,
    initial: Queued[],
  ) {
    this.queue = initial;
  }

  dirty(): boolean {
    return this.changes > this.published;
  }

  /** Carries out the queue; on the new path, notices first and without waiting for them. */
  async drain(): Promise<void> {
    const queue = this.queue;
    while (queue.length > 0) {
      if (queue.some((e) => e.type === 'notify') && patched(NOTIFY_IN_BACKGROUND)) {
        const notices = queue.filter((e): e is QueuedNotice => e.type === 'notify');
        const rest = queue.filter((e) => e.type !== 'notify');
        queue.splice(0, queue.length, ...rest);
        this.notifyInBackground(notices);
        continue;
      }
      await this.carryOut(queue.shift()!);
    }
  }

  async publish(): Promise<void> {
    const { state, protocol } = this;
    const attributes = [
      { key: SEARCH_ATTRIBUTES.partnership, value: state.partnershipId },
      { key: SEARCH_ATTRIBUTES.protocol, value: state.protocolId },
      { key: SEARCH_ATTRIBUTES.tier, value: state.tier.number },
      { key: SEARCH_ATTRIBUTES.status, value: state.status },
      { key: SEARCH_ATTRIBUTES.urgent, value: state.urgent },
      { key: SEARCH_ATTRIBUTES.raisingAgency, value: state.raisingAgencyId },
      { key: SEARCH_ATTRIBUTES.receivingAgency, value: state.receivingAgencyId },
      { key: SEARCH_ATTRIBUTES.breaches, value: state.breaches },
      {
        key: SEARCH_ATTRIBUTES.nextDeadline,
        value: state.tier.dueAt && !state.tier.metAt && !isClosed(state) ? new Date(state.tier.dueAt) : null,
      },
    ] as SearchAttributeUpdatePair[];
    const summary = `${state.reference}: ${protocol.title}, tier ${state.tier.number} (${currentTier(protocol, state).title}), ${state.status}`;
    const changed = attributes.filter((a) => this.shownAttributes.get(a.key.name) !== shown(a.value));
    const memoChanged = summary !== this.shownSummary;
    // Asked only where the two paths part, when something stood still: the first publication
    // (everything new) is the same on both, so a raise records no extra marker, which would cost
    // an event and a visibility write of its own (the SDK upserts TemporalChangeVersion with it).
    if ((changed.length < attributes.length || !memoChanged) && patched(PUBLISH_CHANGES_ONLY)) {
      if (changed.length > 0) upsertSearchAttributes(changed);
      if (memoChanged) upsertMemo({ summary });
    } else {
      upsertSearchAttributes(attributes);
      upsertMemo({ summary });
    }
    // Kept on both paths, so that a run recorded before the patch knows what it last showed when
    // it takes the new path.
    for (const a of attributes) this.shownAttributes.set(a.key.name, shown(a.value));
    this.shownSummary = summary;
    const target = this.changes;
    await bookkeeping().recordProjection(state);
    this.published = target;
  }

  private notifyRequest(effect: QueuedNotice): NotifyRequest {
    return {
      escalationId: this.state.escalationId,
      event: effect.event,
      tier: effect.tier,
      audience: effect.audience,
      key: effect.key,
      urgent: effect.urgent,
      correlationId: effect.correlationId,
    };
  }

  /** Every notice queued by one step goes out in one background activity. */
  private notifyInBackground(notices: QueuedNotice[]): void {
    this.notifying += 1;
    notifier.notifyBatch(notices.map((n) => this.notifyRequest(n))).then(
      () => {
        this.notifying -= 1;
      },
      (err: unknown) => {
        // Only requests the notifier refuses outright (InvalidNotifyRequest) end here; it is in
        // the history as a failed activity. The escalation itself carries on.
        this.notifying -= 1;
        log.error('notifications refused by the notifier', {
          escalationId: this.state.escalationId,
          keys: notices.map((n) => n.key),
          error: String(err),
        });
      },
    );
  }

  private async carryOut(effect: Queued): Promise<void> {
    switch (effect.type) {
      case 'compute-deadline': {
        const { type: _type, correlationId: _c, ...request } = effect;
        const result = await bookkeeping().computeDeadline({ ...request, protocol: this.protocol });
        this.queue.push(...applyDeadline(this.state, result, this.now()));
        return;
      }
      case 'recount-deadline': {
        // Asked for by `set-protective-deadline` (PROTECTIVE_DEADLINE_ACTION) and `complete-step`
        // (CONSECUTIVE_STEPS) only.
        const result = await bookkeeping().computeDeadline({ ...effect.request, protocol: this.protocol });
        this.queue.push(...applyRecountedDeadline(this.state, result, effect.because, this.now()));
        return;
      }
      case 'notify':
        // Runs recorded before `notify-in-background` (see drain): one at a time.
        await notifier.notify(this.notifyRequest(effect));
        return;
      case 'close':
        return;
    }
  }
}
