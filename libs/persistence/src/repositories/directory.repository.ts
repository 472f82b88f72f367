import { In, type DataSource, type EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import {
  AgencyEntity,
  AgencyRoleEntity,
  PartnershipEntity,
  PartnershipRoleEntity,
  PersonEntity,
} from '../entities/directory.entities';
import { EscalationEntity } from '../entities/escalation.entities';

export type PartnershipSummary = Pick<PartnershipEntity, 'id' | 'name'>;
export type AgencySummary = Pick<AgencyEntity, 'id' | 'name' | 'kind'>;
export type AgencyRecord = Pick<AgencyEntity, 'id' | 'partnershipId' | 'name' | 'kind'>;

/** Someone holding a partnership role, with the name shown for them. */
export type PartnershipRoleHolder = Pick<PartnershipRoleEntity, 'role' | 'subGroup' | 'personId'> &
  Pick<PersonEntity, 'displayName'>;

/** Someone holding a role in an agency, with the name shown for them. */
export type AgencyRoleHolder = Pick<AgencyRoleEntity, 'role' | 'personId'> &
  Pick<PersonEntity, 'displayName'>;

export type PersonContact = Pick<
  PersonEntity,
  'id' | 'displayName' | 'email' | 'phone' | 'channels' | 'smsOutOfHours'
>;

/** A person with contact details and every role they hold (the directory's people listing). */
export type PersonWithRoles = PersonContact & {
  lineManagerId: string | null;
  agencyRoles: Pick<AgencyRoleEntity, 'id' | 'agencyId' | 'role'>[];
  partnershipRoles: Pick<PartnershipRoleEntity, 'id' | 'role' | 'subGroup'>[];
};

export type NewPerson = Pick<
  PersonEntity,
  | 'id'
  | 'partnershipId'
  | 'displayName'
  | 'email'
  | 'phone'
  | 'channels'
  | 'smsOutOfHours'
  | 'identitySubject'
>;

/** A change to a person: fields left undefined keep their stored value. */
export type PersonChange = Partial<
  Pick<PersonEntity, 'displayName' | 'email' | 'phone' | 'channels' | 'smsOutOfHours'>
>;

/** What the directory knows about the person a token's subject names. */
export interface CallerRecord {
  personId: string;
  partnershipId: string;
  agencyRoles: Pick<AgencyRoleEntity, 'agencyId' | 'role'>[];
  partnershipRoles: string[];
}

/**
 * An escalation's routing facts for the notifier: its parties and tier, and its partnership's
 * name and email-detail setting. Never anything from escalation_subject.
 */
export type EscalationRouting = Pick<
  EscalationEntity,
  | 'id'
  | 'reference'
  | 'partnershipId'
  | 'protocolId'
  | 'protocolVersion'
  | 'category'
  | 'immediateRisk'
  | 'tierNumber'
  | 'tierKey'
  | 'raisingAgencyId'
  | 'receivingAgencyId'
  | 'raisingPersonId'
  | 'receivingPersonId'
> & { partnershipName: string; emailDetail: PartnershipEntity['emailDetail'] };

/** The role holders around one escalation and every person among them or its two parties. */
export interface EscalationDirectory {
  people: PersonContact[];
  agencyRoles: Pick<AgencyRoleEntity, 'personId' | 'agencyId' | 'role'>[];
  partnershipRoles: Pick<PartnershipRoleEntity, 'personId' | 'partnershipId' | 'role'>[];
}

export type InsertOutcome = 'created' | 'duplicate';

const PERSON_CONTACT_COLUMNS: (keyof PersonEntity)[] = [
  'id',
  'displayName',
  'email',
  'phone',
  'channels',
  'smsOutOfHours',
];

/**
 * The partnership's directory: partnerships, agencies, people with their contact details and
 * channel preferences, and the roles people hold per agency and for the partnership.
 */
export class DirectoryRepository {
  constructor(private readonly db: DataSource | EntityManager) {}

  /** The same repository inside a transaction. */
  withManager(manager: EntityManager): DirectoryRepository {
    return new DirectoryRepository(manager);
  }

  private get partnerships() {
    return this.db.getRepository(PartnershipEntity);
  }
  private get agenciesRepo() {
    return this.db.getRepository(AgencyEntity);
  }
  private get persons() {
    return this.db.getRepository(PersonEntity);
  }
  private get agencyRoles() {
    return this.db.getRepository(AgencyRoleEntity);
  }
  private get partnershipRoles() {
    return this.db.getRepository(PartnershipRoleEntity);
  }

  /**
   * Display names for many ids at once, one query per table: a case record names every person,
   * agency and partnership on its timeline. Ids the directory does not know are left out.
   */
  async displayNames(ids: { personIds: string[]; agencyIds: string[]; partnershipIds: string[] }) {
    const [people, agencies, partnerships] = await Promise.all([
      ids.personIds.length
        ? this.persons.find({ select: ['id', 'displayName'], where: { id: In(ids.personIds) } })
        : [],
      ids.agencyIds.length
        ? this.agenciesRepo.find({ select: ['id', 'name'], where: { id: In(ids.agencyIds) } })
        : [],
      ids.partnershipIds.length
        ? this.partnerships.find({ select: ['id', 'name'], where: { id: In(ids.partnershipIds) } })
        : [],
    ]);
    return {
      people: new Map(people.map((p) => [p.id, p.displayName])),
      agencies: new Map(agencies.map((a) => [a.id, a.name])),
      partnerships: new Map(partnerships.map((p) => [p.id, p.name])),
    };
  }

  /** Whether the partnership raises cases under the `demo` protocol. */
  async demoProtocolEnabled(partnershipId: string): Promise<boolean> {
    const p = await this.partnerships.findOne({
      select: ['id', 'demoProtocolEnabled'],
      where: { id: partnershipId },
    });
    return p?.demoProtocolEnabled ?? false;
  }

  async setDemoProtocolEnabled(partnershipId: string, enabled: boolean): Promise<void> {
    await this.partnerships.update({ id: partnershipId }, { demoProtocolEnabled: enabled });
  }

  async partnership(partnershipId: string): Promise<PartnershipSummary | null> {
    return this.partnerships.findOne({ select: ['id', 'name'], where: { id: partnershipId } });
  }

  /** Holders of the partnership's roles, by role then name. */
  async partnershipRoleHolders(partnershipId: string): Promise<PartnershipRoleHolder[]> {
    return this.partnershipRoles
      .createQueryBuilder('pr')
      .innerJoin(PersonEntity, 'p', 'p.id = pr.personId')
      .select('pr.role', 'role')
      .addSelect('pr.subGroup', 'subGroup')
      .addSelect('p.id', 'personId')
      .addSelect('p.displayName', 'displayName')
      .where('pr.partnershipId = :partnershipId', { partnershipId })
      .orderBy('pr.role')
      .addOrderBy('p.displayName')
      .getRawMany<PartnershipRoleHolder>();
  }

  /** The partnership's agencies, by name. */
  async agencies(partnershipId: string): Promise<AgencySummary[]> {
    return this.agenciesRepo.find({
      select: ['id', 'name', 'kind'],
      where: { partnershipId },
      order: { name: 'ASC' },
    });
  }

  async agency(agencyId: string): Promise<AgencyRecord | null> {
    return this.agenciesRepo.findOne({
      select: ['id', 'partnershipId', 'name', 'kind'],
      where: { id: agencyId },
    });
  }

  /** Holders of the agency's roles, by role then name. */
  async agencyRoleHolders(agencyId: string): Promise<AgencyRoleHolder[]> {
    return this.agencyRoles
      .createQueryBuilder('ar')
      .innerJoin(PersonEntity, 'p', 'p.id = ar.personId')
      .select('ar.role', 'role')
      .addSelect('p.id', 'personId')
      .addSelect('p.displayName', 'displayName')
      .where('ar.agencyId = :agencyId', { agencyId })
      .orderBy('ar.role')
      .addOrderBy('p.displayName')
      .getRawMany<AgencyRoleHolder>();
  }

  /** Adds a partnership; 'duplicate' when its id exists already. */
  async insertPartnership(partnership: PartnershipSummary): Promise<InsertOutcome> {
    return this.insertUnlessExists(PartnershipEntity, partnership);
  }

  /** Adds an agency; 'duplicate' when its id exists already. */
  async insertAgency(agency: AgencyRecord): Promise<InsertOutcome> {
    return this.insertUnlessExists(AgencyEntity, agency);
  }

  /**
   * The partnership's people by name, each with their agency roles (by agency, then role) and
   * partnership roles (by role).
   */
  async peopleWithRoles(partnershipId: string): Promise<PersonWithRoles[]> {
    const people = await this.persons.find({
      select: [...PERSON_CONTACT_COLUMNS, 'lineManagerId'],
      where: { partnershipId },
      order: { displayName: 'ASC' },
    });
    if (people.length === 0) return [];
    const personIds = people.map((p) => p.id);
    const [agencyRoles, partnershipRoles] = await Promise.all([
      this.agencyRoles.find({
        select: ['id', 'personId', 'agencyId', 'role'],
        where: { personId: In(personIds) },
        order: { agencyId: 'ASC', role: 'ASC' },
      }),
      this.partnershipRoles.find({
        select: ['id', 'personId', 'role', 'subGroup'],
        where: { personId: In(personIds) },
        order: { role: 'ASC' },
      }),
    ]);
    return people.map((p) => ({
      id: p.id,
      displayName: p.displayName,
      email: p.email,
      phone: p.phone,
      channels: p.channels,
      smsOutOfHours: p.smsOutOfHours,
      lineManagerId: p.lineManagerId,
      agencyRoles: agencyRoles
        .filter((r) => r.personId === p.id)
        .map((r) => ({ id: r.id, agencyId: r.agencyId, role: r.role })),
      partnershipRoles: partnershipRoles
        .filter((r) => r.personId === p.id)
        .map((r) => ({ id: r.id, role: r.role, subGroup: r.subGroup })),
    }));
  }

  /** The partnership a person belongs to; null when there is no such person. */
  async personPartnershipId(personId: string): Promise<string | null> {
    const row = await this.persons.findOne({ select: ['partnershipId'], where: { id: personId } });
    return row?.partnershipId ?? null;
  }

  async personContact(personId: string): Promise<PersonContact | null> {
    return this.persons.findOne({ select: PERSON_CONTACT_COLUMNS, where: { id: personId } });
  }

  /** Adds a person; 'duplicate' when the id or the identity subject is already someone's. */
  async insertPerson(person: NewPerson): Promise<InsertOutcome> {
    return this.insertUnlessExists(PersonEntity, person);
  }

  async updatePerson(personId: string, change: PersonChange): Promise<void> {
    const set = Object.fromEntries(
      Object.entries(change).filter(([, value]) => value !== undefined),
    ) as PersonChange;
    if (Object.keys(set).length === 0) return;
    await this.persons.update({ id: personId }, set);
  }

  /** Each person's recorded line manager (null when none is recorded), for the ids given. */
  async lineManagersOf(personIds: string[]): Promise<Map<string, string | null>> {
    const ids = [...new Set(personIds)];
    if (ids.length === 0) return new Map();
    const rows = await this.persons.find({ select: ['id', 'lineManagerId'], where: { id: In(ids) } });
    return new Map(rows.map((r) => [r.id, r.lineManagerId]));
  }

  /**
   * The people above a person in line management, nearest first, stopping after `limit` steps
   * (a chain that long, or one that loops, is already a data problem the caller reports).
   */
  async lineManagementChain(personId: string, limit = 50): Promise<string[]> {
    const chain: string[] = [];
    let current: string | null = personId;
    while (current && chain.length < limit) {
      const row: Pick<PersonEntity, 'lineManagerId'> | null = await this.persons.findOne({
        select: ['lineManagerId'],
        where: { id: current },
      });
      current = row?.lineManagerId ?? null;
      if (current) chain.push(current);
      if (current && chain.indexOf(current) !== chain.length - 1) break;
    }
    return chain;
  }

  async setLineManager(personId: string, lineManagerId: string | null): Promise<void> {
    await this.persons.update({ id: personId }, { lineManagerId });
  }

  /** The new role's id, or null when the person already holds that role in that agency. */
  async addAgencyRole(
    role: Pick<AgencyRoleEntity, 'personId' | 'agencyId' | 'role'>,
  ): Promise<string | null> {
    const result = await this.agencyRoles
      .createQueryBuilder()
      .insert()
      .values(role)
      .orIgnore()
      .returning('id')
      .execute();
    return (result.raw as { id: string }[])[0]?.id ?? null;
  }

  /** The new role's id, or null when the person already holds that partnership role. */
  async addPartnershipRole(
    role: Pick<PartnershipRoleEntity, 'personId' | 'partnershipId' | 'role' | 'subGroup'>,
  ): Promise<string | null> {
    const result = await this.partnershipRoles
      .createQueryBuilder()
      .insert()
      .values(role)
      .orIgnore()
      .returning('id')
      .execute();
    return (result.raw as { id: string }[])[0]?.id ?? null;
  }

  async holdsAgencyRole(personId: string, agencyId: string, role: string): Promise<boolean> {
    return this.agencyRoles.exists({ where: { personId, agencyId, role } });
  }

  async holdsPartnershipRole(personId: string, partnershipId: string, role: string): Promise<boolean> {
    return this.partnershipRoles.exists({ where: { personId, partnershipId, role } });
  }

  /** Removes the agency or partnership role with that id held by the person; false when none. */
  async removeRole(personId: string, roleId: string): Promise<boolean> {
    const agency = await this.agencyRoles.delete({ id: roleId, personId });
    if (agency.affected) return true;
    const partnership = await this.partnershipRoles.delete({ id: roleId, personId });
    return Boolean(partnership.affected);
  }

  /** The person a token's subject names, with the roles they hold; null when nobody. */
  async callerBySubject(identitySubject: string): Promise<CallerRecord | null> {
    return this.callerWhere({ identitySubject });
  }

  /** The same, by directory person id: the worker re-checks an action's actor with it. */
  async callerByPersonId(personId: string): Promise<CallerRecord | null> {
    return this.callerWhere({ id: personId });
  }

  private async callerWhere(
    where: { identitySubject: string } | { id: string },
  ): Promise<CallerRecord | null> {
    const person = await this.persons.findOne({ select: ['id', 'partnershipId'], where });
    if (!person) return null;
    const [agencyRoles, partnershipRoles] = await Promise.all([
      this.agencyRoles.find({ select: ['agencyId', 'role'], where: { personId: person.id } }),
      this.partnershipRoles.find({ select: ['role'], where: { personId: person.id } }),
    ]);
    return {
      personId: person.id,
      partnershipId: person.partnershipId,
      agencyRoles: agencyRoles.map((r) => ({ agencyId: r.agencyId, role: r.role })),
      partnershipRoles: partnershipRoles.map((r) => r.role),
    };
  }

  /** What the notifier routes an escalation's messages by; null when there is no such escalation. */
  async escalationRouting(escalationId: string): Promise<EscalationRouting | null> {
    const row = await this.db
      .getRepository(EscalationEntity)
      .createQueryBuilder('e')
      .innerJoin(PartnershipEntity, 'p', 'p.id = e.partnershipId')
      .select('e.id', 'id')
      .addSelect('e.reference', 'reference')
      .addSelect('e.partnershipId', 'partnershipId')
      .addSelect('p.name', 'partnershipName')
      .addSelect('p.emailDetail', 'emailDetail')
      .addSelect('e.protocolId', 'protocolId')
      .addSelect('e.protocolVersion', 'protocolVersion')
      .addSelect('e.category', 'category')
      .addSelect('e.immediateRisk', 'immediateRisk')
      .addSelect('e.tierNumber', 'tierNumber')
      .addSelect('e.tierKey', 'tierKey')
      .addSelect('e.raisingAgencyId', 'raisingAgencyId')
      .addSelect('e.receivingAgencyId', 'receivingAgencyId')
      .addSelect('e.raisingPersonId', 'raisingPersonId')
      .addSelect('e.receivingPersonId', 'receivingPersonId')
      .where('e.id = :escalationId', { escalationId })
      .getRawOne<EscalationRouting>();
    return row ?? null;
  }

  /**
   * The role holders of the two agencies and of the partnership, and the contact details of
   * every person among them or the two named people.
   */
  async aroundEscalation(parties: {
    partnershipId: string;
    agencyIds: string[];
    personIds: string[];
  }): Promise<EscalationDirectory> {
    const [agencyRoles, partnershipRoles] = await Promise.all([
      this.agencyRoles.find({
        select: ['personId', 'agencyId', 'role'],
        where: { agencyId: In(parties.agencyIds) },
      }),
      this.partnershipRoles.find({
        select: ['personId', 'partnershipId', 'role'],
        where: { partnershipId: parties.partnershipId },
      }),
    ]);
    const personIds = [
      ...new Set([
        ...parties.personIds,
        ...agencyRoles.map((r) => r.personId),
        ...partnershipRoles.map((r) => r.personId),
      ]),
    ];
    const people = await this.persons.find({
      select: PERSON_CONTACT_COLUMNS,
      where: { id: In(personIds) },
    });
    return {
      people: people.map((p) => ({
        id: p.id,
        displayName: p.displayName,
        email: p.email,
        phone: p.phone,
        channels: p.channels,
        smsOutOfHours: p.smsOutOfHours,
      })),
      agencyRoles: agencyRoles.map((r) => ({ personId: r.personId, agencyId: r.agencyId, role: r.role })),
      partnershipRoles: partnershipRoles.map((r) => ({
        personId: r.personId,
        partnershipId: r.partnershipId,
        role: r.role,
      })),
    };
  }

  /**
   * INSERT ... ON CONFLICT DO NOTHING: a row that clashes with any unique key is skipped rather
   * than failing, so a caller inside a transaction can carry on (a failed statement would abort it).
   */
  private async insertUnlessExists<T extends { id: string }>(
    entity: new () => T,
    row: QueryDeepPartialEntity<T>,
  ): Promise<InsertOutcome> {
    const result = await this.db
      .getRepository(entity)
      .createQueryBuilder()
      .insert()
      .values(row)
      .orIgnore()
      .returning('id')
      .execute();
    return (result.raw as unknown[]).length > 0 ? 'created' : 'duplicate';
  }
}
