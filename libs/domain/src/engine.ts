import { lastTierNumber, routeOf, tierAt, type Protocol, type Tier } from '@resolve/protocols';
import { ActionRefused, type EscalationAction } from './actions';
import type { Audience, Effect, NotificationEvent } from './effects';
import {
  CLOSED_STATUSES,
  type Actor,
  type EscalationStart,
  type EscalationState,
  type TierState,
  type TimelineEntry,
  type TimelineEventType,
} from './types';

/**
 * The escalation state machine: plain functions over plain data, so every protocol rule can be
 * tested without a server. The workflow (workflows/src/escalation.workflow.ts) is a thin durable
 * shell: it feeds in actions and timer firings, and carries out the effects returned here.
 *
 * Functions mutate the state object they are given (the workflow owns exactly one) and return
 * the effects to carry out. Validation never mutates: `validateAction` throws first.
 */

const iso = (d: Date) => d.toISOString();

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

export function currentTier(protocol: Protocol, state: EscalationState): Tier {
  const t = protocol.tiers.find((x) => x.key === state.tier.key);
  if (!t) throw new Error(`protocol ${protocol.id} v${protocol.version} has no tier "${state.tier.key}"`);
  return t;
}

// ---------------------------------------------------------------------------------------------
// Audiences

function tierAudience(protocol: Protocol, tier: Tier): Audience {
  const agencyRoles = [...new Set([...tier.roles.raising, ...tier.roles.receiving])].filter(
    (r) => r !== 'practitioner',
  );
  return {
    parties: tier.roles.raising.includes('practitioner') || tier.roles.receiving.includes('practitioner'),
    agencyRoles,
    sides: ['raising', 'receiving'],
    partnershipRoles: [...tier.partnershipRoles],
  };
}

function everyone(protocol: Protocol, reached: Tier[]): Audience {
  const roles = new Set<Audience['agencyRoles'][number]>();
  const pRoles = new Set<Audience['partnershipRoles'][number]>();
  for (const t of reached) {
    for (const r of [...t.roles.raising, ...t.roles.receiving]) if (r !== 'practitioner') roles.add(r);
    for (const r of t.partnershipRoles) pRoles.add(r);
    for (const i of t.inform) pRoles.add(i.partnershipRole);
  }
  return {
    parties: true,
    agencyRoles: [...roles],
    sides: ['raising', 'receiving'],
    partnershipRoles: [...pRoles],
  };
}

function reachedTiers(protocol: Protocol, state: EscalationState): Tier[] {
  return protocol.tiers.filter((t) => t.number < state.tier.number || t.key === state.tier.key);
}

// ---------------------------------------------------------------------------------------------
// Timeline

