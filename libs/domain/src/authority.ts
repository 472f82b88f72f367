import type { AgencyRole, PartnershipRole, Tier } from '@resolve/protocols';
import type { ActionKind } from './actions';
import type { Actor, EscalationState, Side } from './types';

/**
 * Who may act at a tier. A safeguarding protocol says who decides as well as when: each tier
 * names the roles acting for the raising and the receiving agency (and the partnership roles at
 * a chaired step), and only holders of those roles, or of the deputies the tier names, act
 * there. The API says which roles the caller holds on the side they act for (`heldRoles`); the
 * engine decides whether one of them acts at the current tier.
 */

type AnyRole = AgencyRole | PartnershipRole;

/** Cases raised before these rules keep the rules they were raised under. */
export function followsWhoMayAct(state: EscalationState): boolean {
  return (state.ruleset ?? 1) >= 2;
}

/** The roles acting for one side at a tier, deputies included. */
export function rolesActingAt(tier: Tier, side: Side): AnyRole[] {
  const deputies = tier.deputies ?? { raising: [], receiving: [], partnership: [] };
  if (side === 'partnership') return [...tier.partnershipRoles, ...deputies.partnership];
  return [...tier.roles[side], ...deputies[side]];
}

/** Every role the actor holds on the side they act for; `role` alone when the API sent no list. */
export function heldRoles(actor: Actor): AnyRole[] {
  return actor.heldRoles && actor.heldRoles.length > 0 ? actor.heldRoles : [actor.role];
}

/**
 * Where the tier says "their line manager", a line manager whom the directory records as someone
 * else's acts for nobody here. When it records no line manager for the professional, the role
 * alone decides, as before the partnership kept line management in the directory.
 */
function isSomeoneElsesLineManager(tier: Tier, actor: Actor, role: AnyRole): boolean {
  return role === 'line-manager' && !!tier.ownLineManager && actor.managesPractitioner === false;
}

/** The role the actor acts in at this tier, or null when none of theirs acts here. */
export function actingRole(tier: Tier, actor: Actor): AnyRole | null {
  const acting = rolesActingAt(tier, actor.side);
  return (
    heldRoles(actor).find((r) => acting.includes(r) && !isSomeoneElsesLineManager(tier, actor, r)) ?? null
  );
}

const words = (s: string) => s.replace(/-/g, ' ');

/** Why the actor may not take this action at this tier, or null when they may. */
export function tierRoleRefusal(tier: Tier, actor: Actor, kind: ActionKind): string | null {
  if (actingRole(tier, actor)) return null;
  const acting = rolesActingAt(tier, actor.side);
  const sideName = actor.side === 'partnership' ? 'the partnership' : `the ${actor.side} agency`;
  if (heldRoles(actor).some((r) => acting.includes(r) && isSomeoneElsesLineManager(tier, actor, r))) {
    const professional =
      actor.side === 'raising' ? 'the professional who raised it' : 'the professional it was raised with';
    return (
      `at tier ${tier.number} (${tier.title}) ${sideName} acts through the own line manager of ` +
      `${professional}, and the directory records another person as their line manager, so you cannot ${words(kind)} here`
    );
  }
  const who = acting.length
    ? `${sideName} acts through the ${acting.map(words).join(' or the ')}`
    : `${sideName} takes no part`;
  return (
    `at tier ${tier.number} (${tier.title}) ${who}; ` +
    `you hold ${heldRoles(actor).map(words).join(', ')}, so you cannot ${words(kind)} here`
  );
}

/** The other agency of the disagreement. */
export function otherSide(side: 'raising' | 'receiving'): 'raising' | 'receiving' {
  return side === 'raising' ? 'receiving' : 'raising';
}
