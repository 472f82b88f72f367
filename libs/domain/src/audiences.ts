import type { Protocol, Tier, TierStep } from '@resolve/protocols';
import type { Audience } from './effects';
import type { EscalationState } from './types';

/**
 * Who hears of a step: the roles of the tier that acts, everyone a case has reached, or one
 * agency's people. The notifier turns an audience into people from the directory.
 */

export function tierAudience(protocol: Protocol, tier: Tier): Audience {
  const agencyRoles = [...new Set([...tier.roles.raising, ...tier.roles.receiving])].filter(
    (r) => r !== 'practitioner',
  );
  return {
    parties: tier.roles.raising.includes('practitioner') || tier.roles.receiving.includes('practitioner'),
    agencyRoles,
    sides: ['raising', 'receiving'],
    partnershipRoles: [...tier.partnershipRoles],
    ...ownLineManager([tier]),
  };
}

/** Present only when a tier says so, so notices of other protocols keep their exact shape. */
function ownLineManager(tiers: Tier[]): { ownLineManager?: true } {
  return tiers.some((t) => t.ownLineManager) ? { ownLineManager: true } : {};
}

export function everyone(protocol: Protocol, reached: Tier[]): Audience {
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
    ...ownLineManager(reached),
  };
}

export function reachedTiers(protocol: Protocol, state: EscalationState): Tier[] {
  return protocol.tiers.filter((t) => t.number < state.tier.number || t.key === state.tier.key);
}

export function ownerAudience(protocol: Protocol, tier: Tier, agencyId: string): Audience {
  return { ...tierAudience(protocol, tier), onlyAgencyIds: [agencyId] };
}

/** One side's acting people at a tier: the other side of a proposal, whose move it is. */
export function sideAudience(tier: Tier, side: 'raising' | 'receiving'): Audience {
  return {
    parties: tier.roles[side].includes('practitioner'),
    agencyRoles: tier.roles[side].filter((r) => r !== 'practitioner'),
    sides: [side],
    partnershipRoles: [],
    ...ownLineManager([tier]),
  };
}

/**
 * Those the protocol tells at every stage without acting (`informedAtEveryStage`): a partnership
 * role, or an agency role in each of the case's two agencies. Null when it names none (and for a
 * definition pinned before the field existed), so other protocols' notices keep their shape.
 */
export function informedAtEveryStage(protocol: Protocol): Audience | null {
  const list = protocol.informedAtEveryStage ?? [];
  if (list.length === 0) return null;
  const agencyRoles = [...new Set(list.flatMap((r) => (r.agencyRole ? [r.agencyRole] : [])))];
  return {
    parties: false,
    agencyRoles,
    sides: agencyRoles.length > 0 ? ['raising', 'receiving'] : [],
    partnershipRoles: [...new Set(list.flatMap((r) => (r.partnershipRole ? [r.partnershipRole] : [])))],
  };
}

/** An audience with the protocol's every-stage recipients added (unchanged when it names none). */
export function withInformed(protocol: Protocol, audience: Audience): Audience {
  const informed = informedAtEveryStage(protocol);
  if (!informed) return audience;
  return {
    ...audience,
    agencyRoles: [...new Set([...audience.agencyRoles, ...informed.agencyRoles])],
    sides: [...new Set([...audience.sides, ...informed.sides])],
    partnershipRoles: [...new Set([...audience.partnershipRoles, ...informed.partnershipRoles])],
  };
}

/**
 * The owner of one of a tier's consecutive deadlines (`steps`): the holders of the roles it
 * names, on its side (the partnership's roles for a partnership step). Its reminder and its
 * overdue alert go to them, not to the whole tier.
 */
export function stepOwnerAudience(step: TierStep): Audience {
  const side = step.owner.side;
  if (side === 'partnership') {
    return {
      parties: false,
      agencyRoles: [],
      sides: [],
      partnershipRoles: step.owner.roles as Audience['partnershipRoles'],
    };
  }
  const roles = step.owner.roles as Audience['agencyRoles'];
  // A practitioner-owned step is the case's professional of that side only, not the other's.
  const practitioner = roles.includes('practitioner');
  return {
    parties: practitioner,
    ...(practitioner ? { partySides: [side] } : {}),
    agencyRoles: roles.filter((r) => r !== 'practitioner'),
    sides: [side],
    partnershipRoles: [],
  };
}
