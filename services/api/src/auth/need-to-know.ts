import { Injectable } from '@nestjs/common';
import { ActionRecordsRepository, type EscalationAccess, type EscalationEntity } from '@resolve/persistence';
import { listProtocols, type Protocol } from '@resolve/protocols';
import { caseRoles, type Caller } from './caller';

/**
 * Need to know (issue 13, docs/audit-and-access.md): a case is read by its parties, not by
 * everyone in its two agencies. A person sees a case when they
 * - raised it, received it, or acted on it;
 * - hold, in one of its two agencies, a role that acts for that agency's side at the case's
 *   current tier or a tier before it (the line managers once it reaches the managers' step, the
 *   heads of service at theirs...), or a deputy role the protocol names there;
 * - hold a partnership role of the case's partnership (business manager, chair, senior
 *   leadership team...), which the protocols name for oversight.
 * Everyone else, in the agency or not, learns nothing, not even that the case exists.
 */

/** From which tier a role in an agency sees that agency's cases of a protocol, per side. */
export interface AgencyTierAccess {
  protocolId: string;
  side: 'raising' | 'receiving';
  agencyId: string;
  fromTier: number;
}

/** The first tier at which `role` acts for `side` in the protocol, or null when it never does. */
function firstActingTier(protocol: Protocol, side: 'raising' | 'receiving', role: string): number | null {
  const tiers = protocol.tiers.filter(
    (t) => t.roles[side].includes(role as never) || t.deputies[side].includes(role as never),
  );
  return tiers.length ? Math.min(...tiers.map((t) => t.number)) : null;
}

/** The agencies and tiers through which the caller's agency roles see cases. */
export function agencyTierAccess(
  caller: Caller,
  protocols: readonly Protocol[] = listProtocols(),
): AgencyTierAccess[] {
  const access: AgencyTierAccess[] = [];
  for (const protocol of protocols) {
    for (const side of ['raising', 'receiving'] as const) {
      for (const { agencyId, role } of caller.agencyRoles) {
        const fromTier = firstActingTier(protocol, side, role);
        if (fromTier === null) continue;
        const same = access.find(
          (a) => a.protocolId === protocol.id && a.side === side && a.agencyId === agencyId,
        );
        if (same) same.fromTier = Math.min(same.fromTier, fromTier);
        else access.push({ protocolId: protocol.id, side, agencyId, fromTier });
      }
    }
  }
  return access;
}

/** Whether the caller's roles (not their own involvement) give them the case. */
export function seesByRole(caller: Caller, row: EscalationEntity): boolean {
  if (caller.partnershipId === row.partnershipId && caseRoles(caller).length > 0) return true;
  return agencyTierAccess(caller).some(
    (a) =>
      a.protocolId === row.protocolId &&
      a.agencyId === (a.side === 'raising' ? row.raisingAgencyId : row.receivingAgencyId) &&
      row.tierNumber >= a.fromTier,
  );
}

@Injectable()
export class NeedToKnow {
  constructor(private readonly actions: ActionRecordsRepository) {}

  /** Whether the caller may read this case (and so learn that it exists). */
  async mayRead(caller: Caller, row: EscalationEntity): Promise<boolean> {
    if (row.raisingPersonId === caller.personId || row.receivingPersonId === caller.personId) return true;
    if (seesByRole(caller, row)) return true;
    return this.actions.hasActedOn(caller.personId, row.id);
  }

  /** The same rule as a filter for lists. */
  listAccess(caller: Caller): EscalationAccess {
    return {
      personId: caller.personId,
      ...(caseRoles(caller).length > 0 ? { partnershipId: caller.partnershipId } : {}),
      agencyTiers: agencyTierAccess(caller).map(({ protocolId, side, agencyId, fromTier }) => ({
        protocolId,
        side,
        agencyId,
        fromTier,
      })),
    };
  }
}
