import { In, type DataSource, type EntityManager } from 'typeorm';
import { CASE_CONTENT_AUDIT, planItemHash, type PlanItemContent } from '../audit-chain';
import { ActionRecordEntity, PlanItemEntity } from '../entities/escalation.entities';
import { AuditRepository, type CaseContentAuditContext } from './audit.repository';
import { refusingCaseRecordChanges } from './case-record-refusal';

/** Every column of a plan item, for RETURNING (the fingerprint covers each). */
export const PLAN_ITEM_COLUMNS =
  'id, escalation_id, action_id, owner_agency_id, owner_person_id, description, due_at, status';

/** A plan item as INSERT/UPDATE ... RETURNING gives it (raw column names). */
export interface StoredPlanItem {
  id: string;
  escalation_id: string;
  action_id: string;
  owner_agency_id: string;
  owner_person_id: string | null;
  description: string;
  due_at: Date;
  status: 'open' | 'done';
}

export function planItemOfRow(row: StoredPlanItem): PlanItemContent {
  return {
    id: row.id,
    escalationId: row.escalation_id,
    actionId: row.action_id,
    ownerAgencyId: row.owner_agency_id,
    ownerPersonId: row.owner_person_id,
    description: row.description,
    dueAt: row.due_at,
    status: row.status,
  };
}

/** Who writes or removes plan items, as their fingerprint rows name them. */
export type PlanItemsAuditContext = Omit<CaseContentAuditContext, 'requestId'> & {
  requestId?: string | null;
};

export type NewPlanItem = Pick<
  PlanItemEntity,
  'id' | 'escalationId' | 'actionId' | 'ownerAgencyId' | 'ownerPersonId' | 'description' | 'dueAt'
>;

/**
 * `plan_item`: the wording of agreed plans (who, what, by when). The items are written before
 * the workflow hears of the plan, and belong to the record only once their agreement is accepted.
 * Append-only (migration 1764600000000-AppendOnlyCaseRecord): the wording never changes, the
 * status moves from open to done, and only the items of a plan not accepted are ever deleted.
 */
export class PlanItemsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly boundManager?: EntityManager,
  ) {}

  withManager(manager: EntityManager): PlanItemsRepository {
    return new PlanItemsRepository(this.dataSource, manager);
  }

  private get items() {
    return (this.boundManager ?? this.dataSource.manager).getRepository(PlanItemEntity);
  }

  /** Runs `work` in the caller's transaction when bound to one, else in a new one. */
  private transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.boundManager ? work(this.boundManager) : this.dataSource.transaction(work);
  }

  /**
   * Writes the items with the audit row that fingerprints them, in one transaction; an item
   * whose id exists already (a retried request) is left as it is, and not fingerprinted again.
   */
  async insertIfAbsent(items: NewPlanItem[], context: PlanItemsAuditContext = {}): Promise<void> {
    if (items.length === 0) return;
    await this.transaction(async (manager) => {
      const result = await manager
        .getRepository(PlanItemEntity)
        .createQueryBuilder()
        .insert()
        .values(items)
        .orIgnore()
        .returning(PLAN_ITEM_COLUMNS)
        .execute();
      const written = (result.raw as StoredPlanItem[]).map(planItemOfRow);
      if (written.length === 0) return;
      await new AuditRepository(manager).recordCaseContent(
        CASE_CONTENT_AUDIT.planItems,
        items[0].escalationId,
        { fingerprints: Object.fromEntries(written.map((i) => [i.id, planItemHash(i)])) },
        {
          ...context,
          requestId: context.requestId ?? `record:${items[0].actionId}`,
          actionRecordId: items[0].actionId,
        },
      );
    });
  }

  /**
   * Removes the items of a plan agreement unless the agreement was accepted, with an audit row
   * naming what was removed (so the check of the chain knows they went by design). Should a
   * retry have the agreement accepted between the check and the delete, Postgres refuses the
   * delete (CaseRecordChangeRefused) and the items stay.
   */
  async deleteUnlessAccepted(actionId: string, context: PlanItemsAuditContext = {}): Promise<void> {
    await this.transaction(async (manager) => {
      const accepted = manager
        .createQueryBuilder()
        .subQuery()
        .select('1')
        .from(ActionRecordEntity, 'a')
        .where('a.id = :actionId')
        .andWhere("a.outcome = 'accepted'")
        .getQuery();
      const result = await refusingCaseRecordChanges(() =>
        manager
          .createQueryBuilder()
          .delete()
          .from(PlanItemEntity)
          .where('action_id = :actionId', { actionId })
          .andWhere(`NOT EXISTS ${accepted}`)
          .returning('id, escalation_id')
          .execute(),
      );
      const removed = result.raw as { id: string; escalation_id: string }[];
      if (removed.length === 0) return;
      await new AuditRepository(manager).recordCaseContent(
        CASE_CONTENT_AUDIT.planItemsRemoved,
        removed[0].escalation_id,
        { removed: removed.map((r) => r.id), reason: 'plan-not-accepted' },
        { ...context, requestId: context.requestId ?? `record:${actionId}`, actionRecordId: actionId },
      );
    });
  }

  /** The plan items of one case, soonest due first. */
  forEscalation(escalationId: string): Promise<PlanItemEntity[]> {
    return this.items.find({ where: { escalationId }, order: { dueAt: 'ASC', id: 'ASC' } });
  }

  /** The plan items of these cases, soonest due first. */
  forEscalations(escalationIds: string[]): Promise<PlanItemEntity[]> {
    if (escalationIds.length === 0) return Promise.resolve([]);
    return this.items.find({
      where: { escalationId: In(escalationIds) },
      order: { dueAt: 'ASC', id: 'ASC' },
    });
  }
}
