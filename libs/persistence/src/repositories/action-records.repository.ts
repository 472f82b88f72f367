import { In, Not, type DataSource, type EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { ActionRecordEntity } from '../entities/escalation.entities';

export type ActionOutcome = ActionRecordEntity['outcome'];

/** A person's action as first written; its outcome follows once the workflow has answered. */
export type NewActionRecord = Pick<
  ActionRecordEntity,
  'id' | 'escalationId' | 'kind' | 'personId' | 'agencyId' | 'role' | 'text' | 'payload'
> &
  Partial<Pick<ActionRecordEntity, 'outcome' | 'requestId'>>;

export interface ActionCount {
  kind: string;
  outcome: string;
  count: number;
}

/**
 * `action_record`: every human action with its prose (reason, note, plan wording) and its
 * outcome. The id is the workflow update's id, so a retried request finds its first record.
 */
export class ActionRecordsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly boundManager?: EntityManager,
  ) {}

  withManager(manager: EntityManager): ActionRecordsRepository {
    return new ActionRecordsRepository(this.dataSource, manager);
  }

  private get manager(): EntityManager {
    return this.boundManager ?? this.dataSource.manager;
  }

  private get records() {
    return this.manager.getRepository(ActionRecordEntity);
  }

  async insert(record: NewActionRecord): Promise<void> {
    // TypeORM's deep-partial type does not take a Record<string, unknown> for a jsonb column.
    await this.records.insert(record as QueryDeepPartialEntity<ActionRecordEntity>);
  }

  /**
   * Writes the record of a requested action, or finds it again on a retry (same id). A record
   * first written as a placeholder (role 'pending', by a plan agreement that wrote its items
   * before knowing the actor) takes the actor's agency and role now; any other is left as is.
   */
  async recordRequested(record: NewActionRecord): Promise<void> {
    // Raw SQL: an upsert whose update is conditional on the existing row (TypeORM's orUpdate has no WHERE).
    await this.manager.query(
      `INSERT INTO action_record (id, escalation_id, kind, person_id, agency_id, role, text, payload, request_id)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)
       ON CONFLICT (id) DO UPDATE SET agency_id = EXCLUDED.agency_id, role = EXCLUDED.role WHERE action_record.role = 'pending'`,
      [
        record.id,
        record.escalationId,
        record.kind,
        record.personId,
        record.agencyId,
        record.role,
        record.text,
        JSON.stringify(record.payload),
        record.requestId ?? null,
      ],
    );
  }

  /** A placeholder whose actor is not known yet (role 'pending'); nothing if the id exists. */
  async insertPlaceholder(
    record: Pick<ActionRecordEntity, 'id' | 'escalationId' | 'kind' | 'personId' | 'text'> &
      Partial<Pick<ActionRecordEntity, 'payload'>>,
  ): Promise<void> {
    await this.records
      .createQueryBuilder()
      .insert()
      .values({
        payload: {},
        ...record,
        agencyId: null,
        role: 'pending',
      } as QueryDeepPartialEntity<ActionRecordEntity>)
      .orIgnore()
      .execute();
  }

  /** Who wrote the record and for which case and kind: what an action's authorisation is checked against. */
  async identityOf(
    id: string,
  ): Promise<Pick<
    ActionRecordEntity,
    'id' | 'escalationId' | 'kind' | 'personId' | 'agencyId' | 'role'
  > | null> {
    return this.records.findOne({
      where: { id },
      select: { id: true, escalationId: true, kind: true, personId: true, agencyId: true, role: true },
    });
  }

  /**
   * The fingerprint of the request that first wrote the record (payload.requestHash): undefined
   * when there is no record, null when it was written without one.
   */
  async requestHashOf(id: string): Promise<string | null | undefined> {
    const record = await this.records.findOne({ where: { id }, select: { id: true, payload: true } });
    if (!record) return undefined;
    const hash = record.payload?.requestHash;
    return typeof hash === 'string' ? hash : null;
  }

  /** Whether the person has any action on record on the case (need to know: they took part). */
  async hasActedOn(personId: string, escalationId: string): Promise<boolean> {
    return this.records.exists({ where: { personId, escalationId } });
  }

  async outcomeOf(id: string): Promise<ActionOutcome | null> {
    const record = await this.records.findOne({ where: { id }, select: { id: true, outcome: true } });
    return record?.outcome ?? null;
  }

  async setOutcome(id: string, outcome: ActionOutcome): Promise<void> {
    await this.records.update({ id }, { outcome });
  }

  /**
   * Marks the record accepted unless it already is. False: a retry found it accepted (so the
   * effect it stands for, e.g. a signal Temporal does not de-duplicate, must not happen again).
   */
  async claimAcceptance(id: string): Promise<boolean> {
    const result = await this.records.update({ id, outcome: Not('accepted') }, { outcome: 'accepted' });
    return (result.affected ?? 0) > 0;
  }

  /** The action that raised the case (who raised it, as which agency and role). */
  raiseActionOf(escalationId: string): Promise<Pick<ActionRecordEntity, 'id' | 'agencyId' | 'role'> | null> {
    return this.records.findOne({
      where: { escalationId, kind: 'raise' },
      select: { id: true, agencyId: true, role: true },
    });
  }

  /** Every action of these cases, in the order they were recorded. */
  forEscalations(escalationIds: string[]): Promise<ActionRecordEntity[]> {
    if (escalationIds.length === 0) return Promise.resolve([]);
    return this.records.find({
      where: { escalationId: In(escalationIds) },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  /** Actions recorded, by kind and outcome (the metrics gauge). */
  countsByKindAndOutcome(): Promise<ActionCount[]> {
    return this.records
      .createQueryBuilder('a')
      .select('a.kind', 'kind')
      .addSelect('a.outcome', 'outcome')
      .addSelect('count(*)::int', 'count')
      .groupBy('a.kind')
      .addGroupBy('a.outcome')
      .getRawMany();
  }
}
