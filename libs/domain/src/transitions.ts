import { routeOf, tierAt, type Protocol, type Tier } from '@resolve/protocols';
import { everyone, informedAtEveryStage, reachedTiers, tierAudience, withInformed } from './audiences';
import type { Audience, Effect, NotificationEvent } from './effects';
import {
  CLOSED_STATUSES,
  type Actor,
  type EscalationState,
  type TierState,
  type TimelineEntry,
  type TimelineEventType,
} from './types';

/**
 * The steps every rule is made of: recording a timeline entry, a notice, entering a tier,
 * meeting a tier's expectation, referring for learning, closing. The engine (timers, deadlines)
 * and the action rules (people's actions) both build on these, so a step is written once.
 * They mutate the one state object the workflow owns and return the effects to carry out.
 */

export const iso = (d: Date) => d.toISOString();

export function isClosed(state: EscalationState): boolean {
  return CLOSED_STATUSES.includes(state.status);
}

// ---------------------------------------------------------------------------------------------
// Tiers and routes

/**
 * Picks the tier for step n: by route urgency when the step branches (Lincolnshire 4a/4b). The
 * rule itself is the protocol's (tierAt), so the engine and the projected timeline never differ.
 */
export function selectTier(protocol: Protocol, n: number, urgent: boolean): Tier {
  return tierAt(protocol, n, { urgent });
}

/** The routes of step n, when the protocol branches there (Lincolnshire 4a/4b); else empty. */
export function branchesOf(protocol: Protocol, n: number): string[] {
  return protocol.tiers.filter((t) => t.number === n && t.route).map((t) => t.route!);
}

export function currentTier(protocol: Protocol, state: EscalationState): Tier {
  const t = protocol.tiers.find((x) => x.key === state.tier.key);
  if (!t) throw new Error(`protocol ${protocol.id} v${protocol.version} has no tier "${state.tier.key}"`);
  return t;
}

export function record(
  state: EscalationState,
  now: Date,
  type: TimelineEventType,
  detail: TimelineEntry['detail'] = {},
  actor: Actor | null = null,
  actionId: string | null = null,
): TimelineEntry {
  const entry: TimelineEntry = {
    seq: state.timeline.length + 1,
    at: iso(now),
    type,
    tier: state.tier.number,
    actor,
    actionId,
    detail,
  };
  state.timeline.push(entry);
  return entry;
}

export function notify(
  state: EscalationState,
  event: NotificationEvent,
  audience: Audience,
  discriminator: string,
): Effect {
  return {
    type: 'notify',
    event,
    tier: state.tier.number,
    audience,
    key: `${state.escalationId}:${event}:t${state.tier.number}:${discriminator}`,
    urgent: state.urgent || state.immediateRisk,
  };
}

export function blankTier(tier: Tier, startedAt: string, because: TierState['enteredBecause']): TierState {
  return {
    number: tier.number,
    key: tier.key,
    route: tier.route ?? null,
    startedAt,
    enteredBecause: because,
    dueAt: null,
    explanation: null,
    reminders: [],
    metAt: null,
    breachedAt: null,
    acknowledgedAt: null,
    deadlinePending: true,
    extendedFrom: null,
    timescaleSetBy: null,
    meeting: null,
    // Only a tier with consecutive deadlines carries them, so every other tier keeps its shape.
    ...(tier.steps
      ? {
          steps: tier.steps.map((step) => ({
            key: step.key,
            side: step.owner.side,
            startedAt: null,
            dueAt: null,
            explanation: null,
            reminders: [],
            completedAt: null,
            completedBy: null,
            overdueAt: null,
          })),
        }
      : {}),
  };
}

export function tierEntryEffects(
  protocol: Protocol,
  state: EscalationState,
  tier: Tier,
  now: Date,
): Effect[] {
  const effects: Effect[] = [];
  record(state, now, 'tier-entered', {
    key: tier.key,
    route: tier.route ?? null,
    because: state.tier.enteredBecause,
  });
  effects.push(...informEveryStage(protocol, state, now, tier.key));
  const route = routeOf(protocol, tier);
  if (route?.kind === 'learning-referral') {
    // Lincolnshire step 4b: a non-urgent case is referred to the named sub-group for learning;
    // the disagreement leaves the escalation route there. No deadline is computed for it.
    state.tier.deadlinePending = false;
    effects.push(notify(state, 'tier-entered', tierAudience(protocol, tier), tier.key));
    effects.push(...referLearning(protocol, state, now, null, null));
    effects.push(...close(protocol, state, 'referred-for-learning', now));
    return effects;
  }
  effects.push(computeDeadlineEffect(state));
  effects.push(notify(state, 'tier-entered', tierAudience(protocol, tier), tier.key));
  for (const inform of tier.inform) {
    // BSCB stage 3: "In all cases the BSCB Business Manager must be informed".
    effects.push(
      notify(
        state,
        'informed',
        { parties: false, agencyRoles: [], sides: [], partnershipRoles: [inform.partnershipRole] },
        `${tier.key}:${inform.partnershipRole}`,
      ),
    );
    record(state, now, 'informed', { partnershipRole: inform.partnershipRole });
  }
  return effects;
}

