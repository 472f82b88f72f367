import { lastTierNumber, type Protocol, type Tier } from '@resolve/protocols';
import { ACTION_RULES, routeChoice, type ActionRule } from './action-rules';
import { ActionRefused, type ActionKind, type EscalationAction } from './actions';
import { everyone, ownerAudience, stepOwnerAudience, tierAudience } from './audiences';
import { actingRole, followsWhoMayAct, heldRoles, tierRoleRefusal } from './authority';
import { entryRole } from './raise-rules';
import { decidedRoute } from './urgency-and-formats';
import type { Effect } from './effects';
import {
  blankTier,
  computeDeadlineEffect,
  currentTier,
  enterTier,
  isClosed,
  iso,
  notify,
  record,
  selectTier,
  tierEntryEffects,
} from './transitions';
import type { EscalationStart, EscalationState } from './types';

export { currentTier, isClosed, selectTier } from './transitions';

/**
 * The escalation state machine: plain functions over plain data, so every protocol rule can be
 * tested without a server. The workflow (workflows/src/escalation.workflow.ts) is a thin durable
 * shell: it feeds in actions and timer firings, and carries out the effects returned here.
 *
 * Functions mutate the state object they are given (the workflow owns exactly one) and return
 * the effects to carry out. Validation never mutates: `validateAction` throws first.
 */

// ---------------------------------------------------------------------------------------------
// Start and tier entry

export function startEscalation(
  start: EscalationStart,
  now: Date,
): { state: EscalationState; effects: Effect[] } {
  const protocol = start.protocol;
  const fastTrackNumber = start.immediateRisk ? protocol.fastTrack.startAtTier : 1;
  // Entry at a later tier by a named role (Sutton 7.3); immediate risk may take it further still.
  const startNumber = Math.max(fastTrackNumber, start.startAtTier ?? 1);
  const enteredByRole = startNumber > fastTrackNumber;
  const first = selectTier(protocol, startNumber, start.immediateRisk);
  const enteredAs = enteredByRole ? entryRole(first, heldRoles(start.raisedBy)) : null;
  const state: EscalationState = {
    escalationId: start.escalationId,
    reference: start.reference,
    partnershipId: start.partnershipId,
    protocolId: protocol.id,
    protocolVersion: protocol.version,
    category: start.category,
    raisingAgencyId: start.raisingAgencyId,
    receivingAgencyId: start.receivingAgencyId,
    raisedBy: start.raisedBy,
    raisedAt: start.raisedAt,
    status: 'open',
    urgent: start.immediateRisk,
    immediateRisk: start.immediateRisk,
    tier: blankTier(first, start.raisedAt, enteredByRole ? 'entered-by-role' : 'raised'),
    previousDeadline: null,
    breaches: 0,
    resolution: { raising: null, receiving: null },
    extension: null,
    planItems: [],
    decision: null,
    learningReferredAt: null,
    closedAt: null,
    calendarVersion: null,
    timeline: [],
  };
  // A case under the first rules keeps exactly the state it always had (no new fields).
  if (start.rules === 2) Object.assign(state, { ruleset: 2, planProposal: null, chair: null });
  // Set only when given, so the state of a case raised without them keeps its shape.
  if (start.concernIdentifiedAt) state.concernIdentifiedAt = start.concernIdentifiedAt;
  if (start.protectiveDeadline) state.protectiveDeadline = start.protectiveDeadline;
  if (start.tierFormatRequired) state.tierFormatRequired = true;
  record(
    state,
    now,
    'raised',
    {
      protocol: protocol.id,
      version: protocol.version,
      category: start.category,
      immediateRisk: start.immediateRisk,
      ...(enteredByRole ? { startAtTier: startNumber, enteredAs } : {}),
      ...(start.concernIdentifiedAt ? { concernIdentifiedAt: start.concernIdentifiedAt } : {}),
      ...(start.protectiveDeadline ? { protectiveDeadline: start.protectiveDeadline } : {}),
    },
    start.raisedBy,
    start.actionId,
  );
  const effects: Effect[] = [
    notify(state, 'escalation-raised', everyone(protocol, [first]), 'raised'),
    ...tierEntryEffects(protocol, state, first, now),
  ];
  if (start.immediateRisk) {
    effects.push(notify(state, 'immediate-risk-flagged', everyone(protocol, [first]), 'raised'));
  }
  return { state, effects };
}

/** What the deadline activity needs to count the current tier's deadline (a recomputation). */
export function deadlineRequest(state: EscalationState) {
  const { type: _type, ...request } = computeDeadlineEffect(state);
  return request;
}

