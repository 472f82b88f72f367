import { Injectable } from '@nestjs/common';
import type { Actor } from '@resolve/domain';
import { DirectoryRepository, type ActionRecordEntity, type EscalationEntity } from '@resolve/persistence';
import type { AgencyRole, PartnershipRole } from '@resolve/protocols';
import { actorFor, caseRoles, managesPractitioner, type Caller } from '../auth/caller';
import { EscalationQueriesService } from './escalation-queries.service';

/**
 * The actor the API sent (or would have sent) with a recorded action, for the reconciler and the
 * note relay, which deliver an action after its request has gone: the record's agency and role,
 * with the person's roles on that side and line management as the directory has them now (what
 * the worker checks). Null when the person is no longer in the case's partnership.
 */
@Injectable()
export class RecordedActors {
  constructor(
    private readonly directory: DirectoryRepository,
    private readonly queries: EscalationQueriesService,
  ) {}

  async actorOf(
    action: Pick<ActionRecordEntity, 'personId' | 'agencyId' | 'role'>,
    row: EscalationEntity,
  ): Promise<Actor | null> {
    const found = await this.directory.callerByPersonId(action.personId);
    if (!found || found.partnershipId !== row.partnershipId) return null;
    const caller: Caller = {
      personId: found.personId,
      partnershipId: found.partnershipId,
      agencyRoles: found.agencyRoles.map((r) => ({ agencyId: r.agencyId, role: r.role as AgencyRole })),
      partnershipRoles: found.partnershipRoles as PartnershipRole[],
    };
    const parties = await this.queries.actingParties(row);
    if (action.role === 'pending') return actorFor(caller, parties, 'agency');
    if (action.agencyId === null) {
      return {
        personId: caller.personId,
        agencyId: null,
        role: action.role as PartnershipRole,
        side: 'partnership',
        heldRoles: caseRoles(caller),
      };
    }
    const side =
      action.agencyId === row.raisingAgencyId
        ? 'raising'
        : action.agencyId === row.receivingAgencyId
          ? 'receiving'
          : null;
    if (!side) return null;
    const manages = managesPractitioner(caller.personId, parties, side);
    return {
      personId: caller.personId,
      agencyId: action.agencyId,
      role: action.role as AgencyRole,
      side,
      heldRoles: caller.agencyRoles.filter((r) => r.agencyId === action.agencyId).map((r) => r.role),
      ...(manages === undefined ? {} : { managesPractitioner: manages }),
    };
  }
}
