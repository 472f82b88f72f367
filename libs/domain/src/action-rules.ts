import {
  halfwayBetween,
  lastTierNumber,
  routeOf,
  type ClosingOutcome,
  type Protocol,
  type Tier,
} from '@resolve/protocols';
import { ActionRefused, type ActionKind, type EscalationAction } from './actions';
import { everyone, reachedTiers, sideAudience, tierAudience } from './audiences';
import { followsWhoMayAct, heldRoles, otherSide, tierRoleRefusal } from './authority';
import type { Effect } from './effects';
import { protectiveDeadlineRefusal } from './raise-rules';
import { checkHeldAs, checkUrgencyDecision, decidedRoute, urgencyRole } from './urgency-and-formats';
import {
  branchesOf,
  close,
  computeDeadlineEffect,
  enterTier,
  isClosed,
  iso,
  meet,
  notify,
  record,
  referLearning,
  stepsCompleted,
} from './transitions';
import type { EscalationState, PlanProposal, TimelineEntry, TimelineEventType } from './types';

/**
 * People's actions, one entry per kind: what the protocol allows (`validate`, which never
 * mutates and throws ActionRefused with a reason a person understands) beside what the action
 * does (`apply`, run only after `validate` passed). Reading one entry tells the whole rule.
 */

export interface ActionContext {
  protocol: Protocol;
  state: EscalationState;
  /** The tier the case is at when the action arrives. */
  tier: Tier;
  now: Date;
  at: string;
}

type ActionOf<K extends ActionKind> = Extract<EscalationAction, { kind: K }>;

export interface ActionRule<K extends ActionKind> {
  /**
   * `tier`: only holders of the roles the current tier names for the actor's side act (cases
   * under ruleset 2; authority.ts). Absent: the entry says itself who acts.
   */
  whoActs?: 'tier';
  validate(ctx: ActionContext, action: ActionOf<K>): void;
  apply(ctx: ActionContext, action: ActionOf<K>): Effect[];
}

