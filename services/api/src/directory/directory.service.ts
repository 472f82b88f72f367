import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  AuditRepository,
  DirectoryRepository,
  RoleGrantRequestsRepository,
  type RoleGrantRequestRow,
} from '@resolve/persistence';
import type { Caller } from '../auth/caller';
import { ApiError, notFound, STATUS_BY_CODE } from '../common/api-error';
import { currentRequestId } from '../common/request-context';
import type {
  AgencyRoleDto,
  CreateAgencyDto,
  CreatePersonDto,
  PartnershipRoleDto,
  UpdatePersonDto,
} from './dto/directory.dto';

/** Roles that may read professionals' contact details. */
const CONTACT_READERS = ['partnership-administrator', 'business-manager', 'independent-chair'];

const ROLE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The partnership's directory: agencies, people, their roles per agency and for the partnership,
 * their contact details and channel preferences. Administered by the partnership administrator;
 * everyone in the partnership may read names and roles (to know whom to escalate to).
 */
@Injectable()
export class DirectoryService {
  constructor(
    private readonly directory: DirectoryRepository,
    private readonly audit: AuditRepository,
    private readonly grantRequests: RoleGrantRequestsRepository,
  ) {}

  /**
   * Every change to the directory goes into the hash-chained audit trail with what it was
   * before and after: a redirected alert address or a quietly granted role must show.
   */
  private async recordChange(
    caller: Caller,
    partnershipId: string,
    change: string,
    detail: Record<string, unknown>,
    outcome = 200,
  ): Promise<void> {
    await this.audit.record({
      requestId: currentRequestId() ?? randomUUID(),
      personId: caller.personId,
      agencyId: null,
      role: 'partnership-administrator',
      partnershipId,
      escalationId: null,
      action: `directory.${change}`,
      outcome,
      actionRecordId: null,
      detail,
    });
  }

  /**
   * An administrator cannot give their own account a role: every agency role and every board
   * role reads cases, and the administrator's own role deliberately reads none. Another
   * administrator must grant it; the refusal is audited.
   */
  private async refuseSelfGrant(
    caller: Caller,
    partnershipId: string,
    personId: string,
    role: object,
    context: Record<string, unknown> = {},
  ) {
    if (personId !== caller.personId) return;
    const refusal = new ApiError(
      'forbidden',
      'an administrator cannot grant a role to their own account; another partnership administrator must',
    );
    await this.recordChange(
      caller,
      partnershipId,
      'grant-refused',
      { personId, ...context, role, refused: 'self-grant' },
      STATUS_BY_CODE[refusal.code],
    );
    throw refusal;
  }

  private requireMember(caller: Caller, partnershipId: string) {
    if (caller.partnershipId !== partnershipId) throw notFound(`partnership ${partnershipId}`);
  }

  private requireAdmin(caller: Caller, partnershipId: string) {
    this.requireMember(caller, partnershipId);
    if (!caller.partnershipRoles.includes('partnership-administrator')) {
      throw new ApiError('forbidden', 'only the partnership administrator changes the directory');
    }
  }

  private async personPartnership(personId: string): Promise<string> {
    const partnershipId = await this.directory.personPartnershipId(personId);
    if (!partnershipId) throw notFound(`person ${personId}`);
    return partnershipId;
  }

  async partnership(caller: Caller, partnershipId: string) {
    this.requireMember(caller, partnershipId);
    const p = await this.directory.partnership(partnershipId);
    if (!p) throw notFound(`partnership ${partnershipId}`);
    const roles = await this.directory.partnershipRoleHolders(partnershipId);
    return { id: p.id, name: p.name, roles };
  }

  /**
   * The demonstration protocol's two-minute steps would breach real cases in minutes, so a
   * partnership raises under it only once its administrator switches it on; audited both ways.
   */
  async setDemoProtocol(caller: Caller, partnershipId: string, enabled: boolean) {
    this.requireAdmin(caller, partnershipId);
    const before = await this.directory.demoProtocolEnabled(partnershipId);
    if (before !== enabled) {
      await this.directory.setDemoProtocolEnabled(partnershipId, enabled);
      await this.recordChange(caller, partnershipId, 'demo-protocol-set', {
        before: { enabled: before },
        after: { enabled },
      });
    }
    return { partnershipId, demoProtocolEnabled: enabled };
  }

  async agencies(caller: Caller, partnershipId: string) {
    this.requireMember(caller, partnershipId);
    return this.directory.agencies(partnershipId);
  }

