import type { Protocol } from '@resolve/protocols';
import { outcomeRole, routeChoice } from './action-rules';
import { ACTION_KINDS, ActionRefused, type ActionKind, type EscalationAction } from './actions';
import { validateAction } from './engine';
import { currentTier } from './transitions';
import type { Actor, EscalationState } from './types';

/**
 * The actions this person may take on the case now, asked of the engine itself: each kind is
 * validated with the plainest arguments a person could give (a plan item owned by their own
 * agency, a date a day after the current deadline...). Pages and the API show only these, so
 * no screen keeps a second copy of a rule. Details a person types (a date, an outcome) are
 * still checked when they act.
 */
export function availableActions(
  protocol: Protocol,
  state: EscalationState,
  actor: Actor,
  now: Date,
): ActionKind[] {
  return ACTION_KINDS.filter((kind) => {
    try {
      validateAction(protocol, state, sampleAction(protocol, state, actor, kind, now), now);
      return true;
    } catch (err) {
      if (err instanceof ActionRefused) return false;
      throw err;
    }
  });
}

const DAY = 86_400_000;

function sampleAction(
  protocol: Protocol,
  state: EscalationState,
  actor: Actor,
  kind: ActionKind,
  now: Date,
): EscalationAction {
  const base = { actor, actionId: 'availability-check' };
  const tomorrow = new Date(now.getTime() + DAY).toISOString();
  switch (kind) {
    case 'agree-plan':
      return {
        ...base,
        kind,
        items: [
          {
            itemId: 'availability-check',
            ownerAgencyId: actor.agencyId ?? state.receivingAgencyId,
            dueAt: tomorrow,
          },
        ],
        ...heldAsSample(protocol, state),
      };
    case 'complete-plan-item':
      return { ...base, kind, itemId: state.planItems.find((i) => i.status === 'open')?.itemId ?? '' };
    case 'complete-step': {
      // The step in progress: the first one not yet complete.
      const step = state.tier.steps?.find((s) => !s.completedAt);
      return { ...base, kind, stepKey: step?.key ?? '' };
    }
    case 'escalate': {
      const choice = routeChoice(protocol, state, currentTier(protocol, state).number + 1);
      return { ...base, kind, reasonGiven: true, ...(choice ? { route: choice[0] } : {}) };
    }
    case 'propose-extension': {
      const from = state.tier.dueAt ? Date.parse(state.tier.dueAt) : now.getTime();
      return { ...base, kind, dueAt: new Date(from + DAY).toISOString() };
    }
    case 'schedule-meeting':
      return { ...base, kind, meetingKind: 'meeting', at: tomorrow, ...heldAsSample(protocol, state) };
    case 'decide-urgency':
      return { ...base, kind, urgent: true, reasonGiven: true };
    case 'appoint-chair':
      return { ...base, kind, chairPersonId: 'availability-check' };
    case 'record-outcome': {
      // An outcome this person may record at this tier, if the protocol names one.
      const tier = currentTier(protocol, state).number;
      const offered = (protocol.closingOutcomes ?? []).filter((o) => o.atTiers.includes(tier));
      const theirs = offered.find((o) => outcomeRole(o, actor)) ?? offered[0];
      return { ...base, kind, outcome: theirs?.key ?? '', accountGiven: true };
    }
    case 'set-protective-deadline':
      return { ...base, kind, dueAt: tomorrow, reasonGiven: true };
    default:
      return { ...base, kind } as EscalationAction;
  }
}

/** The tier's first format, where it names how it is held (conductedAs). */
function heldAsSample(protocol: Protocol, state: EscalationState): { heldAs?: string } {
  const formats = currentTier(protocol, state).conductedAs ?? [];
  return formats.length ? { heldAs: formats[0] } : {};
}
