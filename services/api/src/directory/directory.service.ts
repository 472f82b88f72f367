import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AuditRepository, DirectoryRepository } from '@resolve/persistence';
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
  private async refuseSelfGrant(caller: Caller, partnershipId: string, personId: string, role: object) {
    if (personId !== caller.personId) return;
    const refusal = new ApiError(
      'forbidden',
      'an administrator cannot grant a role to their own account; another partnership administrator must',
    );
    await this.recordChange(
      caller,
      partnershipId,
      'grant-refused',
      { personId, role, refused: 'self-grant' },
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
    const id = await this.directory.addAgencyRole({ personId, agencyId: dto.agencyId, role: dto.role });
    if (!id) throw new ApiError('conflict', `${personId} already holds ${dto.role} in ${dto.agencyId}`);
    await this.recordChange(caller, partnershipId, 'role-granted', {
      personId,
      before: null,
      after: { id, agencyId: dto.agencyId, role: dto.role },
    });
    return { id, personId, ...dto };
  }

  async addPartnershipRole(caller: Caller, personId: string, dto: PartnershipRoleDto) {
    const partnershipId = await this.personPartnership(personId);
    this.requireAdmin(caller, partnershipId);
    await this.refuseSelfGrant(caller, partnershipId, personId, { role: dto.role });
    const id = await this.directory.addPartnershipRole({
      personId,
      partnershipId,
      role: dto.role,
      subGroup: dto.subGroup ?? null,
    });
    if (!id) throw new ApiError('conflict', `${personId} already holds ${dto.role}`);
    await this.recordChange(caller, partnershipId, 'role-granted', {
      personId,
      before: null,
      after: { id, role: dto.role, subGroup: dto.subGroup ?? null },
    });
    return { id, personId, ...dto };
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
