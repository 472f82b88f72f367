import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  log,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  actionUpdates,
  addNoteSignal,
  calendarChangedSignal,
  snapshotQuery,
  summaryQuery,
  type EscalationWorkflowInput,
  type EscalationWorkflowResult,
  type UpdateActionKind,
} from '@resolve/contracts';
import {
  ActionRefused,
  applyAction,
  applyDeadline,
  deadlineRequest,
  fireTimers,
  isClosed,
  nextWakeAt,
  startEscalation,
  summarise,
  validateAction,
  type EscalationAction,
} from '@resolve/domain';
import {
  authorisation,
  AUTHORISED_ACTIONS,
  CALENDAR_KEEPS_SET_DATES,
  bookkeeping,
  EffectRunner,
  NOTIFY_IN_BACKGROUND,
  PATCHED_ACTIONS,
  tag,
} from './effect-runner';

/**
 * A note's action id is applied once, even when its signal came twice (the API's note relay
 * signals again after a crash between the signal and its mark). The worker's authorisation
 * refuses an id already in the timeline, but two copies handled in one workflow task are both
 * checked before either is applied; the handler now looks again once authorised. Runs recorded
 * before the marker apply every authorised copy, as they did.
 */
const NOTES_ONCE = 'notes-once';

/**
 * One escalation, from raising to closure, under any protocol. A thin durable shell around the
 * pure engine in @resolve/domain: it sleeps until the next instant something is due (a deadline,
 * a reminder, a plan item), feeds human actions in through validated Updates, and carries out
 * the engine's effects through activities.
 */