/** Result of the deadline activity, applied to the tier it was computed for. */
export interface DeadlineResult {
  tierKey: string;
  dueAt: string | null;
  explanation: string;
  reminders: string[];
  calendarVersion: string | null;
  /** A tier with steps: each step's due instant (null until it is counted) and its reminders. */
  steps?: {
    key: string;
    startedAt: string | null;
    dueAt: string | null;
    explanation: string;
    reminders: string[];
  }[];
}

export function applyDeadline(
  state: EscalationState,
  result: DeadlineResult,
  now: Date,
  recomputed = false,
  /**
   * Whether the calendar leaves breached and chair-set deadlines alone (the workflow's patch
   * `calendar-keeps-set-dates`). False only for histories recorded before it, which replay as
   * they ran: then only an agreed extension is kept.
   */
  keepSetDates = true,
): Effect[] {
  if (state.tier.key !== result.tierKey) return []; // the case moved on while computing
  const before = state.tier.dueAt;
  state.tier.deadlinePending = false;
  state.calendarVersion = result.calendarVersion;
  applySteps(state, result, now);
  if (recomputed && (keepSetDates ? !calendarMayMove(state.tier) : !!state.tier.extendedFrom)) return [];
  state.tier.dueAt = result.dueAt;
  state.tier.explanation = result.explanation;
  state.tier.reminders = result.reminders.filter((r) => r > iso(now));
  if (!recomputed) {
    record(state, now, 'deadline-set', { dueAt: result.dueAt, explanation: result.explanation });
  } else if (before !== result.dueAt) {
    record(state, now, 'deadline-recomputed', {
      from: before,
      dueAt: result.dueAt,
      explanation: result.explanation,
      calendarVersion: result.calendarVersion,
    });
  }
  return [];
}

/**
 * The due instants of a tier's steps, as counted: a step already complete, or already alerted as
 * overdue, keeps the date it had; a newly counted one is on the timeline with its owner.
 */
function applySteps(state: EscalationState, result: DeadlineResult, now: Date) {
  if (!result.steps || !state.tier.steps) return;
  for (const counted of result.steps) {
    const step = state.tier.steps.find((s) => s.key === counted.key);
    if (!step || step.completedAt || step.overdueAt) continue;
    step.explanation = counted.explanation;
    if (step.dueAt === counted.dueAt) continue;
    step.startedAt = counted.startedAt;
    step.dueAt = counted.dueAt;
    step.reminders = counted.reminders.filter((r) => r > iso(now));
    if (counted.dueAt)
      record(state, now, 'step-deadline-set', {
        step: step.key,
        owner: step.side,
        dueAt: counted.dueAt,
        explanation: counted.explanation,
      });
  }
}

/**
 * Whether a change of the bank-holiday calendar may move the tier's deadline. A date people set
 * (an agreed extension, the chair's timescale for resolution) is theirs, not the calendar's. A
 * deadline already breached has had its consequence (the next step, or the alert that the
 * protocol's last step lapsed): moving it afterwards would leave a date in force that nothing
 * wakes for, and would rewrite when the breach happened.
 */
function calendarMayMove(tier: EscalationState['tier']): boolean {
  return !tier.extendedFrom && !tier.timescaleSetBy && !tier.breachedAt;
}

// ---------------------------------------------------------------------------------------------
// Timers

/** The next instant the workflow must wake for, or null when nothing is timed. */
export function nextWakeAt(state: EscalationState): string | null {
  if (isClosed(state)) return null;
  const candidates: string[] = [];
  const t = state.tier;
  if (t.dueAt && !t.metAt && !t.breachedAt) candidates.push(t.dueAt, ...t.reminders);
  for (const step of t.steps ?? []) {
    if (step.dueAt && !step.completedAt && !step.overdueAt) candidates.push(step.dueAt, ...step.reminders);
  }
  for (const item of state.planItems) {
    if (item.status !== 'open') continue;
    if (!item.reminded && item.reminderAt) candidates.push(item.reminderAt);
    if (!item.overdueAlerted) candidates.push(item.dueAt);
  }
  candidates.sort();
  return candidates[0] ?? null;
}