  async agency(caller: Caller, agencyId: string) {
    const a = await this.directory.agency(agencyId);
    if (!a || a.partnershipId !== caller.partnershipId) throw notFound(`agency ${agencyId}`);
    const people = await this.directory.agencyRoleHolders(agencyId);
    // The contacts an escalation climbs to: named so a practitioner knows whom to call.
    const pick = (role: string) => people.filter((x) => x.role === role);
    return {
      id: a.id,
      partnershipId: a.partnershipId,
      name: a.name,
      kind: a.kind,
      seniorLiaisonOfficers: pick('senior-liaison-officer'),
      headsOfService: pick('head-of-service'),
      boardMembers: pick('board-member'),
      people,
    };
  }

  async createAgency(caller: Caller, partnershipId: string, dto: CreateAgencyDto) {
    this.requireAdmin(caller, partnershipId);
    const outcome = await this.directory.insertAgency({
      id: dto.id,
      partnershipId,
      name: dto.name,
      kind: dto.kind,
    });
    if (outcome === 'duplicate') throw new ApiError('conflict', `id: an agency "${dto.id}" already exists`);
    await this.recordChange(caller, partnershipId, 'agency-created', {
      before: null,
      after: { id: dto.id, name: dto.name, kind: dto.kind },
    });
    return this.agency(caller, dto.id);
  }

  async people(caller: Caller, partnershipId: string) {
    this.requireMember(caller, partnershipId);
    const withContacts = caller.partnershipRoles.some((r) => CONTACT_READERS.includes(r));
    const rows = await this.directory.peopleWithRoles(partnershipId);
    return withContacts
      ? rows
      : rows.map(({ email: _e, phone: _p, smsOutOfHours: _s, channels: _c, ...rest }) => rest);
  }

  async createPerson(caller: Caller, partnershipId: string, dto: CreatePersonDto) {
    this.requireAdmin(caller, partnershipId);
    if (dto.channels.includes('email') && !dto.email)
      throw new ApiError('validation-failed', 'email: required when channels include email');
    if (dto.channels.includes('sms') && !dto.phone)
      throw new ApiError('validation-failed', 'phone: required when channels include sms');
    const outcome = await this.directory.insertPerson({
      id: dto.id,
      partnershipId,
      displayName: dto.displayName,
      email: dto.email ?? null,
      phone: dto.phone ?? null,
      channels: dto.channels,
      smsOutOfHours: dto.smsOutOfHours ?? false,
      identitySubject: dto.identitySubject,
    });
    if (outcome === 'duplicate')
      throw new ApiError('conflict', 'id or identitySubject: already used by another person');
    await this.recordChange(caller, partnershipId, 'person-created', {
      before: null,
      after: {
        id: dto.id,
        displayName: dto.displayName,
        email: dto.email ?? null,
        phone: dto.phone ?? null,
        channels: dto.channels,
        smsOutOfHours: dto.smsOutOfHours ?? false,
        identitySubject: dto.identitySubject,
      },
    });
    return (await this.people(caller, partnershipId)).find((p) => p.id === dto.id);
  }

  async updatePerson(caller: Caller, personId: string, dto: UpdatePersonDto) {
    const partnershipId = await this.personPartnership(personId);
    this.requireAdmin(caller, partnershipId);
    const current = await this.directory.personContact(personId);
    if (!current) throw notFound(`person ${personId}`);
    const next = {
      email: dto.email ?? current.email,
      phone: dto.phone ?? current.phone,
      channels: dto.channels ?? current.channels,
    };
    if (next.channels.includes('email') && !next.email)
      throw new ApiError('validation-failed', 'email: required when channels include email');
    if (next.channels.includes('sms') && !next.phone)
      throw new ApiError('validation-failed', 'phone: required when channels include sms');
    await this.directory.updatePerson(personId, {
      displayName: dto.displayName ?? undefined,
      ...next,
      smsOutOfHours: dto.smsOutOfHours ?? undefined,
    });
    await this.recordChange(caller, partnershipId, 'person-updated', {
      personId,
      before: {
        displayName: current.displayName,
        email: current.email,
        phone: current.phone,
        channels: current.channels,
        smsOutOfHours: current.smsOutOfHours,
      },
      after: {
        displayName: dto.displayName ?? current.displayName,
        ...next,
        smsOutOfHours: dto.smsOutOfHours ?? current.smsOutOfHours,
      },
    });
    return (await this.people(caller, partnershipId)).find((p) => p.id === personId);
  }

