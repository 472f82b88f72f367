import { halfwayBetween, lastTierNumber, routeOf, type Protocol, type Tier } from '@resolve/protocols';
import { ActionRefused, type ActionKind, type EscalationAction } from './actions';
import { everyone, reachedTiers, tierAudience } from './audiences';
import type { Effect } from './effects';
import { close, enterTier, isClosed, meet, notify, record, referLearning } from './transitions';
import type { EscalationState, TimelineEntry, TimelineEventType } from './types';

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
  validate(ctx: ActionContext, action: ActionOf<K>): void;
  apply(ctx: ActionContext, action: ActionOf<K>): Effect[];
}

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

/** Records the action on the timeline, with who did it and the record holding its text. */
function recordAction(
  { state, now }: ActionContext,
  action: EscalationAction,
  type: TimelineEventType,
  detail: TimelineEntry['detail'] = {},
) {
  record(state, now, type, detail, action.actor, action.actionId);
}

const MEETING_ROUTES = ['chaired-meeting', 'mediation', 'resolution-panel'];

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
    validate({ state, tier }, action) {
      requireOpen(state);
      requireParty(action);
      if (state.tier.acknowledgedAt)
        refuse('already-acknowledged', `tier ${tier.number} was already acknowledged`);
    },
    apply(ctx, action) {
      ctx.state.tier.acknowledgedAt = ctx.at;
      recordAction(ctx, action, 'acknowledged');
      if (ctx.tier.expects === 'acknowledgement') meet(ctx.state, ctx.now);
      return [];
    },
  },

  respond: {
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
    validate({ state, at }, action) {
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
    },
    apply(ctx, action) {
      for (const item of action.items) {
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
      recordAction(ctx, action, 'plan-agreed', { items: action.items.length });
      if (ctx.tier.expects === 'plan-of-action' || ctx.tier.expects === 'response') meet(ctx.state, ctx.now);
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

  resolve: {
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
    validate({ protocol, state, tier }, action) {
      requireOpen(state);
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
    },
    apply(ctx, action) {
      recordAction(ctx, action, 'escalated', { from: ctx.tier.number, to: ctx.tier.number + 1 });
      return enterTier(ctx.protocol, ctx.state, ctx.tier.number + 1, 'escalated', ctx.now);
    },
  },

  'flag-immediate-risk': {
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
        });
      }
      return effects;
    },
  },

  'propose-extension': {
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
    validate: validateExtensionAnswer,
    apply(ctx, action) {
      ctx.state.extension = null;
      recordAction(ctx, action, 'extension-declined');
      return [];
    },
  },

  'schedule-meeting': {
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
    },
    apply(ctx, action) {
      const { protocol, state } = ctx;
      state.tier.meeting = { kind: action.meetingKind, at: action.at, actionId: action.actionId };
      recordAction(ctx, action, 'meeting-scheduled', { meetingKind: action.meetingKind, at: action.at });
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
    validate({ state }) {
      requireOpen(state);
      if (state.learningReferredAt)
        refuse('already-referred', 'learning is already referred to the sub-group');
    },
    apply({ protocol, state, now }, action) {
      return referLearning(protocol, state, now, action.actor, action.actionId);
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