export function fireTimers(protocol: Protocol, state: EscalationState, now: Date): Effect[] {
  if (isClosed(state)) return [];
  const effects: Effect[] = [];
  const at = iso(now);
  const t = state.tier;
  const tier = currentTier(protocol, state);

  for (const item of state.planItems) {
    if (item.status !== 'open') continue;
    if (!item.reminded && item.reminderAt && item.reminderAt <= at) {
      item.reminded = true;
      record(state, now, 'plan-item-due-soon', { itemId: item.itemId, dueAt: item.dueAt });
      effects.push(
        notify(state, 'plan-item-due', ownerAudience(protocol, tier, item.ownerAgencyId), item.itemId),
      );
    }
    if (!item.overdueAlerted && item.dueAt <= at) {
      item.overdueAlerted = true;
      record(state, now, 'plan-item-overdue', { itemId: item.itemId, dueAt: item.dueAt });
      effects.push(
        notify(
          state,
          'plan-item-overdue',
          { ...tierAudience(protocol, tier), onlyAgencyIds: undefined },
          item.itemId,
        ),
      );
    }
  }

  // Each step's reminder and overdue alert go to its owner, before the tier's own breach (the
  // last step's lapse is the tier's too, and may move the case on).
  for (const step of t.steps ?? []) {
    if (!step.dueAt || step.completedAt || step.overdueAt) continue;
    const owner = stepOwnerAudience(tier.steps!.find((s) => s.key === step.key)!);
    const due = step.reminders.filter((r) => r <= at);
    if (due.length > 0) {
      step.reminders = step.reminders.filter((r) => r > at);
      if (step.dueAt > at) {
        record(state, now, 'step-due-soon', { step: step.key, owner: step.side, dueAt: step.dueAt });
        effects.push(notify(state, 'step-due-soon', owner, `${step.key}:${due[due.length - 1]}`));
      }
    }
    if (step.dueAt <= at) {
      step.overdueAt = at;
      record(state, now, 'step-overdue', { step: step.key, owner: step.side, dueAt: step.dueAt });
      effects.push(notify(state, 'step-overdue', owner, step.key));
    }
  }

  if (t.dueAt && !t.metAt && !t.breachedAt) {
    const due = t.reminders.filter((r) => r <= at);
    if (due.length > 0) {
      t.reminders = t.reminders.filter((r) => r > at);
      if (t.dueAt > at) {
        record(state, now, 'deadline-reminder', { dueAt: t.dueAt });
        effects.push(notify(state, 'deadline-reminder', tierAudience(protocol, tier), due[due.length - 1]));
      }
    }
    if (t.dueAt <= at) effects.push(...breach(protocol, state, tier, now));
  }
  return effects;
}

function breach(protocol: Protocol, state: EscalationState, tier: Tier, now: Date): Effect[] {
  const effects: Effect[] = [];
  state.tier.breachedAt = iso(now);
  state.breaches += 1;
  record(state, now, 'deadline-breached', { dueAt: state.tier.dueAt, onBreach: tier.onBreach });
  const hasNext = tier.number < lastTierNumber(protocol);
  const choice = hasNext ? routeChoice(protocol, state, tier.number + 1) : null;
  // The SLOs decided the case urgent: the lapse takes the urgent route they chose (4a's date is
  // due within a working day of step 3). Decided not urgent, or undecided, it waits for them.
  const urgentRoute = choice && state.urgency?.urgent ? decidedRoute(protocol, state, tier.number + 1) : null;
  if (tier.onBreach === 'advance-and-alert' && urgentRoute) {
    const next = protocol.tiers.find((t) => t.number === tier.number + 1 && t.route === urgentRoute)!;
    effects.push(
      notify(state, 'deadline-breached', everyone(protocol, [tier, next]), tier.key),
      ...enterTier(protocol, state, tier.number + 1, 'deadline-breached', now, urgentRoute),
    );
  } else if (tier.onBreach === 'advance-and-alert' && choice) {
    // Lincolnshire step 4: the SLOs choose the urgent chaired meeting or the learning
    // referral. A lapse of step 3 must not make that choice for them (nor close the case):
    // it alerts them, and the business manager, that the choice is now overdue.
    record(state, now, 'route-choice-awaited', {
      routes: choice.join(' '),
      ...(state.urgency ? { urgent: state.urgency.urgent } : {}),
    });
    const audience = everyone(protocol, [tier]);
    audience.partnershipRoles = [...new Set([...audience.partnershipRoles, 'business-manager' as const])];
    effects.push(notify(state, 'route-choice-needed', audience, tier.key));
  } else if (tier.onBreach === 'advance-and-alert' && hasNext) {
    const next = selectTier(protocol, tier.number + 1, state.urgent || state.immediateRisk);
    // Alert those who failed to meet it and those who take it over.
    effects.push(
      notify(state, 'deadline-breached', everyone(protocol, [tier, next]), tier.key),
      ...enterTier(protocol, state, tier.number + 1, 'deadline-breached', now),
    );
  } else {
    const audience = everyone(protocol, [tier]);
    audience.partnershipRoles = [...new Set([...audience.partnershipRoles, 'business-manager' as const])];
    effects.push(notify(state, 'deadline-breached', audience, tier.key));
  }
  return effects;
}