function record(
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

function notify(
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

// ---------------------------------------------------------------------------------------------
// Start and tier entry

export function startEscalation(
  start: EscalationStart,
  now: Date,
): { state: EscalationState; effects: Effect[] } {
  const protocol = start.protocol;
  const startNumber = start.immediateRisk ? protocol.fastTrack.startAtTier : 1;
  const first = selectTier(protocol, startNumber, start.immediateRisk);
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
    tier: blankTier(first, start.raisedAt, 'raised'),
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
  record(
    state,
    now,
    'raised',
    {
      protocol: protocol.id,
      version: protocol.version,
      category: start.category,
      immediateRisk: start.immediateRisk,
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

function blankTier(tier: Tier, startedAt: string, because: TierState['enteredBecause']): TierState {
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
    meeting: null,
  };
}

function tierEntryEffects(protocol: Protocol, state: EscalationState, tier: Tier, now: Date): Effect[] {
  const effects: Effect[] = [];
  record(state, now, 'tier-entered', {
    key: tier.key,
    route: tier.route ?? null,
    because: state.tier.enteredBecause,
  });
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
  effects.push({
    type: 'compute-deadline',
    tierNumber: tier.number,
    tierKey: tier.key,
    escalationStartedAt: state.raisedAt,
    tierStartedAt: state.tier.startedAt,
    previousDeadline: state.previousDeadline,
    immediateRisk: state.immediateRisk,
  });
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

function enterTier(
  protocol: Protocol,
  state: EscalationState,
  n: number,
  because: TierState['enteredBecause'],
  now: Date,
): Effect[] {
  const tier = selectTier(protocol, n, state.urgent || state.immediateRisk);
  state.previousDeadline = state.tier.dueAt ?? state.previousDeadline;
  state.tier = blankTier(tier, iso(now), because);
  state.extension = null;
  state.resolution = { raising: null, receiving: null };
  return tierEntryEffects(protocol, state, tier, now);
}

/** Result of the deadline activity, applied to the tier it was computed for. */
export interface DeadlineResult {
  tierKey: string;
  dueAt: string | null;
  explanation: string;
  reminders: string[];
  calendarVersion: string | null;
}

export function applyDeadline(
  state: EscalationState,
  result: DeadlineResult,
  now: Date,
  recomputed = false,
): Effect[] {
  if (state.tier.key !== result.tierKey) return []; // the case moved on while computing
  const before = state.tier.dueAt;
  state.tier.deadlinePending = false;
  state.calendarVersion = result.calendarVersion;
  if (state.tier.extendedFrom && recomputed) return []; // an agreed date is not moved by the calendar
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

// ---------------------------------------------------------------------------------------------
// Timers

/** The next instant the workflow must wake for, or null when nothing is timed. */
export function nextWakeAt(state: EscalationState): string | null {
  if (isClosed(state)) return null;
  const candidates: string[] = [];
  const t = state.tier;
  if (t.dueAt && !t.metAt && !t.breachedAt) candidates.push(t.dueAt, ...t.reminders);
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

function ownerAudience(protocol: Protocol, tier: Tier, agencyId: string): Audience {
  return { ...tierAudience(protocol, tier), onlyAgencyIds: [agencyId] };
}

function breach(protocol: Protocol, state: EscalationState, tier: Tier, now: Date): Effect[] {
  const effects: Effect[] = [];
  state.tier.breachedAt = iso(now);
  state.breaches += 1;
  record(state, now, 'deadline-breached', { dueAt: state.tier.dueAt, onBreach: tier.onBreach });
  const hasNext = tier.number < lastTierNumber(protocol);
  if (tier.onBreach === 'advance-and-alert' && hasNext) {
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
// Human actions

function refuse(code: string, message: string): never {
  throw new ActionRefused(code, message);
}

function requireOpen(state: EscalationState) {
  if (isClosed(state)) refuse('closed', `the escalation is ${state.status}; no further actions are possible`);
}

function requireParty(action: EscalationAction) {
  if (action.actor.side === 'partnership') {
    refuse('wrong-side', `only the two agencies in the disagreement can ${action.kind.replace(/-/g, ' ')}`);
  }
}

/** Throws ActionRefused with the reason when the protocol does not allow the action now. */
export function validateAction(
  protocol: Protocol,
  state: EscalationState,
  action: EscalationAction,
  now: Date,
): void {
  const tier = currentTier(protocol, state);
  const at = iso(now);
  switch (action.kind) {
    case 'add-note':
      return;
    case 'acknowledge':
      requireOpen(state);
      requireParty(action);
      if (state.tier.acknowledgedAt)
        refuse('already-acknowledged', `tier ${tier.number} was already acknowledged`);
      return;
    case 'respond':
      requireOpen(state);
      if (
        action.actor.side !== 'receiving' &&
        !(tier.partnershipRoles.length && action.actor.side === 'partnership')
      ) {
        refuse('wrong-side', 'the response comes from the agency the concern was raised with');
      }
      return;
    case 'agree-plan':
      requireOpen(state);
      requireParty(action);
      if (action.items.length === 0)
        refuse('empty-plan', 'a plan of action needs at least one item (who, what, by when)');
      for (const item of action.items) {
        if (!(item.dueAt > at))
          refuse('plan-item-in-past', `plan item ${item.itemId} is due ${item.dueAt}, which has passed`);
        if (item.ownerAgencyId !== state.raisingAgencyId && item.ownerAgencyId !== state.receivingAgencyId) {
          refuse(
            'plan-item-owner',
            `plan item ${item.itemId} must be owned by one of the two agencies in the case`,
          );
        }
      }
      return;
    case 'complete-plan-item': {
      requireOpen(state);
      const item = state.planItems.find((i) => i.itemId === action.itemId);
      if (!item) refuse('unknown-plan-item', `no plan item ${action.itemId} in this escalation`);
      if (item.status === 'done') refuse('plan-item-done', `plan item ${action.itemId} is already done`);
      return;
    }
    case 'resolve':
      requireOpen(state);
      requireParty(action);
      if (state.resolution[action.actor.side as 'raising' | 'receiving']) {
        refuse('already-confirmed', `the ${action.actor.side} agency has already confirmed the resolution`);
      }
      return;
    case 'escalate':
      requireOpen(state);
      requireParty(action);
      if (tier.number >= lastTierNumber(protocol)) {
        refuse(
          'final-tier',
          `tier ${tier.number} (${tier.title}) is the final step; it ends with a decision`,
        );
      }
      return;
    case 'flag-immediate-risk':
      requireOpen(state);
      if (state.immediateRisk)
        refuse('already-flagged', 'immediate risk is already flagged on this escalation');
      return;
    case 'propose-extension':
      requireOpen(state);
      if (!protocol.extensions.allowed)
        refuse('extensions-not-allowed', `protocol ${protocol.id} sets no extended timetable`);
      if (protocol.extensions.proposedBy === 'receiving' && action.actor.side !== 'receiving') {
        refuse('wrong-side', 'a longer timetable is set out by the agency receiving the escalation');
      }
      requireParty(action);
      if (state.extension)
        refuse('extension-pending', 'an extension is already proposed and awaiting an answer');
      if (state.immediateRisk) refuse('immediate-risk', 'no extension while immediate risk is flagged');
      if (!state.tier.dueAt) refuse('no-deadline', `tier ${tier.number} has no deadline to extend`);
      if (!(action.dueAt > state.tier.dueAt)) {
        refuse(
          'not-later',
          `the proposed date ${action.dueAt} is not later than the current deadline ${state.tier.dueAt}`,
        );
      }
      return;
    case 'accept-extension':
    case 'decline-extension':
      requireOpen(state);
      if (!state.extension) refuse('no-extension', 'no extension has been proposed');
      requireParty(action);
      if (action.actor.side === state.extension.proposedBy.side) {
        refuse('wrong-side', 'the other agency answers a proposed extension');
      }
      if (protocol.extensions.agreedBy === 'raising' && action.actor.side !== 'raising') {
        refuse('wrong-side', 'the escalating agency agrees a longer timetable');
      }
      return;
    case 'schedule-meeting': {
      requireOpen(state);
      const route = routeOf(protocol, tier);
      const meetingTier =
        tier.expects === 'meeting-date' ||
        (route && ['chaired-meeting', 'mediation', 'resolution-panel'].includes(route.kind)) ||
        tier.partnershipRoles.length > 0;
      if (!meetingTier)
        refuse('no-meeting-here', `tier ${tier.number} (${tier.title}) has no chaired meeting or panel`);
      if (!(action.at > at)) refuse('meeting-in-past', `the meeting date ${action.at} has passed`);
      return;
    }
    case 'record-decision':
      requireOpen(state);
      if (action.actor.role !== protocol.finalDecision.by) {
        refuse(
          'not-the-chair',
          `only the ${protocol.finalDecision.by.replace(/-/g, ' ')} records the final decision`,
        );
      }
      if (tier.number !== lastTierNumber(protocol)) {
        refuse(
          'not-final-tier',
          `the final decision is made at tier ${lastTierNumber(protocol)}; the case is at tier ${tier.number}`,
        );
      }
      if (action.outcome && tier.outcomes.length && !tier.outcomes.includes(action.outcome)) {
        refuse('unknown-outcome', `outcome must be one of: ${tier.outcomes.join(', ')}`);
      }
      return;
    case 'refer-learning':
      requireOpen(state);
      if (state.learningReferredAt)
        refuse('already-referred', 'learning is already referred to the sub-group');
      return;
    case 'withdraw':
      requireOpen(state);
      if (action.actor.personId !== state.raisedBy.personId)
        refuse('not-the-raiser', 'only the person who raised it withdraws an escalation');
      return;
  }
}

/** Applies a validated action. Call `validateAction` first. */
export function applyAction(
  protocol: Protocol,
  state: EscalationState,
  action: EscalationAction,
  now: Date,
): Effect[] {
  const tier = currentTier(protocol, state);
  const at = iso(now);
  const rec = (type: TimelineEventType, detail: TimelineEntry['detail'] = {}) =>
    record(state, now, type, detail, action.actor, action.actionId);
  switch (action.kind) {
    case 'add-note':
      rec('note-added');
      return [];
    case 'acknowledge':
      state.tier.acknowledgedAt = at;
      rec('acknowledged');
      if (tier.expects === 'acknowledgement') meet(state, now);
      return [];
    case 'respond':
      rec('responded');
      if (tier.expects === 'response') meet(state, now);
      return [];
    case 'agree-plan': {
      for (const item of action.items) {
        const reminderAt = halfway(at, item.dueAt);
        state.planItems.push({
          itemId: item.itemId,
          ownerAgencyId: item.ownerAgencyId,
          dueAt: item.dueAt,
          agreedAt: at,
          reminderAt,
          status: 'open',
          reminded: false,
          overdueAlerted: false,
        });
      }
      rec('plan-agreed', { items: action.items.length });
      if (tier.expects === 'plan-of-action' || tier.expects === 'response') meet(state, now);
      return [];
    }
    case 'complete-plan-item': {
      const item = state.planItems.find((i) => i.itemId === action.itemId)!;
      item.status = 'done';
      rec('plan-item-completed', { itemId: item.itemId });
      return [];
    }
    case 'resolve': {
      const side = action.actor.side as 'raising' | 'receiving';
      state.resolution[side] = at;
      rec('resolution-confirmed', { side });
      const both = state.resolution.raising && state.resolution.receiving;
      if (protocol.resolutionNeedsBothSides && !both) return [];
      const effects: Effect[] = [];
      if (action.referLearning)
        effects.push(...referLearning(protocol, state, now, action.actor, action.actionId));
      effects.push(...close(protocol, state, 'resolved', now));
      return effects;
    }
    case 'escalate':
      rec('escalated', { from: tier.number, to: tier.number + 1 });
      return enterTier(protocol, state, tier.number + 1, 'escalated', now);
    case 'flag-immediate-risk': {
      state.immediateRisk = true;
      state.urgent = true;
      rec('immediate-risk-flagged');
      const effects: Effect[] = [
        notify(state, 'immediate-risk-flagged', everyone(protocol, reachedTiers(protocol, state)), 'flag'),
      ];
      if (tier.number < protocol.fastTrack.startAtTier) {
        // BSCB 2.1: "may require quicker escalation through the stages to senior management".
        effects.push(...enterTier(protocol, state, protocol.fastTrack.startAtTier, 'immediate-risk', now));
      } else if (!state.tier.metAt) {
        // Same tier: recompute its deadline on the shortened fast-track timescale.
        state.tier.deadlinePending = true;
        effects.push({
          type: 'compute-deadline',
          tierNumber: tier.number,
          tierKey: tier.key,
          escalationStartedAt: state.raisedAt,
          tierStartedAt: state.tier.startedAt,
          previousDeadline: state.previousDeadline,
          immediateRisk: true,
        });
      }
      return effects;
    }
    case 'propose-extension':
      state.extension = { proposedDueAt: action.dueAt, proposedBy: action.actor, actionId: action.actionId };
      rec('extension-proposed', { dueAt: action.dueAt, currentDueAt: state.tier.dueAt });
      return [notify(state, 'extension-proposed', tierAudience(protocol, tier), action.actionId)];
    case 'accept-extension': {
      const ext = state.extension!;
      state.tier.extendedFrom = state.tier.dueAt;
      state.tier.dueAt = ext.proposedDueAt;
      state.tier.explanation = `due ${ext.proposedDueAt}: a longer timetable agreed between the agencies`;
      state.tier.reminders = [halfway(at, ext.proposedDueAt)].filter((r): r is string => !!r);
      state.extension = null;
      rec('extension-agreed', { dueAt: ext.proposedDueAt, previousDueAt: state.tier.extendedFrom });
      return [notify(state, 'extension-agreed', tierAudience(protocol, tier), action.actionId)];
    }
    case 'decline-extension':
      state.extension = null;
      rec('extension-declined');
      return [];
    case 'schedule-meeting':
      state.tier.meeting = { kind: action.meetingKind, at: action.at, actionId: action.actionId };
      rec('meeting-scheduled', { meetingKind: action.meetingKind, at: action.at });
      if (tier.expects === 'meeting-date' || tier.expects === 'acknowledgement') meet(state, now);
      return [
        notify(
          state,
          'meeting-scheduled',
          everyone(protocol, reachedTiers(protocol, state)),
          action.actionId,
        ),
      ];
    case 'record-decision': {
      state.decision = { at, by: action.actor, actionId: action.actionId, outcome: action.outcome ?? null };
      rec('final-decision-recorded', { outcome: action.outcome ?? null });
      meet(state, now);
      const effects: Effect[] = [
        // Sefton step 4: "make final and binding decision ... and communicate this to all".
        notify(state, 'final-decision', everyone(protocol, reachedTiers(protocol, state)), action.actionId),
      ];
      record(state, now, 'final-decision-communicated', {});
      if (action.referLearning)
        effects.push(...referLearning(protocol, state, now, action.actor, action.actionId));
      effects.push(...close(protocol, state, 'decided', now));
      return effects;
    }
    case 'refer-learning':
      return referLearning(protocol, state, now, action.actor, action.actionId);
    case 'withdraw':
      rec('withdrawn');
      return close(protocol, state, 'withdrawn', now);
  }
}

function meet(state: EscalationState, now: Date) {
  if (!state.tier.metAt) state.tier.metAt = iso(now);
}

function halfway(fromIso: string, toIso: string): string | null {
  const a = Date.parse(fromIso);
  const b = Date.parse(toIso);
  if (!(b > a)) return null;
  return new Date(a + Math.floor((b - a) / 2)).toISOString();
}

function referLearning(
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

function close(
  protocol: Protocol,
  state: EscalationState,
  status: EscalationState['status'],
  now: Date,
): Effect[] {
  state.status = status;
  state.closedAt = iso(now);
  record(state, now, 'closed', { status });
  return [
    notify(state, 'closed', everyone(protocol, reachedTiers(protocol, state)), status),
    { type: 'close' },
  ];
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
  };
}
