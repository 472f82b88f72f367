import { addWorkingDays, type HolidaySet } from '@resolve/calendar';
import type { AgencyRole, PartnershipRole, Protocol, Tier } from '@resolve/protocols';

/**
 * The protocol shipped for trying the system out (two-minute steps): a partnership that enables
 * it may raise under it, to see the whole flow before its own protocol is written down.
 */
export const DEMO_PROTOCOL_ID = 'demo';

/** An agency as the directory knows it; null when the directory has no such agency. */
export interface RaisingParty {
  id: string;
  partnershipId: string;
}

export interface RaiseRequest {
  protocol: Pick<Protocol, 'id' | 'partnership' | 'categories'>;
  raisingAgency: RaisingParty | null;
  receivingAgency: RaisingParty | null;
  category: string;
  /** Whether the agencies' partnership has enabled the demonstration protocol. */
  demoProtocolEnabled?: boolean;
}

/** Why an escalation cannot be raised as asked. The first rule broken, in the order below. */
export type RaiseRefusalCode =
  /** The raising agency is not in the directory. */
  | 'raising-agency-unknown'
  /** The receiving agency is not in the directory. */
  | 'receiving-agency-unknown'
  /** Raised with the raising agency itself: disagreements inside one agency use its own internal protocol. */
  | 'same-agency'
  /** The two agencies belong to different partnerships. */
  | 'different-partnerships'
  /** The protocol is another partnership's (the demonstration protocol excepted). */
  | 'protocol-of-another-partnership'
  /** The demonstration protocol, in a partnership that has not enabled it. */
  | 'demo-not-enabled'
  /** The category is not one of the protocol's. */
  | 'unknown-category';

/**
 * Whether an escalation may be raised between these two agencies under this protocol: both
 * agencies exist and differ, they share a partnership, the protocol is that partnership's (or
 * the demonstration protocol, where the partnership enabled it), and the category is one the protocol knows. Null: it may.
 */
export function raiseRefusal(request: RaiseRequest): RaiseRefusalCode | null {
  const { protocol, raisingAgency: raising, receivingAgency: receiving } = request;
  if (!raising) return 'raising-agency-unknown';
  if (!receiving) return 'receiving-agency-unknown';
  // Lincolnshire 001 scope: for cross-agency disagreement; internal ones use the agency's own protocol.
  if (raising.id === receiving.id) return 'same-agency';
  if (raising.partnershipId !== receiving.partnershipId) return 'different-partnerships';
  if (protocol.partnership.id !== raising.partnershipId && protocol.id !== DEMO_PROTOCOL_ID)
    return 'protocol-of-another-partnership';
  // Two-minute steps must never govern a real case by mistake.
  if (
    protocol.id === DEMO_PROTOCOL_ID &&
    protocol.partnership.id !== raising.partnershipId &&
    !request.demoProtocolEnabled
  )
    return 'demo-not-enabled';
  if (!protocol.categories.some((c) => c.id === request.category)) return 'unknown-category';
  return null;
}

type AnyRole = AgencyRole | PartnershipRole;

/** Why a raise's optional timing and entry fields are refused: the field, and a sentence. */
export interface RaiseFieldRefusal {
  field: 'startAtTier' | 'concernIdentifiedAt' | 'protectiveDeadline';
  code: string;
  message: string;
}

/**
 * Whether a case may start at `startAtTier` when raised by someone holding `callerRoles`: tier 1
 * always; a later tier only where the protocol names entry roles for it (Sutton 7.3: a conference
 * chair starting at stage 2 or 3) and the caller holds one of them.
 */