  /**
   * Records who line-manages a person (null clears it). The manager must be in the same
   * partnership and hold a role above practitioner in one of the person's agencies, and nobody
   * can end up managing themselves through a chain. Audited with before and after: the relation
   * decides who acts at a step that says "their line manager".
   */
  async setLineManager(caller: Caller, personId: string, lineManagerId: string | null) {
    const partnershipId = await this.personPartnership(personId);
    this.requireAdmin(caller, partnershipId);
    const before = (await this.directory.lineManagersOf([personId])).get(personId) ?? null;
    if (lineManagerId !== null) {
      if (lineManagerId === personId)
        throw new ApiError('validation-failed', 'lineManagerId: a person cannot be their own line manager');
      const people = await this.directory.peopleWithRoles(partnershipId);
      const person = people.find((p) => p.id === personId)!;
      const manager = people.find((p) => p.id === lineManagerId);
      if (!manager)
        throw new ApiError(
          'validation-failed',
          `lineManagerId: no person "${lineManagerId}" in partnership ${partnershipId}`,
        );
      const above = await this.directory.lineManagementChain(lineManagerId);
      if (above.includes(personId))
        throw new ApiError(
          'validation-failed',
          `lineManagerId: ${personId} already line-manages ${lineManagerId}, directly or through others`,
        );
      const personsAgencies = new Set(person.agencyRoles.map((r) => r.agencyId));
      const managesThere = manager.agencyRoles.some(
        (r) => personsAgencies.has(r.agencyId) && r.role !== 'practitioner',
      );
      if (!managesThere)
        throw new ApiError(
          'validation-failed',
          `lineManagerId: ${lineManagerId} holds no role above practitioner in an agency where ${personId} works`,
        );
    }
    await this.directory.setLineManager(personId, lineManagerId);
    await this.recordChange(caller, partnershipId, 'line-manager-set', {
      personId,
      before: { lineManagerId: before },
      after: { lineManagerId },
    });
    return { personId, lineManagerId };
  }

  /**
   * Asks for an agency role. Every role grant waits for a second partnership administrator
   * (approveRoleRequest): one administrator alone could let an account they control into cases.
   */
  async addAgencyRole(caller: Caller, personId: string, dto: AgencyRoleDto) {
    const partnershipId = await this.personPartnership(personId);
    this.requireAdmin(caller, partnershipId);
    const agency = await this.directory.agency(dto.agencyId);
    if (!agency || agency.partnershipId !== partnershipId)
      throw new ApiError(
        'validation-failed',
        `agencyId: no agency "${dto.agencyId}" in partnership ${partnershipId}`,
      );
    await this.refuseSelfGrant(caller, partnershipId, personId, { agencyId: dto.agencyId, role: dto.role });
    const held = await this.directory.holdsAgencyRole(personId, dto.agencyId, dto.role);
    if (held) throw new ApiError('conflict', `${personId} already holds ${dto.role} in ${dto.agencyId}`);
    return this.requestGrant(caller, {
      partnershipId,
      personId,
      agencyId: dto.agencyId,
      role: dto.role,
      subGroup: null,
    });
  }

  /** Asks for a partnership role; it waits for a second administrator, as an agency role does. */
  async addPartnershipRole(caller: Caller, personId: string, dto: PartnershipRoleDto) {
    const partnershipId = await this.personPartnership(personId);
    this.requireAdmin(caller, partnershipId);
    await this.refuseSelfGrant(caller, partnershipId, personId, { role: dto.role });
    const held = await this.directory.holdsPartnershipRole(personId, partnershipId, dto.role);
    if (held) throw new ApiError('conflict', `${personId} already holds ${dto.role}`);
    return this.requestGrant(caller, {
      partnershipId,
      personId,
      agencyId: null,
      role: dto.role,
      subGroup: dto.subGroup ?? null,
    });
  }

  private async requestGrant(
    caller: Caller,
    grant: Pick<RoleGrantRequestRow, 'partnershipId' | 'personId' | 'agencyId' | 'role' | 'subGroup'>,
  ) {
    const request = await this.grantRequests.request({ ...grant, requestedBy: caller.personId });
    if (!request)
      throw new ApiError(
        'conflict',
        `${grant.personId} already has a request for ${grant.role} waiting for approval`,
      );
    await this.recordChange(caller, grant.partnershipId, 'role-requested', {
      personId: grant.personId,
      requestId: request.id,
      role: { agencyId: grant.agencyId, role: grant.role, subGroup: grant.subGroup },
    });
    return {
      request: roleRequestView(request),
      message: 'the role is given once another partnership administrator approves the request',
    };
  }

