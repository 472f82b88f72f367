import type { DataSource } from 'typeorm';
import { DirectoryRepository } from '@resolve/persistence';
import {
  AGENCY_ROLES,
  INFORMED_ONLY_PARTNERSHIP_ROLES,
  type AgencyRole,
  type PartnershipRole,
} from '@resolve/protocols';
import type { Actor } from '@resolve/domain';

/** The authenticated person and what they hold in the directory. */
export interface Caller {
  personId: string;
  partnershipId: string;
  agencyRoles: { agencyId: string; role: AgencyRole }[];
  partnershipRoles: PartnershipRole[];
}

/**
 * The directory person a verified token's subject names; null when nobody. Takes the directory
 * repository (the API's provider) or, for tests and tools, a DataSource to read it through.
 */
export async function loadCaller(
  source: DirectoryRepository | DataSource,
  subject: string,
): Promise<Caller | null> {
  const directory = source instanceof DirectoryRepository ? source : new DirectoryRepository(source);
  const found = await directory.callerBySubject(subject);
  if (!found) return null;
  // Roles are written only through the directory API, which keeps them to the protocol's names.
  // An agency's administrator (AGENCY_ADMINISTRATION_ROLES) has no part in its cases: like the
  // partnership administrator, that role is left out of what decides case access and acting.
  return {
    personId: found.personId,
    partnershipId: found.partnershipId,
    agencyRoles: found.agencyRoles
      .filter((r) => (AGENCY_ROLES as readonly string[]).includes(r.role))
      .map((r) => ({ agencyId: r.agencyId, role: r.role as AgencyRole })),
    partnershipRoles: found.partnershipRoles as PartnershipRole[],
  };
}

const seniority = (r: AgencyRole) => AGENCY_ROLES.indexOf(r);

/**
 * Partnership roles that see the partnership's cases. The administrator runs the directory only;
 * an informed-only role (the escalations mailbox) opens the forms lodged with it and nothing else.
 */
export function caseRoles(caller: Caller): PartnershipRole[] {
  return caller.partnershipRoles.filter(
    (r) =>
      r !== 'partnership-administrator' &&
      !(INFORMED_ONLY_PARTNERSHIP_ROLES as readonly string[]).includes(r),
  );
}

/** What decides who may see and act on a case: its partnership and two agencies. */
export interface CaseParties {
  partnershipId: string;
  raisingAgencyId: string;
  receivingAgencyId: string;
  /**
   * The recorded line manager of each side's professional (the raiser; the person the concern
   * was raised with), null when none is recorded. Absent where the caller only reads.
   */
  lineManagers?: { raising: string | null; receiving: string | null };
}

/**
 * Whether the directory records the caller as the line manager of the professional on a side:
 * undefined when it records nobody (the role alone then decides, see the domain's authority).
 */
export function managesPractitioner(
  personId: string,
  parties: CaseParties,
  side: 'raising' | 'receiving',
): boolean | undefined {
  const recorded = parties.lineManagers?.[side];
  return recorded == null ? undefined : recorded === personId;
}

/**
 * How the caller acts on a case: as one of its two agencies (their most senior role there), or
 * as a partnership role holder of the case's partnership. Null: the caller has no part in it,
 * and must not learn that it exists.
 */
export function actorFor(
  caller: Caller,
  escalation: CaseParties,
  prefer: 'agency' | 'partnership' = 'agency',
): Actor | null {
  const inAgency = (agencyId: string) =>
    caller.agencyRoles
      .filter((r) => r.agencyId === agencyId)
      .sort((a, b) => seniority(b.role) - seniority(a.role))[0];
  const raising = inAgency(escalation.raisingAgencyId);
  const receiving = inAgency(escalation.receivingAgencyId);
  // Every role held in that agency goes with the actor: the engine picks the one that acts at
  // the case's tier (a head of service who is also a line manager acts at the managers' step).
  const rolesIn = (agencyId: string) =>
    caller.agencyRoles.filter((r) => r.agencyId === agencyId).map((r) => r.role);
  const lineManagement = (side: 'raising' | 'receiving') => {
    const manages = managesPractitioner(caller.personId, escalation, side);
    return manages === undefined ? {} : { managesPractitioner: manages };
  };
  const agencyActor: Actor | null = raising
    ? {
        personId: caller.personId,
        agencyId: raising.agencyId,
        role: raising.role,
        side: 'raising',
        heldRoles: rolesIn(raising.agencyId),
        ...lineManagement('raising'),
      }
    : receiving
      ? {
          personId: caller.personId,
          agencyId: receiving.agencyId,
          role: receiving.role,
          side: 'receiving',
          heldRoles: rolesIn(receiving.agencyId),
          ...lineManagement('receiving'),
        }
      : null;
  const partnershipActor: Actor | null =
    caller.partnershipId === escalation.partnershipId && caseRoles(caller).length > 0
      ? {
          personId: caller.personId,
          agencyId: null,
          role: caseRoles(caller)[0],
          side: 'partnership',
          heldRoles: caseRoles(caller),
        }
      : null;
  if (prefer === 'partnership') return partnershipActor ?? agencyActor;
  return agencyActor ?? partnershipActor;
}

/** The partnership actor holding a specific role, when the caller holds it. */
export function partnershipActorWithRole(
  caller: Caller,
  partnershipId: string,
  role: PartnershipRole,
): Actor | null {
  if (caller.partnershipId !== partnershipId || !caller.partnershipRoles.includes(role)) return null;
  return {
    personId: caller.personId,
    agencyId: null,
    role,
    side: 'partnership',
    heldRoles: caseRoles(caller),
  };
}