export async function escalationWorkflow(input: EscalationWorkflowInput): Promise<EscalationWorkflowResult> {
  const protocol = input.protocol;
  const now = () => new Date(Date.now()); // workflow time: deterministic, skipped by the test server
  // The rules the case runs under come pinned in its input (`rules`), like its protocol.
  const started = startEscalation(input, now());
  const state = started.state;
  const effects = new EffectRunner(
    protocol,
    state,
    now,
    tag(started.effects, input.correlationId ?? input.actionId),
  );
  const queue = effects.queue;
  let calendarChanged = false;

  const run = (action: EscalationAction) => {
    queue.push(...tag(applyAction(protocol, state, action, now()), action.correlationId ?? action.actionId));
    effects.changes += 1;
  };

  /**
   * Whether the worker confirms the API authorised the action (patch `authorised-actions`). A
   * refusal changes nothing and is audited by the activity. Callers check `patched` first and
   * only then await, so runs recorded before the patch apply actions exactly as they did,
   * without even a yield in between.
   */
  const authorised = async (action: EscalationAction): Promise<boolean> => {
    const verdict = await authorisation().authoriseAction({
      escalationId: input.escalationId,
      kind: action.kind,
      actionId: action.actionId,
      actor: action.actor,
      // The same action twice (a replayed update under a new update id) is applied once.
      alreadyApplied: state.timeline.some((e) => e.actionId === action.actionId),
    });
    return verdict.authorised;
  };
  const notAuthorised = () =>
    ApplicationFailure.create({
      type: 'ActionRefused',
      message: 'the action did not come through the Resolve API; it was refused and recorded',
      details: ['not-authorised'],
      nonRetryable: true,
    });
  const refusal = (err: unknown) =>
    err instanceof ActionRefused
      ? ApplicationFailure.create({ type: 'ActionRefused', message: err.message, details: [err.code] })
      : err;

  for (const kind of Object.keys(actionUpdates) as UpdateActionKind[]) {
    // One handler for every action update: the engine dispatches on `kind`.
    const update = actionUpdates[kind] as unknown as import('@temporalio/common').UpdateDefinition<
      ReturnType<typeof summarise>,
      [object]
    >;
    setHandler(
      update,
      async (args: object) => {
        const action = { ...(args as object), kind } as EscalationAction;
        // A new action: a worker on this code takes it (and says so in the history); no run
        // recorded before it can reach this line with it.
        const patch = PATCHED_ACTIONS[kind];
        if (patch && !patched(patch)) {
          throw ApplicationFailure.create({
            type: 'ActionRefused',
            message: `this escalation cannot take the action ${kind}`,
            details: ['not-supported'],
            nonRetryable: true,
          });
        }
        if (patched(AUTHORISED_ACTIONS)) {
          if (!(await authorised(action))) throw notAuthorised();
          // The case may have moved on while the action was checked: the engine decides again.
          try {
            validateAction(protocol, state, action, now());
          } catch (err) {
            throw refusal(err);
          }
        }
        run(action);
        // Answer once the effects (a new tier's deadline, the projection) are carried out, so
        // the caller sees the escalation as it now stands.
        const mine = effects.changes;
        await condition(() => queue.length === 0 && !effects.busy && effects.published >= mine);
        return summarise(state);
      },
      {
        validator: (args: object) => {
          try {
            validateAction(protocol, state, { ...(args as object), kind } as EscalationAction, now());
          } catch (err) {
            throw refusal(err);
          }
        },
      },
    );
  }
  setHandler(addNoteSignal, (args) => {
    const note: EscalationAction = { ...args, kind: 'add-note' };
    if (!patched(AUTHORISED_ACTIONS)) return run(note);
    // Decided as the signal is handled, a point every replay reaches in the same task; asked
    // after the check (a local activity, whose result may come back in a later task on replay
    // than it did live) the marker would not be where the replay looks for it.
    const once = patched(NOTES_ONCE);
    void authorised(note).then((ok) => {
      if (!ok) return;
      if (once && state.timeline.some((e) => e.actionId === note.actionId)) return;
      run(note);
    });
  });
  setHandler(calendarChangedSignal, () => {
    calendarChanged = true;
  });
  setHandler(summaryQuery, () => summarise(state));
  setHandler(snapshotQuery, () => state);

  while (true) {
    effects.busy = true;
    await effects.drain();
    // Consume the flag even when there is nothing to recompute (no deadline, met, closed): left
    // set, it would keep `woken` true and the loop below would spin without yielding.
    const recompute = calendarChanged && !isClosed(state) && !!state.tier.dueAt && !state.tier.metAt;
    calendarChanged = false;
    if (recompute) {
      // The same facts as at tier entry (a protective date, when the concern was identified).
      const result = await bookkeeping().computeDeadline({ ...deadlineRequest(state), protocol });
      queue.push(...applyDeadline(state, result, now(), true, patched(CALENDAR_KEEPS_SET_DATES)));
      effects.changes += 1;
      continue;
    }
    if (effects.dirty()) await effects.publish();
    effects.busy = false;
    if (queue.length > 0) continue;
    if (isClosed(state)) break;

    const wakeAt = nextWakeAt(state);
    const woken = () => queue.length > 0 || effects.dirty() || calendarChanged;
    if (wakeAt === null) {
      await condition(woken);
    } else {
      const ms = Date.parse(wakeAt) - Date.now();
      if (ms > 0) await condition(woken, ms);
    }
    queue.push(
      ...tag(fireTimers(protocol, state, now()), `${workflowInfo().workflowId}@${now().toISOString()}`),
    );
    if (queue.length > 0) effects.changes += 1;
  }

  // Let in-flight update handlers return, and the closing notices go out, before the workflow
  // completes: an activity still running when its workflow closes is abandoned. A note that
  // arrives meanwhile (the API refuses notes once the row says closed, but one may cross the
  // closing action) is still written to Postgres.
  const lingering = patched(NOTIFY_IN_BACKGROUND);
  for (;;) {
    await condition(
      () => (allHandlersFinished() && effects.notifying === 0) || (lingering && effects.dirty()),
    );
    if (!(lingering && effects.dirty())) break;
    await effects.publish();
  }
  log.info('escalation closed', {
    escalationId: state.escalationId,
    status: state.status,
    workflowId: workflowInfo().workflowId,
  });
  return { summary: summarise(state), closedAt: state.closedAt };
}
