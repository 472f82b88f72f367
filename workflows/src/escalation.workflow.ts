import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  actionUpdates,
  addNoteSignal,
  calendarChangedSignal,
  snapshotQuery,
  summaryQuery,
  SEARCH_ATTRIBUTES,
  TASK_QUEUES,
  type EscalationActivities,
  type EscalationWorkflowInput,
  type EscalationWorkflowResult,
  type NotifierActivities,
  type NotifyRequest,
  type UpdateActionKind,
} from '@resolve/contracts';
import {
  ActionRefused,
  applyAction,
  applyDeadline,
  currentTier,
  fireTimers,
  isClosed,
  nextWakeAt,
  startEscalation,
  summarise,
  validateAction,
  type Effect,
  type EscalationAction,
} from '@resolve/domain';

/**
 * One escalation, from raising to closure, under any protocol. A thin durable shell around the
 * pure engine in @resolve/domain: it sleeps until the next instant something is due (a deadline,
 * a reminder, a plan item), feeds human actions in through validated Updates, and carries out
 * the engine's effects through activities.
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
const bookkeeping = (): EscalationActivities =>
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
const NOTIFY_IN_BACKGROUND = 'notify-in-background';
const notifier = proxyActivities<NotifierActivities>({
  taskQueue: TASK_QUEUES.notifications,
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

export async function escalationWorkflow(input: EscalationWorkflowInput): Promise<EscalationWorkflowResult> {
  const protocol = input.protocol;
  const now = () => new Date(Date.now()); // workflow time: deterministic, skipped by the test server
  const started = startEscalation(input, now());
  const state = started.state;
  // Each effect keeps the id of the request (or timer) that caused it, for the notifier's logs.
  type Queued = Effect & { correlationId?: string };
  const tag = (effects: Effect[], correlationId: string): Queued[] =>
    effects.map((e) => ({ ...e, correlationId }));
  const queue: Queued[] = tag(started.effects, input.correlationId ?? input.actionId);
  let busy = false;
  // Every change bumps `changes`; `published` is the change count last written to Postgres.
  // A counter, not a flag: an action arriving while a projection is being written must not be
  // marked as written by it.
  let changes = 1;
  let published = 0;
  const dirty = () => changes > published;
  let calendarChanged = false;
  /** Notifications scheduled in the background and not yet answered by the notifier. */
  let notifying = 0;

  const run = (action: EscalationAction) => {
    queue.push(...tag(applyAction(protocol, state, action, now()), action.correlationId ?? action.actionId));
    changes += 1;
  };

  for (const kind of Object.keys(actionUpdates) as UpdateActionKind[]) {
    // One handler for every action update: the engine dispatches on `kind`.
    const update = actionUpdates[kind] as unknown as import('@temporalio/common').UpdateDefinition<
      ReturnType<typeof summarise>,
      [object]
    >;
    setHandler(
      update,
      async (args: object) => {
        run({ ...(args as object), kind } as EscalationAction);
        // Answer once the effects (a new tier's deadline, the projection) are carried out, so
        // the caller sees the escalation as it now stands.
        const mine = changes;
        await condition(() => queue.length === 0 && !busy && published >= mine);
        return summarise(state);
      },
      {
        validator: (args: object) => {
          try {
            validateAction(protocol, state, { ...(args as object), kind } as EscalationAction, now());
          } catch (err) {
            if (err instanceof ActionRefused) {
              throw ApplicationFailure.create({
                type: 'ActionRefused',
                message: err.message,
                details: [err.code],
              });
            }
            throw err;
          }
        },
      },
    );
  }
  setHandler(addNoteSignal, (args) => run({ ...args, kind: 'add-note' }));
  setHandler(calendarChangedSignal, () => {
    calendarChanged = true;
  });
  setHandler(summaryQuery, () => summarise(state));
  setHandler(snapshotQuery, () => state);

  const notifyRequest = (effect: Extract<Queued, { type: 'notify' }>): NotifyRequest => ({
    escalationId: state.escalationId,
    event: effect.event,
    tier: effect.tier,
    audience: effect.audience,
    key: effect.key,
    urgent: effect.urgent,
    correlationId: effect.correlationId,
  });

  /** Every notice queued by one step goes out in one background activity. */
  const notifyInBackground = (notices: Extract<Queued, { type: 'notify' }>[]) => {
    notifying += 1;
    notifier.notifyBatch(notices.map(notifyRequest)).then(
      () => {
        notifying -= 1;
      },
      (err: unknown) => {
        // Only requests the notifier refuses outright (InvalidNotifyRequest) end here; it is in
        // the history as a failed activity. The escalation itself carries on.
        notifying -= 1;
        log.error('notifications refused by the notifier', {
          escalationId: state.escalationId,
          keys: notices.map((n) => n.key),
          error: String(err),
        });
      },
    );
  };

  /** Carries out the queue; on the new path, notices first and without waiting for them. */
  const drain = async () => {
    while (queue.length > 0) {
      if (queue.some((e) => e.type === 'notify') && patched(NOTIFY_IN_BACKGROUND)) {
        const notices = queue.filter((e): e is Extract<Queued, { type: 'notify' }> => e.type === 'notify');
        const rest = queue.filter((e) => e.type !== 'notify');
        queue.splice(0, queue.length, ...rest);
        notifyInBackground(notices);
        continue;
      }
      await carryOut(queue.shift()!);
    }
  };

  const carryOut = async (effect: Queued) => {
    switch (effect.type) {
      case 'compute-deadline': {
        const { type: _type, correlationId: _c, ...request } = effect;
        const result = await bookkeeping().computeDeadline({ ...request, protocol });
        queue.push(...applyDeadline(state, result, now()));
        return;
      }
      case 'notify':
        // Runs recorded before `notify-in-background` (see drain): one at a time.
        await notifier.notify(notifyRequest(effect));
        return;
      case 'close':
        return;
    }
  };

  const publish = async () => {
    upsertSearchAttributes([
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
    ]);
    upsertMemo({
      summary: `${state.reference}: ${protocol.title}, tier ${state.tier.number} (${currentTier(protocol, state).title}), ${state.status}`,
    });
    const target = changes;
    await bookkeeping().recordProjection(state);
    published = target;
  };

  while (true) {
    busy = true;
    await drain();
    // Consume the flag even when there is nothing to recompute (no deadline, met, closed): left
    // set, it would keep `woken` true and the loop below would spin without yielding.
    const recompute = calendarChanged && !isClosed(state) && !!state.tier.dueAt && !state.tier.metAt;
    calendarChanged = false;
    if (recompute) {
      const result = await bookkeeping().computeDeadline({
        tierNumber: state.tier.number,
        tierKey: state.tier.key,
        escalationStartedAt: state.raisedAt,
        tierStartedAt: state.tier.startedAt,
        previousDeadline: state.previousDeadline,
        immediateRisk: state.immediateRisk,
        protocol,
      });
      queue.push(...applyDeadline(state, result, now(), true));
      changes += 1;
      continue;
    }
    if (dirty()) await publish();
    busy = false;
    if (queue.length > 0) continue;
    if (isClosed(state)) break;

    const wakeAt = nextWakeAt(state);
    const woken = () => queue.length > 0 || dirty() || calendarChanged;
    if (wakeAt === null) {
      await condition(woken);
    } else {
      const ms = Date.parse(wakeAt) - Date.now();
      if (ms > 0) await condition(woken, ms);
    }
    queue.push(
      ...tag(fireTimers(protocol, state, now()), `${workflowInfo().workflowId}@${now().toISOString()}`),
    );
    if (queue.length > 0) changes += 1;
  }

  // Let in-flight update handlers return, and the closing notices go out, before the workflow
  // completes: an activity still running when its workflow closes is abandoned. A note that
  // arrives meanwhile (the API refuses notes once the row says closed, but one may cross the
  // closing action) is still written to Postgres.
  const lingering = patched(NOTIFY_IN_BACKGROUND);
  for (;;) {
    await condition(() => (allHandlersFinished() && notifying === 0) || (lingering && dirty()));
    if (!(lingering && dirty())) break;
    await publish();
  }
  log.info('escalation closed', {
    escalationId: state.escalationId,
    status: state.status,
    workflowId: workflowInfo().workflowId,
  });
  return { summary: summarise(state), closedAt: state.closedAt };
}