export function refuse(code: string, message: string): never {
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

/** Records the action on the timeline, with who did it and the record holding its text. */
function recordAction(
  { state, now }: ActionContext,
  action: EscalationAction,
  type: TimelineEventType,
  detail: TimelineEntry['detail'] = {},
) {
  record(state, now, type, detail, action.actor, action.actionId);
}

/** An agreed plan's items join the case, each with its reminder halfway to its date. */
function adoptPlan(ctx: ActionContext, items: PlanProposal['items']) {
  for (const item of items) {
    ctx.state.planItems.push({
      itemId: item.itemId,
      ownerAgencyId: item.ownerAgencyId,
      dueAt: item.dueAt,
      agreedAt: ctx.at,
      reminderAt: halfwayBetween(ctx.at, item.dueAt),
      status: 'open',
      reminded: false,
      overdueAlerted: false,
    });
  }
  if (ctx.tier.expects === 'plan-of-action' || ctx.tier.expects === 'response') meet(ctx.state, ctx.now);
}

const MEETING_ROUTES = ['chaired-meeting', 'mediation', 'resolution-panel'];
const words = (s: string) => s.replace(/-/g, ' ');

export const ACTION_RULES: { [K in ActionKind]: ActionRule<K> } = {
  'add-note': {
    // A note is part of the record whatever the tier; the API refuses notes on a closed case.
    validate() {},
    apply(ctx, action) {
      recordAction(ctx, action, 'note-added');
      return [];
    },
  },

  acknowledge: {
    whoActs: 'tier',
    validate({ state, tier, at }, action) {
      requireOpen(state);
      if (followsWhoMayAct(state)) {
        // Acknowledged by those it is raised with (or the chair the tier names), never by the
        // raiser: an acknowledgement by the raiser would lock the receiver out of the step.
        if (action.actor.side === 'raising')
          refuse(
            'wrong-side',
            'the agency the concern was raised with acknowledges it, not the raising agency',
          );
      } else {
        requireParty(action);
      }
      if (state.tier.acknowledgedAt)
        refuse('already-acknowledged', `tier ${tier.number} was already acknowledged`);
      if (action.resolveBy !== undefined) {
        if (action.actor.side !== 'partnership' || !followsWhoMayAct(state))
          refuse(
            'no-timescale-here',
            'only the chair of the step sets a timescale for resolution on acknowledging',
          );
        if (!(action.resolveBy > at))
          refuse('timescale-in-past', `the timescale ${action.resolveBy} has passed`);
      }
    },
    apply(ctx, action) {
      const { state } = ctx;
      state.tier.acknowledgedAt = ctx.at;
      recordAction(ctx, action, 'acknowledged', action.resolveBy ? { resolveBy: action.resolveBy } : {});
      if (action.resolveBy) {
        // BSCB stage 4: "Receipt must be acknowledged ... setting out a timescale for
        // resolution": that timescale becomes the step's deadline.
        state.tier.dueAt = action.resolveBy;
        state.tier.timescaleSetBy = 'chair';
        state.tier.explanation = `due ${action.resolveBy}: the timescale for resolution set by the chair on acknowledging`;
        state.tier.reminders = [halfwayBetween(ctx.at, action.resolveBy)].filter((r): r is string => !!r);
        state.tier.breachedAt = null;
        record(state, ctx.now, 'deadline-set', {
          dueAt: action.resolveBy,
          explanation: state.tier.explanation,
        });
        return [];
      }
      if (ctx.tier.expects === 'acknowledgement') meet(state, ctx.now);
      return [];
    },
  },

  respond: {
    whoActs: 'tier',
    validate({ state, tier }, action) {
      requireOpen(state);
      if (
        action.actor.side !== 'receiving' &&
        !(tier.partnershipRoles.length && action.actor.side === 'partnership')
      ) {
        refuse('wrong-side', 'the response comes from the agency the concern was raised with');
      }
    },
    apply(ctx, action) {
      recordAction(ctx, action, 'responded');
      if (ctx.tier.expects === 'response') meet(ctx.state, ctx.now);
      return [];
    },
  },

  'agree-plan': {
    whoActs: 'tier',
    validate({ state, tier, at }, action) {
      requireOpen(state);
      requireParty(action);
      if (
        followsWhoMayAct(state) &&
        tier.planAgreedBy !== 'both-sides' &&
        action.actor.side !== tier.planAgreedBy
      )
        refuse(
          'wrong-side',
          `at tier ${tier.number} the ${tier.planAgreedBy} agency sets the plan of action`,
        );
      if (action.items.length === 0)
        refuse('empty-plan', 'a plan of action needs at least one item (who, what, by when)');
      // 001 s117 aftercare: each step is held as the tier says (conductedAs); the plan says which.
      checkHeldAs(state, tier, action.heldAs);
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
    },
    apply(ctx, action) {
      const { state, tier } = ctx;
      if (followsWhoMayAct(state) && tier.planAgreedBy === 'both-sides') {
        // "A mutually agreed plan": one side's plan stops nothing until the other side accepts
        // it. A plan from the other side while one waits is a counter-proposal and replaces it.
        const side = action.actor.side as 'raising' | 'receiving';
        state.planProposal = {
          side,
          by: action.actor,
          actionId: action.actionId,
          proposedAt: ctx.at,
          items: action.items.map((i) => ({ ...i })),
          ...(action.heldAs ? { heldAs: action.heldAs } : {}),
        };
        recordAction(ctx, action, 'plan-proposed', {
          items: action.items.length,
          awaiting: otherSide(side),
          ...(action.heldAs ? { heldAs: action.heldAs } : {}),
        });
        return [notify(state, 'plan-proposed', sideAudience(tier, otherSide(side)), action.actionId)];
      }
      adoptPlan(ctx, action.items);
      recordAction(ctx, action, 'plan-agreed', {
        items: action.items.length,
        ...(action.heldAs ? { heldAs: action.heldAs } : {}),
      });
      return [];
    },
  },

  'accept-plan': {
    whoActs: 'tier',
    validate({ state }, action) {
      requireOpen(state);
      requireParty(action);
      const proposal = state.planProposal;
      if (!proposal) refuse('no-plan-proposed', 'no plan of action is waiting for agreement');
      if (proposal.side === action.actor.side)
        refuse('wrong-side', 'the other agency agrees a proposed plan; propose a changed plan to revise it');
    },
    apply(ctx, action) {
      const proposal = ctx.state.planProposal!;
      ctx.state.planProposal = null;
      adoptPlan(ctx, proposal.items);
      recordAction(ctx, action, 'plan-agreed', {
        items: proposal.items.length,
        proposalActionId: proposal.actionId,
        proposedBy: proposal.side,
        ...(proposal.heldAs ? { heldAs: proposal.heldAs } : {}),
      });
      return [];
    },
  },

  'complete-plan-item': {
    validate({ state }, action) {
      requireOpen(state);
      const item = state.planItems.find((i) => i.itemId === action.itemId);
      if (!item) refuse('unknown-plan-item', `no plan item ${action.itemId} in this escalation`);
      if (item.status === 'done') refuse('plan-item-done', `plan item ${action.itemId} is already done`);
    },
    apply(ctx, action) {
      const item = ctx.state.planItems.find((i) => i.itemId === action.itemId)!;
      item.status = 'done';
      recordAction(ctx, action, 'plan-item-completed', { itemId: item.itemId });
      return [];
    },
  },

  'complete-step': {
    // Who completes a step is the step's owner (`steps[].owner`: its side and roles), not the
    // tier's acting roles: a form is issued by the side that issues it, the reply by the other.
    validate({ state, tier }, action) {
      requireOpen(state);
      const steps = tier.steps ?? [];
      if (steps.length === 0 || !state.tier.steps)
        refuse('no-steps', `tier ${tier.number} (${tier.title}) has no steps to complete`);
      const index = steps.findIndex((s) => s.key === action.stepKey);
      if (index < 0) refuse('unknown-step', `stepKey must be one of: ${steps.map((s) => s.key).join(', ')}`);
      const step = steps[index];
      const progress = state.tier.steps.find((s) => s.key === step.key)!;
      if (progress.completedAt)
        refuse('step-complete', `"${step.title}" was already completed at ${progress.completedAt}`);
      const before = state.tier.steps.slice(0, index).find((s) => !s.completedAt);
      if (before)
        refuse(
          'step-out-of-order',
          `"${steps.find((s) => s.key === before.key)!.title}" comes first; it is not complete yet`,
        );
      const roles: string[] = step.owner.roles;
      if (action.actor.side !== step.owner.side || !heldRoles(action.actor).some((r) => roles.includes(r)))
        refuse('not-step-owner', stepOwnerRefusal(step));
    },
    apply(ctx, action) {
      const { state, tier } = ctx;
      const progress = state.tier.steps!.find((s) => s.key === action.stepKey)!;
      progress.completedAt = ctx.at;
      progress.completedBy = action.actor;
      progress.reminders = [];
      const index = tier.steps!.findIndex((s) => s.key === action.stepKey);
      recordAction(ctx, action, 'step-completed', {
        step: action.stepKey,
        owner: progress.side,
        dueAt: progress.dueAt,
        late: !!progress.dueAt && progress.dueAt < ctx.at,
      });
      // The last step done is what the tier expects: nothing left to breach.
      if (index === tier.steps!.length - 1) {
        meet(state, ctx.now);
        return [];
      }
      // The next step may count from this one's completion: count the steps (and the tier) again.
      state.tier.deadlinePending = true;
      const { type: _type, ...request } = computeDeadlineEffect(state);
      return [{ type: 'recount-deadline', because: 'step-completed', request }];
    },
  },

  resolve: {
    whoActs: 'tier',
    validate({ state }, action) {
      requireOpen(state);
      requireParty(action);
      if (state.resolution[action.actor.side as 'raising' | 'receiving']) {
        refuse('already-confirmed', `the ${action.actor.side} agency has already confirmed the resolution`);
      }
    },
    apply(ctx, action) {
      const { protocol, state, now } = ctx;
      const side = action.actor.side as 'raising' | 'receiving';
      state.resolution[side] = ctx.at;
      recordAction(ctx, action, 'resolution-confirmed', { side });
      const both = state.resolution.raising && state.resolution.receiving;
      if (protocol.resolutionNeedsBothSides && !both) return [];
      const effects: Effect[] = [];
      if (action.referLearning)
        effects.push(...referLearning(protocol, state, now, action.actor, action.actionId));
      effects.push(...close(protocol, state, 'resolved', now));
      return effects;
    },
  },

  escalate: {
    // Who escalates is the tier's acting roles, or those the tier names to judge an
    // unsatisfactory answer (`escalatedBy`): checked here, so the one rule says both.
    validate({ protocol, state, tier }, action) {
      requireOpen(state);
      const judges = tier.escalatedBy;
      if (followsWhoMayAct(state)) {
        if (judges) {
          const roles: string[] = judges[action.actor.side];
          if (!heldRoles(action.actor).some((r) => roles.includes(r)))
            refuse('not-the-judge', escalationJudgeRefusal(tier, judges));
        } else {
          const refusal = tierRoleRefusal(tier, action.actor, action.kind);
          if (refusal) refuse('not-your-tier', refusal);
        }
      }
      // A partnership role escalates only where the tier names it to judge.
      if (!(judges && action.actor.side === 'partnership' && judges.partnership.length > 0))
        requireParty(action);
      if (tier.number >= lastTierNumber(protocol)) {
        refuse(
          'final-tier',
          `tier ${tier.number} (${tier.title}) is the final step; it ends with a decision`,
        );
      }
      // Every protocol asks the escalating professional to say why the case moves up now; the
      // reason itself stays in Postgres, the workflow only learns that one was given.
      if (action.reasonGiven !== true) {
        refuse('reason-required', 'say why the escalation moves to the next tier now (a reason is required)');
      }
      const choice = routeChoice(protocol, state, tier.number + 1);
      // The urgency the named roles decided names the route, so it may be left out; a route
      // against that decision is refused rather than silently overriding it.
      const decided = choice ? decidedRoute(protocol, state, tier.number + 1) : null;
      if (choice && !action.route && !decided)
        refuse('route-required', `choose the next step's route: ${choice.join(' or ')}`);
      if (choice && action.route && !choice.includes(action.route))
        refuse('unknown-route', `route must be one of: ${choice.join(', ')}`);
      if (decided && action.route && action.route !== decided)
        refuse(
          'route-against-urgency',
          `the case was decided ${state.urgency!.urgent ? 'urgent' : 'not urgent'}, so its next step is ${decided}; decide urgency again first to take ${action.route}`,
        );
      if (!choice && action.route !== undefined)
        refuse('no-route-choice', `the next step of ${protocol.id} is not chosen by people; leave out route`);
    },
    apply(ctx, action) {
      const next = ctx.tier.number + 1;
      const fromUrgency =
        !action.route && routeChoice(ctx.protocol, ctx.state, next)
          ? (decidedRoute(ctx.protocol, ctx.state, next) ?? undefined)
          : undefined;
      const route = action.route ?? fromUrgency;
      recordAction(ctx, action, 'escalated', {
        from: ctx.tier.number,
        to: next,
        ...(route ? { route } : {}),
        ...(fromUrgency ? { routeBecause: 'urgency-decided' } : {}),
      });
      return enterTier(ctx.protocol, ctx.state, next, 'escalated', ctx.now, route);
    },
  },

  'flag-immediate-risk': {
    // Anyone with a part in the case may flag immediate risk, at any tier: the child's or
    // adult's safety comes before the order of the steps.
    validate({ state }) {
      requireOpen(state);
      if (state.immediateRisk)
        refuse('already-flagged', 'immediate risk is already flagged on this escalation');
    },
    apply(ctx, action) {
      const { protocol, state, tier, now } = ctx;
      state.immediateRisk = true;
      state.urgent = true;
      recordAction(ctx, action, 'immediate-risk-flagged');
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
          ...stepsCompleted(state),
        });
      }
      return effects;
    },
  },

  'propose-extension': {
    whoActs: 'tier',
    validate({ protocol, state, tier }, action) {
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
    },
    apply(ctx, action) {
      const { state } = ctx;
      state.extension = { proposedDueAt: action.dueAt, proposedBy: action.actor, actionId: action.actionId };
      recordAction(ctx, action, 'extension-proposed', {
        dueAt: action.dueAt,
        currentDueAt: state.tier.dueAt,
      });
      return [notify(state, 'extension-proposed', tierAudience(ctx.protocol, ctx.tier), action.actionId)];
    },
  },

  'accept-extension': {
    whoActs: 'tier',
    validate: validateExtensionAnswer,
    apply(ctx, action) {
      const { state } = ctx;
      const ext = state.extension!;
      state.tier.extendedFrom = state.tier.dueAt;
      state.tier.dueAt = ext.proposedDueAt;
      state.tier.explanation = `due ${ext.proposedDueAt}: a longer timetable agreed between the agencies`;
      state.tier.reminders = [halfwayBetween(ctx.at, ext.proposedDueAt)].filter((r): r is string => !!r);
      state.extension = null;
      recordAction(ctx, action, 'extension-agreed', {
        dueAt: ext.proposedDueAt,
        previousDueAt: state.tier.extendedFrom,
      });
      return [notify(state, 'extension-agreed', tierAudience(ctx.protocol, ctx.tier), action.actionId)];
    },
  },

  'decline-extension': {
    whoActs: 'tier',
    validate: validateExtensionAnswer,
    apply(ctx, action) {
      ctx.state.extension = null;
      recordAction(ctx, action, 'extension-declined');
      return [];
    },
  },

  'schedule-meeting': {
    whoActs: 'tier',
    validate({ protocol, state, tier, at }, action) {
      requireOpen(state);
      const route = routeOf(protocol, tier);
      const meetingTier =
        tier.expects === 'meeting-date' ||
        (route && MEETING_ROUTES.includes(route.kind)) ||
        tier.partnershipRoles.length > 0;
      if (!meetingTier)
        refuse('no-meeting-here', `tier ${tier.number} (${tier.title}) has no chaired meeting or panel`);
      if (!(action.at > at)) refuse('meeting-in-past', `the meeting date ${action.at} has passed`);
      checkHeldAs(state, tier, action.heldAs);
    },
    apply(ctx, action) {
      const { protocol, state } = ctx;
      state.tier.meeting = {
        kind: action.meetingKind,
        at: action.at,
        actionId: action.actionId,
        ...(action.heldAs ? { heldAs: action.heldAs } : {}),
      };
      recordAction(ctx, action, 'meeting-scheduled', {
        meetingKind: action.meetingKind,
        at: action.at,
        ...(action.heldAs ? { heldAs: action.heldAs } : {}),
      });
      if (ctx.tier.expects === 'meeting-date' || ctx.tier.expects === 'acknowledgement') meet(state, ctx.now);
      return [
        notify(
          state,
          'meeting-scheduled',
          everyone(protocol, reachedTiers(protocol, state)),
          action.actionId,
        ),
      ];
    },
  },

  'record-decision': {
    validate({ protocol, state, tier }, action) {
      requireOpen(state);
      if (
        action.actor.side !== 'partnership' ||
        !heldRoles(action.actor).includes(protocol.finalDecision.by)
      ) {
        refuse('not-the-chair', `only the ${words(protocol.finalDecision.by)} records the final decision`);
      }
      if (tier.number !== lastTierNumber(protocol)) {
        refuse(
          'not-final-tier',
          `the final decision is made at tier ${lastTierNumber(protocol)}; the case is at tier ${tier.number}`,
        );
      }
      if (followsWhoMayAct(state) && protocol.finalDecision.appointedBy) {
        // The chair is appointed on the case; another holder of the role does not decide it.
        if (!state.chair) refuse('no-chair-appointed', 'no chair has been appointed for this case yet');
        if (state.chair.personId !== action.actor.personId)
          refuse(
            'not-the-appointed-chair',
            'only the chair appointed for this case records its final decision',
          );
      }
      if (action.outcome && tier.outcomes.length && !tier.outcomes.includes(action.outcome)) {
        refuse('unknown-outcome', `outcome must be one of: ${tier.outcomes.join(', ')}`);
      }
    },
    apply(ctx, action) {
      const { protocol, state, now } = ctx;
      state.decision = {
        at: ctx.at,
        by: action.actor,
        actionId: action.actionId,
        outcome: action.outcome ?? null,
      };
      recordAction(ctx, action, 'final-decision-recorded', { outcome: action.outcome ?? null });
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
    },
  },

  'refer-learning': {
    validate({ state, tier }, action) {
      requireOpen(state);
      // The acting roles advise a referral (Lincolnshire step 4: "Senior Liaison Officers can
      // advise"); partnership roles (business manager, sub-group chair) may refer at any step.
      if (followsWhoMayAct(state) && action.actor.side !== 'partnership') {
        const refusal = tierRoleRefusal(tier, action.actor, action.kind);
        if (refusal) refuse('not-your-tier', refusal);
      }
      if (state.learningReferredAt)
        refuse('already-referred', 'learning is already referred to the sub-group');
    },
    apply({ protocol, state, now }, action) {
      return referLearning(protocol, state, now, action.actor, action.actionId);
    },
  },

  'appoint-chair': {
    validate({ protocol, state }, action) {
      requireOpen(state);
      const by = protocol.finalDecision.appointedBy;
      if (!followsWhoMayAct(state) || !by)
        refuse('no-appointment', `protocol ${protocol.id} does not appoint a chair on the case`);
      if (
        action.actor.side !== 'partnership' ||
        !heldRoles(action.actor).some((r) => (by as string[]).includes(r))
      )
        refuse('not-the-appointer', `the chair is appointed by the ${by.map(words).join(' or the ')}`);
      if (state.decision)
        refuse('already-decided', 'the final decision is recorded; the chair can no longer change');
    },
    apply(ctx, action) {
      const { protocol, state } = ctx;
      state.chair = {
        personId: action.chairPersonId,
        appointedBy: action.actor,
        actionId: action.actionId,
        at: ctx.at,
      };
      recordAction(ctx, action, 'chair-appointed', { chairPersonId: action.chairPersonId });
      return [
        notify(state, 'chair-appointed', everyone(protocol, reachedTiers(protocol, state)), action.actionId),
      ];
    },
  },

  'set-protective-deadline': {
    // Who sets it is the tier's own list (`protectiveDeadline.setBy`), agency or partnership
    // roles, not the roles acting at the tier: a safeguarding lead may set it at step 1.
    validate({ state, tier, now }, action) {
      requireOpen(state);
      const refusal = protectiveDeadlineRefusal(tier, heldRoles(action.actor), new Date(action.dueAt), now);
      if (refusal) refuse(refusal.code, `dueAt: ${refusal.message}`);
      // A date that protects a child, moved after the raise: the record says who and why.
      if (action.reasonGiven !== true)
        refuse(
          'reason-required',
          'say why the protective timescale is set or changed (a reason is required)',
        );
    },
    apply(ctx, action) {
      const { state, tier } = ctx;
      const dueAt = iso(new Date(action.dueAt));
      const previous = state.protectiveDeadline ?? null;
      state.protectiveDeadline = dueAt;
      const setAs = heldRoles(action.actor).find((r) => tier.protectiveDeadline!.setBy.includes(r)) ?? null;
      const live = !state.tier.metAt && !state.tier.breachedAt;
      const setByPeople = !!state.tier.extendedFrom || !!state.tier.timescaleSetBy;
      recordAction(ctx, action, 'protective-deadline-set', {
        dueAt,
        previous,
        setAs,
        // Whether it is counted into this tier's deadline now, or governs later tiers only (a
        // tier already met or breached keeps the date it had).
        appliesTo: live ? 'this-tier' : 'later-tiers',
      });
      if (!live) return [];
      if (setByPeople) {
        // An agreed extension or the chair's timescale is people's date, not a count: the
        // protective date replaces it only when earlier ("the shorter of" the two).
        if (state.tier.dueAt && dueAt >= state.tier.dueAt) return [];
        const from = state.tier.dueAt;
        state.tier.dueAt = dueAt;
        state.tier.explanation = `due ${dueAt}: a timescale that protects the child from harm, set for this case, which is earlier than the date agreed before (${from ?? 'none'})`;
        state.tier.reminders = [halfwayBetween(ctx.at, dueAt)].filter((r): r is string => !!r);
        record(state, ctx.now, 'deadline-recomputed', {
          from,
          dueAt,
          explanation: state.tier.explanation,
          because: 'protective-deadline',
        });
        return [];
      }
      state.tier.deadlinePending = true;
      const { type: _type, ...request } = computeDeadlineEffect(state);
      return [{ type: 'recount-deadline', because: 'protective-deadline', request }];
    },
  },

  'record-outcome': {
    // Who records a named outcome, and where, is the outcome's own (`recordedBy`, `atTiers`), not
    // the tier's acting roles: Sutton 7.3's designated safeguarding lead decides whether to concur.
    validate({ protocol, state, tier }, action) {
      requireOpen(state);
      // A protocol pinned before the field existed names none.
      const offered = protocol.closingOutcomes ?? [];
      if (offered.length === 0)
        refuse('no-named-outcomes', `protocol ${protocol.id} v${protocol.version} names no closing outcomes`);
      const outcome = offered.find((o) => o.key === action.outcome);
      if (!outcome)
        refuse('unknown-outcome', `outcome must be one of: ${offered.map((o) => o.key).join(', ')}`);
      if (!outcome.atTiers.includes(tier.number))
        refuse(
          'not-at-this-tier',
          `"${outcome.title}" is recorded at tier ${outcome.atTiers.join(' or ')}; the case is at tier ${tier.number}`,
        );
      if (!outcomeRole(outcome, action.actor)) {
        const by = (['raising', 'receiving', 'partnership'] as const)
          .filter((side) => outcome.recordedBy[side].length > 0)
          .map(
            (side) =>
              `${side === 'partnership' ? 'the partnership' : `the ${side} agency`}'s ${outcome.recordedBy[
                side
              ]
                .map(words)
                .join(' or ')}`,
          );
        refuse('not-your-role', `"${outcome.title}" is recorded by ${by.join(', or ')}`);
      }
      if (action.accountGiven !== true)
        refuse('account-required', `record what was decided and why ("${outcome.title}" needs its account)`);
    },
    apply(ctx, action) {
      const { protocol, state, now } = ctx;
      const outcome = protocol.closingOutcomes.find((o) => o.key === action.outcome)!;
      state.outcome = { key: outcome.key, at: ctx.at, by: action.actor, actionId: action.actionId };
      recordAction(ctx, action, 'outcome-recorded', {
        outcome: outcome.key,
        title: outcome.title,
        recordedAs: outcomeRole(outcome, action.actor),
      });
      meet(state, now);
      return close(protocol, state, 'closed-with-outcome', now);
    },
  },

  'decide-urgency': {
    // Who decides is the protocol's own list (`urgencyDecidedBy`), not the roles acting at the
    // tier: Lincolnshire's SLOs judge whether step 4 is the urgent meeting (4a) or the learning
    // referral (4b). Immediate risk stays apart: it is flagged, not decided here.
    validate({ protocol, state }, action) {
      checkUrgencyDecision(protocol, state, action);
    },
    apply(ctx, action) {
      const { protocol, state } = ctx;
      const previous = state.urgency?.urgent ?? null;
      const decidedAs = urgencyRole(protocol, action.actor) ?? action.actor.role;
      state.urgency = {
        urgent: action.urgent,
        at: ctx.at,
        by: action.actor,
        decidedAs,
        actionId: action.actionId,
      };
      state.urgent = action.urgent || state.immediateRisk;
      recordAction(ctx, action, 'urgency-decided', { urgent: action.urgent, previous, decidedAs });
      return [];
    },
  },

  withdraw: {
    validate({ state }, action) {
      requireOpen(state);
      if (action.actor.personId !== state.raisedBy.personId)
        refuse('not-the-raiser', 'only the person who raised it withdraws an escalation');
    },
    apply(ctx, action) {
      recordAction(ctx, action, 'withdrawn');
      return close(ctx.protocol, ctx.state, 'withdrawn', ctx.now);
    },
  },
};

