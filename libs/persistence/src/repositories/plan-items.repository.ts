import { In, type DataSource, type EntityManager } from 'typeorm';
import { ActionRecordEntity, PlanItemEntity } from '../entities/escalation.entities';
import { refusingCaseRecordChanges } from './case-record-refusal';

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

  /** Writes the items; an item whose id exists already (a retried request) is left as it is. */
  async insertIfAbsent(items: NewPlanItem[]): Promise<void> {
    if (items.length === 0) return;
    await this.items.createQueryBuilder().insert().values(items).orIgnore().execute();
  }

  /**
   * Removes the items of a plan agreement unless the agreement was accepted. Should a retry
   * have the agreement accepted between the check and the delete, Postgres refuses the delete
   * (CaseRecordChangeRefused) and the items stay.
   */
  async deleteUnlessAccepted(actionId: string): Promise<void> {
    const manager = this.boundManager ?? this.dataSource.manager;
    const accepted = manager
      .createQueryBuilder()
      .subQuery()
      .select('1')
      .from(ActionRecordEntity, 'a')
      .where('a.id = :actionId')
      .andWhere("a.outcome = 'accepted'")
      .getQuery();
    await refusingCaseRecordChanges(() =>
      manager
        .createQueryBuilder()
        .delete()
        .from(PlanItemEntity)
        .where('action_id = :actionId', { actionId })
        .andWhere(`NOT EXISTS ${accepted}`)
        .execute(),
    );
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
