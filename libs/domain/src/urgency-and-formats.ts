import { TIER_FORMATS, type Protocol, type Tier } from '@resolve/protocols';
import { ActionRefused, type EscalationAction } from './actions';
import { heldRoles } from './authority';
import { isClosed } from './transitions';
import type { Actor, EscalationState } from './types';

/**
 * Two facts people decide about a case that the engine used to infer or ignore:
 *
 * - Urgency (Lincolnshire step 4: "Urgent resolution required" or "Non-urgent and/or lessons
 *   learned") is the judgement of the roles the protocol names (`urgencyDecidedBy`), recorded with
 *   a reason. It is not immediate risk: immediate risk is the fast track, flagged apart, and
 *   always takes the urgent route.
 * - How a tier is held (Lincolnshire 001, section 117 aftercare: "Line Manager intervention or
 *   where appropriate multi-disciplinary meetings"): the plan or meeting that records the tier
 *   names one of the tier's formats (`conductedAs`).
 */

const words = (s: string) => s.replace(/-/g, ' ');

// ---------------------------------------------------------------------------------------------
// Urgency

/** The role the actor decides urgency in, or null when the protocol names none of theirs. */
export function urgencyRole(protocol: Protocol, actor: Actor): string | null {
  const by = protocol.urgencyDecidedBy;
  if (!by) return null;
  const roles: string[] = by[actor.side];
  return heldRoles(actor).find((r) => roles.includes(r)) ?? null;
}

/** Who decides urgency, in a sentence: "the raising agency's senior liaison officer, or ...". */
export function urgencyDeciders(protocol: Protocol): string {
  const by = protocol.urgencyDecidedBy;
  if (!by) return 'nobody (urgency follows immediate risk)';
  return (['raising', 'receiving', 'partnership'] as const)
    .filter((side) => by[side].length > 0)
    .map(
      (side) =>
        `${side === 'partnership' ? 'the partnership' : `the ${side} agency`}'s ${by[side].map(words).join(' or ')}`,
    )
    .join(', or ');
}

/**
 * The step whose route urgency picks: the first step with an urgent and a non-urgent route
 * (Lincolnshire step 4); null when the protocol does not branch on urgency.
 */
export function urgencyStep(protocol: Protocol): number | null {
  const byUrgency = protocol.tiers.filter((t) => {
    const when = protocol.finalRoutes.find((r) => r.key === t.route)?.when;
    return when === 'urgent' || when === 'non-urgent';
  });
  return byUrgency.length ? Math.min(...byUrgency.map((t) => t.number)) : null;
}

/** The route of step n that the decided urgency names, or null when none is decided or n does not branch on it. */
export function decidedRoute(protocol: Protocol, state: EscalationState, n: number): string | null {
  if (!state.urgency) return null;
  const wanted = state.urgency.urgent ? 'urgent' : 'non-urgent';
  const tier = protocol.tiers.find(
    (t) => t.number === n && t.route && protocol.finalRoutes.find((r) => r.key === t.route)?.when === wanted,
  );
  return tier?.route ?? null;
}