export function tierEntryRefusal(
  protocol: Pick<Protocol, 'id' | 'tiers'>,
  startAtTier: number,
  callerRoles: readonly AnyRole[],
): RaiseFieldRefusal | null {
  if (startAtTier === 1) return null;
  const tiers = protocol.tiers.filter((t) => t.number === startAtTier);
  if (tiers.length === 0) {
    return {
      field: 'startAtTier',
      code: 'no-such-tier',
      message: `${protocol.id} has no tier ${startAtTier}`,
    };
  }
  const roles = [...new Set(tiers.flatMap((t) => t.entry?.roles ?? []))];
  if (roles.length === 0) {
    return {
      field: 'startAtTier',
      code: 'tier-entry-not-offered',
      message: `${protocol.id} does not let a case start at tier ${startAtTier}`,
    };
  }
  if (!callerRoles.some((r) => roles.includes(r))) {
    return {
      field: 'startAtTier',
      code: 'not-an-entry-role',
      message: `a case starts at tier ${startAtTier} of ${protocol.id} only when raised by the ${roles
        .map((r) => r.replace(/-/g, ' '))
        .join(' or the ')}; you hold ${callerRoles.map((r) => r.replace(/-/g, ' ')).join(', ') || 'no role'}`,
    };
  }
  return null;
}

/** The role the raiser enters a later tier in (the first of theirs the tier names), for the timeline. */
export function entryRole(tier: Tier, callerRoles: readonly AnyRole[]): AnyRole | null {
  return callerRoles.find((r) => tier.entry?.roles.includes(r)) ?? null;
}

/**
 * Whether the raise may say the concern was identified at `identifiedAt`: only where the protocol
 * sets a limit (`counting.identifiedAtNoEarlierThanWorkingDays`), not after the raise, and no
 * earlier than that many working days before it (counted as every deadline is: close of business
 * on the N-th working day after the day it was identified must not have passed at the raise).
 */
export function concernIdentifiedRefusal(
  protocol: Pick<Protocol, 'id' | 'counting' | 'nation' | 'businessHours'>,
  identifiedAt: Date,
  raisedAt: Date,
  holidays?: HolidaySet,
): RaiseFieldRefusal | null {
  const limit = protocol.counting.identifiedAtNoEarlierThanWorkingDays;
  const field = 'concernIdentifiedAt';
  if (limit === undefined) {
    return {
      field,
      code: 'not-offered',
      message: `${protocol.id} counts from the raise; it does not take when the concern was identified`,
    };
  }
  if (identifiedAt.getTime() > raisedAt.getTime()) {
    return { field, code: 'in-the-future', message: 'must not be after the escalation is raised' };
  }
  const lastDay = addWorkingDays(identifiedAt, limit, {
    nation: protocol.nation,
    businessHours: protocol.businessHours,
    ...(holidays ? { holidays } : {}),
  });
  if (lastDay.dueAt.getTime() < raisedAt.getTime()) {
    return {
      field,
      code: 'too-early',
      message: `must be no more than ${limit} working day${limit === 1 ? '' : 's'} before the escalation is raised (${protocol.id})`,
    };
  }
  return null;
}

/**
 * Whether a person holding `callerRoles` may give the case at `tier` a "timescale that protects
 * the child from harm" of `dueAt`: the tier must offer it, name one of their roles, and the date
 * must be still to come.
 */
export function protectiveDeadlineRefusal(
  tier: Tier,
  callerRoles: readonly AnyRole[],
  dueAt: Date,
  now: Date,
): RaiseFieldRefusal | null {
  const field = 'protectiveDeadline';
  const setBy = tier.protectiveDeadline?.setBy;
  if (!setBy) {
    return {
      field,
      code: 'not-offered',
      message: `tier ${tier.number} (${tier.title}) takes no case-specific timescale`,
    };
  }
  if (!callerRoles.some((r) => setBy.includes(r))) {
    return {
      field,
      code: 'not-your-role',
      message: `at tier ${tier.number} (${tier.title}) a protective timescale is set by the ${setBy
        .map((r) => r.replace(/-/g, ' '))
        .join(' or the ')}`,
    };
  }
  if (Number.isNaN(dueAt.getTime())) {
    return { field, code: 'invalid', message: 'must be an ISO 8601 instant' };
  }
  if (dueAt.getTime() <= now.getTime()) {
    return { field, code: 'in-the-past', message: 'must be in the future' };
  }
  return null;
}