/** Who completes a step, in a sentence. */
function stepOwnerRefusal(step: NonNullable<Tier['steps']>[number]): string {
  const side = step.owner.side === 'partnership' ? 'the partnership' : `the ${step.owner.side} agency`;
  return `"${step.title}" is completed by ${side}'s ${step.owner.roles.map(words).join(' or ')}`;
}

/** Who judges an unsatisfactory answer at this tier, in a sentence. */
function escalationJudgeRefusal(tier: Tier, judges: NonNullable<Tier['escalatedBy']>): string {
  const who = (['raising', 'receiving', 'partnership'] as const)
    .filter((side) => judges[side].length > 0)
    .map(
      (side) =>
        `${side === 'partnership' ? 'the partnership' : `the ${side} agency`}'s ${judges[side].map(words).join(' or ')}`,
    );
  return `at tier ${tier.number} (${tier.title}) whether the answer is unsatisfactory, and the case escalates, is judged by ${who.join(', or ')}`;
}

/** The role the actor records a named outcome in, or null when the outcome names none of theirs. */
export function outcomeRole(outcome: ClosingOutcome, actor: EscalationAction['actor']) {
  const roles: string[] = outcome.recordedBy[actor.side];
  return heldRoles(actor).find((r) => roles.includes(r)) ?? null;
}

/** The other agency answers a proposed extension (and, where the protocol says so, only the raiser). */
function validateExtensionAnswer(
  { protocol, state }: ActionContext,
  action: ActionOf<'accept-extension' | 'decline-extension'>,
) {
  requireOpen(state);
  if (!state.extension) refuse('no-extension', 'no extension has been proposed');
  requireParty(action);
  if (action.actor.side === state.extension.proposedBy.side) {
    refuse('wrong-side', 'the other agency answers a proposed extension');
  }
  if (protocol.extensions.agreedBy === 'raising' && action.actor.side !== 'raising') {
    refuse('wrong-side', 'the escalating agency agrees a longer timetable');
  }
}

/**
 * The routes people choose between for step n, or null when the system picks (by urgency) or
 * the step does not branch. Immediate risk keeps the system's choice: no wait for a decision.
 */
export function routeChoice(protocol: Protocol, state: EscalationState, n: number): string[] | null {
  if (!followsWhoMayAct(state) || protocol.finalRouteChosenBy !== 'people' || state.immediateRisk)
    return null;
  const branches = branchesOf(protocol, n);
  return branches.length > 1 ? branches : null;
}