// ---------------------------------------------------------------------------------------------
// A deadline counted again because a fact of the case changed

/**
 * Result of the deadline activity for a recount (`recount-deadline`: a protective timescale set
 * after the raise), applied to the tier it was counted for. Unlike a calendar change, the new
 * count stands whichever way it moves the date, and the timeline says why it was counted again.
 */
export function applyRecountedDeadline(
  state: EscalationState,
  result: DeadlineResult,
  because: Extract<Effect, { type: 'recount-deadline' }>['because'],
  now: Date,
): Effect[] {
  if (state.tier.key !== result.tierKey) return []; // the case moved on while counting
  state.tier.deadlinePending = false;
  state.calendarVersion = result.calendarVersion;
  applySteps(state, result, now);
  // Met or breached meanwhile: that has had its consequence; the date stays as it was.
  if (state.tier.metAt || state.tier.breachedAt) return [];
  const from = state.tier.dueAt;
  // A step completed with more steps to go before the last: the tier's date is still unknown.
  if (because === 'step-completed' && from === result.dueAt) {
    state.tier.explanation = result.explanation;
    return [];
  }
  // A date people set for the tier (an agreed extension, the chair's timescale) is theirs: a
  // step's completion counts the steps again, not that date.
  if (because === 'step-completed' && (state.tier.extendedFrom || state.tier.timescaleSetBy)) return [];
  state.tier.dueAt = result.dueAt;
  state.tier.explanation = result.explanation;
  state.tier.reminders = result.reminders.filter((r) => r > iso(now));
  record(state, now, 'deadline-recomputed', {
    from,
    dueAt: result.dueAt,
    explanation: result.explanation,
    because,
  });
  return [];
}

// ---------------------------------------------------------------------------------------------
// Human actions: each kind's rule and its effect sit side by side in action-rules.ts.

/** Throws ActionRefused with the reason when the protocol does not allow the action now. */
export function validateAction(
  protocol: Protocol,
  state: EscalationState,
  action: EscalationAction,
  now: Date,
): void {
  const rule = ACTION_RULES[action.kind] as unknown as ActionRule<ActionKind>;
  const tier = currentTier(protocol, state);
  if (rule.whoActs === 'tier' && followsWhoMayAct(state) && !isClosed(state)) {
    const refusal = tierRoleRefusal(tier, action.actor, action.kind);
    if (refusal) throw new ActionRefused('not-your-tier', refusal);
  }
  rule.validate({ protocol, state, tier, now, at: iso(now) }, action);
}

/** Applies a validated action. Call `validateAction` first. */
export function applyAction(
  protocol: Protocol,
  state: EscalationState,
  action: EscalationAction,
  now: Date,
): Effect[] {
  const rule = ACTION_RULES[action.kind] as unknown as ActionRule<ActionKind>;
  const tier = currentTier(protocol, state);
  return rule.apply({ protocol, state, tier, now, at: iso(now) }, recordedAs(state, tier, action));
}

/**
 * The action as the timeline keeps it: under ruleset 2 the actor is recorded in the role they
 * acted in at this tier, without the list of every role they hold.
 */
function recordedAs(state: EscalationState, tier: Tier, action: EscalationAction): EscalationAction {
  if (!followsWhoMayAct(state)) return action;
  const { heldRoles: _held, ...actor } = action.actor;
  const role = actingRole(tier, action.actor);
  return { ...action, actor: role ? { ...actor, role } : actor };
}

/** A short, non-identifying view for queries, updates' answers and the API. */
export function summarise(state: EscalationState) {
  return {
    escalationId: state.escalationId,
    reference: state.reference,
    status: state.status,
    protocolId: state.protocolId,
    protocolVersion: state.protocolVersion,
    tier: state.tier.number,
    tierKey: state.tier.key,
    route: state.tier.route,
    dueAt: state.tier.metAt ? null : state.tier.dueAt,
    explanation: state.tier.explanation,
    breaches: state.breaches,
    urgent: state.urgent,
    immediateRisk: state.immediateRisk,
    // A tier with consecutive deadlines: each step's owner, due instant and state.
    ...(state.tier.steps
      ? {
          steps: state.tier.steps.map((s) => ({
            key: s.key,
            owner: s.side,
            dueAt: s.dueAt,
            state: s.completedAt
              ? ('complete' as const)
              : s.overdueAt
                ? ('overdue' as const)
                : s.dueAt
                  ? ('due' as const)
                  : ('waiting' as const),
            completedAt: s.completedAt,
          })),
        }
      : {}),
  };
}