/**
 * The protocol's every-stage recipients are told that the case is at this stage (the raise is
 * tier 1's entry, or the entry tier's), and the timeline says so. Nothing when it names none.
 */
function informEveryStage(protocol: Protocol, state: EscalationState, now: Date, stage: string): Effect[] {
  const audience = informedAtEveryStage(protocol);
  if (!audience) return [];
  record(state, now, 'informed', {
    atEveryStage: true,
    stage,
    roles: [...audience.partnershipRoles, ...audience.agencyRoles].join(' '),
  });
  return [notify(state, 'informed', audience, `${stage}:every-stage`)];
}

/** The request for the current tier's deadline: every fact about the case it is counted from. */
export function computeDeadlineEffect(state: EscalationState): Extract<Effect, { type: 'compute-deadline' }> {
  return {
    type: 'compute-deadline',
    tierNumber: state.tier.number,
    tierKey: state.tier.key,
    escalationStartedAt: state.raisedAt,
    tierStartedAt: state.tier.startedAt,
    previousDeadline: state.previousDeadline,
    immediateRisk: state.immediateRisk,
    ...(state.concernIdentifiedAt ? { concernIdentifiedAt: state.concernIdentifiedAt } : {}),
    ...(state.protectiveDeadline ? { protectiveDeadline: state.protectiveDeadline } : {}),
    ...stepsCompleted(state),
  };
}

/** For a tier with steps, when each completed step was completed; nothing for any other tier. */
export function stepsCompleted(state: EscalationState): { stepsCompletedAt?: Record<string, string> } {
  const done = state.tier.steps?.filter((s) => s.completedAt) ?? [];
  if (done.length === 0) return {};
  return { stepsCompletedAt: Object.fromEntries(done.map((s) => [s.key, s.completedAt!])) };
}

export function enterTier(
  protocol: Protocol,
  state: EscalationState,
  n: number,
  because: TierState['enteredBecause'],
  now: Date,
  chosenRoute?: string,
): Effect[] {
  const tier =
    (chosenRoute && protocol.tiers.find((t) => t.number === n && t.route === chosenRoute)) ||
    selectTier(protocol, n, state.urgent || state.immediateRisk);
  state.previousDeadline = state.tier.dueAt ?? state.previousDeadline;
  state.tier = blankTier(tier, iso(now), because);
  state.extension = null;
  // A plan proposed at the tier before is not the new tier's plan.
  if (state.planProposal) state.planProposal = null;
  state.resolution = { raising: null, receiving: null };
  return tierEntryEffects(protocol, state, tier, now);
}

export function meet(state: EscalationState, now: Date) {
  if (!state.tier.metAt) state.tier.metAt = iso(now);
}

export function referLearning(
  protocol: Protocol,
  state: EscalationState,
  now: Date,
  actor: Actor | null,
  actionId: string | null,
): Effect[] {
  if (state.learningReferredAt) return [];
  state.learningReferredAt = iso(now);
  record(state, now, 'learning-referred', { subGroup: protocol.learning.subGroup }, actor, actionId);
  return [
    notify(
      state,
      'learning-referred',
      {
        parties: true,
        agencyRoles: [],
        sides: [],
        partnershipRoles: ['sub-group-chair', 'business-manager'],
      },
      'learning',
    ),
  ];
}

export function close(
  protocol: Protocol,
  state: EscalationState,
  status: EscalationState['status'],
  now: Date,
): Effect[] {
  state.status = status;
  state.closedAt = iso(now);
  record(state, now, 'closed', { status });
  // The every-stage recipients hear of the closing too, an early resolution included.
  const informed = informedAtEveryStage(protocol);
  if (informed)
    record(state, now, 'informed', {
      atEveryStage: true,
      stage: 'closed',
      roles: [...informed.partnershipRoles, ...informed.agencyRoles].join(' '),
    });
  return [
    notify(
      state,
      'closed',
      withInformed(protocol, everyone(protocol, reachedTiers(protocol, state))),
      status,
    ),
    { type: 'close' },
  ];
}
