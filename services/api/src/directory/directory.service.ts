import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Caller } from '../auth/caller';
import { ApiError, notFound } from '../common/api-error';
import type {
  AgencyRoleDto,
  CreateAgencyDto,
  CreatePersonDto,
  PartnershipRoleDto,
  UpdatePersonDto,
} from './dto/directory.dto';

/** Roles that may read professionals' contact details. */
const CONTACT_READERS = ['partnership-administrator', 'business-manager', 'independent-chair'];

/**
 * The partnership's directory: agencies, people, their roles per agency and for the partnership,
 * their contact details and channel preferences. Administered by the partnership administrator;
 * everyone in the partnership may read names and roles (to know whom to escalate to).
 */
@Injectable()
export class DirectoryService {
  constructor(private readonly ds: DataSource) {}

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
    const [row] = await this.ds.query(`SELECT partnership_id FROM person WHERE id = $1`, [personId]);
    if (!row) throw notFound(`person ${personId}`);
    return row.partnership_id;
  }

  async partnership(caller: Caller, partnershipId: string) {
    this.requireMember(caller, partnershipId);
    const [p] = await this.ds.query(`SELECT id, name FROM partnership WHERE id = $1`, [partnershipId]);
    if (!p) throw notFound(`partnership ${partnershipId}`);
    const roles = await this.ds.query(
      `SELECT pr.role, pr.sub_group AS "subGroup", p.id AS "personId", p.display_name AS "displayName"
         FROM partnership_role pr JOIN person p ON p.id = pr.person_id WHERE pr.partnership_id = $1 ORDER BY pr.role, p.display_name`,
      [partnershipId],
    );
    return { ...p, roles };
  }

  async agencies(caller: Caller, partnershipId: string) {
    this.requireMember(caller, partnershipId);
    return this.ds.query(`SELECT id, name, kind FROM agency WHERE partnership_id = $1 ORDER BY name`, [
      partnershipId,
    ]);
  }

  async agency(caller: Caller, agencyId: string) {
    const [a] = await this.ds.query(
      `SELECT id, partnership_id AS "partnershipId", name, kind FROM agency WHERE id = $1`,
      [agencyId],
    );
    if (!a || a.partnershipId !== caller.partnershipId) throw notFound(`agency ${agencyId}`);
    const people = await this.ds.query(
      `SELECT ar.role, p.id AS "personId", p.display_name AS "displayName"
         FROM agency_role ar JOIN person p ON p.id = ar.person_id WHERE ar.agency_id = $1 ORDER BY ar.role, p.display_name`,
      [agencyId],
    );
    // The contacts an escalation climbs to: named so a practitioner knows whom to call.
    const pick = (role: string) => people.filter((x: { role: string }) => x.role === role);
    return {
      ...a,
      seniorLiaisonOfficers: pick('senior-liaison-officer'),
      headsOfService: pick('head-of-service'),
      boardMembers: pick('board-member'),
      people,
    };
  }

  async createAgency(caller: Caller, partnershipId: string, dto: CreateAgencyDto) {
    this.requireAdmin(caller, partnershipId);
    try {
      await this.ds.query(`INSERT INTO agency (id, partnership_id, name, kind) VALUES ($1,$2,$3,$4)`, [
        dto.id,
        partnershipId,
        dto.name,
        dto.kind,
      ]);
    } catch (err) {
      if ((err as { code?: string }).code === '23505')
        throw new ApiError('conflict', `id: an agency "${dto.id}" already exists`);
      throw err;
    }
    return this.agency(caller, dto.id);
  }

  async people(caller: Caller, partnershipId: string) {
    this.requireMember(caller, partnershipId);
    const withContacts = caller.partnershipRoles.some((r) => CONTACT_READERS.includes(r));
    const rows = await this.ds.query(
      `SELECT p.id, p.display_name AS "displayName", p.email, p.phone, p.channels, p.sms_out_of_hours AS "smsOutOfHours",
              COALESCE((SELECT json_agg(json_build_object('id', ar.id, 'agencyId', ar.agency_id, 'role', ar.role) ORDER BY ar.agency_id, ar.role)
                          FROM agency_role ar WHERE ar.person_id = p.id), '[]') AS "agencyRoles",
              COALESCE((SELECT json_agg(json_build_object('id', pr.id, 'role', pr.role, 'subGroup', pr.sub_group) ORDER BY pr.role)
                          FROM partnership_role pr WHERE pr.person_id = p.id), '[]') AS "partnershipRoles"
         FROM person p WHERE p.partnership_id = $1 ORDER BY p.display_name`,
      [partnershipId],
    );
    return withContacts
      ? rows
      : rows.map(
          ({ email: _e, phone: _p, smsOutOfHours: _s, channels: _c, ...rest }: Record<string, unknown>) =>
            rest,
        );
  }

  async createPerson(caller: Caller, partnershipId: string, dto: CreatePersonDto) {
    this.requireAdmin(caller, partnershipId);
    if (dto.channels.includes('email') && !dto.email)
      throw new ApiError('validation-failed', 'email: required when channels include email');
    if (dto.channels.includes('sms') && !dto.phone)
      throw new ApiError('validation-failed', 'phone: required when channels include sms');
    try {
      await this.ds.query(
        `INSERT INTO person (id, partnership_id, display_name, email, phone, channels, sms_out_of_hours, identity_subject)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
        [
          dto.id,
          partnershipId,
          dto.displayName,
          dto.email ?? null,
          dto.phone ?? null,
          dto.channels,
          dto.smsOutOfHours ?? false,
          dto.identitySubject,
        ],
      );
    } catch (err) {
      if ((err as { code?: string }).code === '23505')
        throw new ApiError('conflict', 'id or identitySubject: already used by another person');
      throw err;
    }
    return (await this.people(caller, partnershipId)).find((p: { id: string }) => p.id === dto.id);
  }

  async updatePerson(caller: Caller, personId: string, dto: UpdatePersonDto) {
    const partnershipId = await this.personPartnership(personId).catch(() => {
      throw notFound(`person ${personId}`);
    });
    this.requireAdmin(caller, partnershipId);
    const [current] = await this.ds.query(`SELECT email, phone, channels FROM person WHERE id = $1`, [
      personId,
    ]);
    const next = {
      email: dto.email ?? current.email,
      phone: dto.phone ?? current.phone,
      channels: dto.channels ?? current.channels,
    };
    if (next.channels.includes('email') && !next.email)
      throw new ApiError('validation-failed', 'email: required when channels include email');
    if (next.channels.includes('sms') && !next.phone)
      throw new ApiError('validation-failed', 'phone: required when channels include sms');
    await this.ds.query(
      `UPDATE person SET display_name = COALESCE($2, display_name), email = $3, phone = $4, channels = $5,
              sms_out_of_hours = COALESCE($6, sms_out_of_hours) WHERE id = $1`,
      [personId, dto.displayName ?? null, next.email, next.phone, next.channels, dto.smsOutOfHours ?? null],
    );
    return (await this.people(caller, partnershipId)).find((p: { id: string }) => p.id === personId);
  }

  async addAgencyRole(caller: Caller, personId: string, dto: AgencyRoleDto) {
    const partnershipId = await this.personPartnership(personId);
    this.requireAdmin(caller, partnershipId);
    const [agency] = await this.ds.query(`SELECT partnership_id FROM agency WHERE id = $1`, [dto.agencyId]);
    if (!agency || agency.partnership_id !== partnershipId)
      throw new ApiError(
        'validation-failed',
        `agencyId: no agency "${dto.agencyId}" in partnership ${partnershipId}`,
      );
    const [row] = await this.ds.query(
      `INSERT INTO agency_role (person_id, agency_id, role) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING RETURNING id`,
      [personId, dto.agencyId, dto.role],
    );
    if (!row) throw new ApiError('conflict', `${personId} already holds ${dto.role} in ${dto.agencyId}`);
    return { id: row.id, personId, ...dto };
  }

  async addPartnershipRole(caller: Caller, personId: string, dto: PartnershipRoleDto) {
    const partnershipId = await this.personPartnership(personId);
    this.requireAdmin(caller, partnershipId);
    const [row] = await this.ds.query(
      `INSERT INTO partnership_role (person_id, partnership_id, role, sub_group) VALUES ($1,$2,$3,$4) ON CONFLICT DO NOTHING RETURNING id`,
      [personId, partnershipId, dto.role, dto.subGroup ?? null],
    );
    if (!row) throw new ApiError('conflict', `${personId} already holds ${dto.role}`);
    return { id: row.id, personId, ...dto };
  }

  async removeRole(caller: Caller, personId: string, roleId: string) {
    const partnershipId = await this.personPartnership(personId);
    this.requireAdmin(caller, partnershipId);
    if (!/^[0-9a-f-]{36}$/i.test(roleId)) throw notFound(`role ${roleId}`);
    const a = await this.ds.query(`DELETE FROM agency_role WHERE id = $1 AND person_id = $2 RETURNING id`, [
      roleId,
      personId,
    ]);
    const p = a.length
      ? []
      : await this.ds.query(`DELETE FROM partnership_role WHERE id = $1 AND person_id = $2 RETURNING id`, [
          roleId,
          personId,
        ]);
    if (!a.length && !p.length) throw notFound(`role ${roleId} of ${personId}`);
    return { removed: roleId };
  }
}
