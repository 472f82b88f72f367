import type { Protocol } from '@resolve/protocols';

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