/** Throws ActionRefused, with the reason, when the actor may not decide urgency now. */
export function checkUrgencyDecision(
  protocol: Protocol,
  state: EscalationState,
  action: Extract<EscalationAction, { kind: 'decide-urgency' }>,
): void {
  if (isClosed(state))
    throw new ActionRefused('closed', `the escalation is ${state.status}; no further actions are possible`);
  // A protocol pinned before the field existed names nobody.
  const by = protocol.urgencyDecidedBy;
  if (!by)
    throw new ActionRefused(
      'no-urgency-decision',
      `protocol ${protocol.id} v${protocol.version} names nobody who decides urgency; urgency follows immediate risk`,
    );
  if (typeof action.urgent !== 'boolean')
    throw new ActionRefused('urgent-required', 'say whether the case is urgent (urgent: true or false)');
  if (!urgencyRole(protocol, action.actor))
    throw new ActionRefused(
      'not-your-role',
      `whether the case is urgent is decided by ${urgencyDeciders(protocol)} (${by.clause}); you hold ${heldRoles(action.actor).map(words).join(', ')}`,
    );
  const step = urgencyStep(protocol);
  if (step !== null && state.tier.number >= step)
    throw new ActionRefused(
      'route-taken',
      `urgency picks the route of step ${step}, which the case has reached (${state.tier.route ? words(state.tier.route) : `step ${state.tier.number}`}); it can no longer change`,
    );
  if (state.immediateRisk && !action.urgent)
    throw new ActionRefused(
      'immediate-risk',
      'immediate risk is flagged on this case, and it takes the urgent route whatever is decided; it cannot be decided not urgent',
    );
  if (action.reasonGiven !== true)
    throw new ActionRefused(
      'reason-required',
      'say why the case is, or is not, urgent (a reason is required)',
    );
}

/**
 * Where the case's urgency comes from, in a sentence, for the case page and the API: the named
 * roles' decision, immediate risk, or neither yet.
 */
export function urgencyExplanation(protocol: Protocol, state: EscalationState): string {
  const step = urgencyStep(protocol);
  const route = (urgent: boolean) => {
    if (step === null) return '';
    const wanted = urgent ? 'urgent' : 'non-urgent';
    const r = protocol.finalRoutes.find(
      (x) => x.when === wanted && protocol.tiers.some((t) => t.number === step && t.route === x.key),
    );
    return r ? `; step ${step} is then ${r.title}` : '';
  };
  const risk = state.immediateRisk
    ? ' Immediate risk is flagged as well: the fast track applies and the case takes the urgent route.'
    : '';
  if (state.urgency) {
    const as = words(state.urgency.decidedAs);
    return `${state.urgency.urgent ? 'Urgent' : 'Not urgent'}: decided by the ${state.urgency.by.side === 'partnership' ? 'partnership' : `${state.urgency.by.side} agency`}'s ${as}${route(state.urgency.urgent)}.${risk}`;
  }
  if (!protocol.urgencyDecidedBy)
    return state.immediateRisk
      ? `Urgent: immediate risk is flagged${route(true)}.`
      : `Not urgent: this protocol has urgency follow immediate risk, which is not flagged${route(false)}.`;
  return state.immediateRisk
    ? `Urgent because immediate risk is flagged${route(true)}. Urgency is not decided yet: ${urgencyDeciders(protocol)} decide it (${protocol.urgencyDecidedBy.clause}).`
    : `Not decided yet: ${urgencyDeciders(protocol)} decide whether the case is urgent (${protocol.urgencyDecidedBy.clause}).`;
}

// ---------------------------------------------------------------------------------------------
// How a tier is held

/**
 * Throws ActionRefused when `heldAs` is refused at this tier. Where the tier names its
 * formats, the plan or meeting names one of them (required for cases raised since the rule, so a
 * recorded history replays as it ran); elsewhere it may name any format, or none.
 */
export function checkHeldAs(state: EscalationState, tier: Tier, heldAs: string | undefined): void {
  const formats: string[] = tier.conductedAs ?? [];
  const where = `tier ${tier.number} (${tier.title})`;
  if (heldAs === undefined) {
    if (formats.length > 0 && state.tierFormatRequired)
      throw new ActionRefused(
        'format-required',
        `say how ${where} is held (heldAs): ${formats.join(' or ')}, as the protocol says (${tier.clause})`,
      );
    return;
  }
  if (formats.length > 0 && !formats.includes(heldAs))
    throw new ActionRefused(
      'format-not-allowed',
      `${where} is held as ${formats.join(' or ')} (${tier.clause}); "${heldAs}" is not one of them`,
    );
  if (!(TIER_FORMATS as readonly string[]).includes(heldAs))
    throw new ActionRefused('format-not-allowed', `heldAs must be one of: ${TIER_FORMATS.join(', ')}`);
}