  /** The role requests waiting in the partnership (administrators only). */
  async roleRequests(caller: Caller, partnershipId: string) {
    this.requireAdmin(caller, partnershipId);
    const pending = await this.grantRequests.pending(partnershipId);
    return pending.map(roleRequestView);
  }

  private async pendingRequest(caller: Caller, requestId: string): Promise<RoleGrantRequestRow> {
    // Not a well-formed id: no such request (Postgres would refuse to compare it with a uuid).
    const request = ROLE_ID.test(requestId) ? await this.grantRequests.find(requestId) : null;
    if (!request || request.partnershipId !== caller.partnershipId)
      throw notFound(`role request ${requestId}`);
    this.requireAdmin(caller, request.partnershipId);
    if (request.status !== 'pending')
      throw new ApiError('conflict', `role request ${requestId} was already ${request.status}`);
    return request;
  }

  /**
   * A second administrator approves: the role is created in the same transaction that closes the
   * request. The one who asked cannot approve, and nobody approves a role for themselves.
   */
  async approveRoleRequest(caller: Caller, requestId: string) {
    const request = await this.pendingRequest(caller, requestId);
    const role = { agencyId: request.agencyId, role: request.role, subGroup: request.subGroup };
    if (request.requestedBy === caller.personId) {
      const refusal = new ApiError(
        'forbidden',
        'the administrator who asked for a role cannot approve it; another partnership administrator must',
      );
      await this.recordChange(
        caller,
        request.partnershipId,
        'grant-refused',
        { personId: request.personId, requestId, role, refused: 'own-request' },
        STATUS_BY_CODE[refusal.code],
      );
      throw refusal;
    }
    await this.refuseSelfGrant(caller, request.partnershipId, request.personId, role, { requestId });
    const outcome = await this.grantRequests.approve(requestId, caller.personId);
    if (outcome.kind === 'not-pending')
      throw new ApiError(
        'conflict',
        `role request ${requestId} was already ${outcome.request?.status ?? 'decided'}`,
      );
    if (outcome.kind === 'already-held') {
      await this.recordChange(caller, request.partnershipId, 'role-request-declined', {
        personId: request.personId,
        requestId,
        reason: 'already-held',
      });
      throw new ApiError('conflict', `${request.personId} already holds ${request.role}`);
    }
    await this.recordChange(caller, request.partnershipId, 'role-granted', {
      personId: request.personId,
      requestId,
      requestedBy: request.requestedBy,
      approvedBy: caller.personId,
      before: null,
      after: { id: outcome.grantedRoleId, ...role },
    });
    return {
      id: outcome.grantedRoleId,
      personId: request.personId,
      ...role,
      request: roleRequestView(outcome.request),
    };
  }

  /** Any administrator, the one who asked included, may decline a request. */
  async declineRoleRequest(caller: Caller, requestId: string) {
    const request = await this.pendingRequest(caller, requestId);
    const declined = await this.grantRequests.decline(requestId, caller.personId);
    if (!declined) throw new ApiError('conflict', `role request ${requestId} was already decided`);
    await this.recordChange(caller, request.partnershipId, 'role-request-declined', {
      personId: request.personId,
      requestId,
      reason: 'declined',
    });
    return roleRequestView(declined);
  }

  async removeRole(caller: Caller, personId: string, roleId: string) {
    const partnershipId = await this.personPartnership(personId);
    this.requireAdmin(caller, partnershipId);
    // Not a well-formed id: no such role (Postgres would refuse to compare it with a uuid).
    if (!ROLE_ID.test(roleId)) throw notFound(`role ${roleId}`);
    const removed = await this.directory.removeRole(personId, roleId);
    if (!removed) throw notFound(`role ${roleId} of ${personId}`);
    await this.recordChange(caller, partnershipId, 'role-removed', {
      personId,
      before: { id: roleId },
      after: null,
    });
    return { removed: roleId };
  }
}

/** A role request as the API shows it (ids and roles only). */
function roleRequestView(r: RoleGrantRequestRow) {
  return {
    id: r.id,
    personId: r.personId,
    agencyId: r.agencyId,
    role: r.role,
    subGroup: r.subGroup,
    status: r.status,
    requestedBy: r.requestedBy,
    requestedAt: r.requestedAt.toISOString(),
    decidedBy: r.decidedBy,
    decidedAt: r.decidedAt ? r.decidedAt.toISOString() : null,
  };
}
