import { Brackets, In, type DataSource, type EntityManager } from 'typeorm';
import { ActionRecordEntity, EscalationEntity } from '../entities/escalation.entities';
import {
  ActionRecordsRepository,
  type NewActionRecord,
  type RecordAuditContext,
} from './action-records.repository';
import { SubjectsRepository } from './subjects.repository';

/** The columns a raise writes; the rest keep their defaults until the workflow projects its state. */
export type NewEscalation = Pick<
  EscalationEntity,
  | 'id'
  | 'reference'
  | 'partnershipId'
  | 'protocolId'
  | 'protocolVersion'
  | 'category'
  | 'tierNumber'
  | 'tierKey'
  | 'immediateRisk'
  | 'raisingAgencyId'
  | 'receivingAgencyId'
  | 'raisingPersonId'
  | 'receivingPersonId'
  | 'raisedAt'
  | 'workflowId'
>;

/**
 * Need to know: which cases a caller may list. Their agencies' cases (raised or received), and
 * every case of one partnership for its board roles.
 */
/** Who may read which cases (the API's need-to-know rule, services/api/src/auth/need-to-know.ts). */
export interface EscalationAccess {
  /** The person's own cases: raised, received or acted on. */
  personId: string;
  /** Set when the caller holds a partnership role that sees the partnership's cases. */
  partnershipId?: string;
  /** An agency's cases of a protocol on one side, once they reach `fromTier`. */
  agencyTiers: { protocolId: string; side: 'raising' | 'receiving'; agencyId: string; fromTier: number }[];
}

export interface EscalationListFilter {
  partnershipId?: string;
  protocolId?: string;
  status?: string;
  tier?: number;
  /** Cases this agency raised or received. */
  agencyId?: string;
  /** Open cases whose current deadline has passed. */
  overdue?: boolean;
  /** ISO instants: raised in [raisedFrom, raisedTo). */
  raisedFrom?: string;
  raisedTo?: string;
  /** Keyset pagination: only cases after this one in (raisedAt desc, id desc) order. */
  after?: { raisedAt: string; id: string };
  limit: number;
}

export interface OpenEscalationCount {
  protocolId: string;
  tierNumber: number;
  count: number;
}

/**
 * The `escalation` table: the row each case keeps (people and text by reference, the workflow's
 * latest projection, the workflow outbox state). The worker's projection writes go through its
 * own repository; this one serves the API's raise, reads and the workflow-start relay.
 */
export class EscalationsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly boundManager?: EntityManager,
  ) {}

  /** The same repository inside a caller's transaction. */
  withManager(manager: EntityManager): EscalationsRepository {
    return new EscalationsRepository(this.dataSource, manager);
  }

  private get manager(): EntityManager {
    return this.boundManager ?? this.dataSource.manager;
  }

  private get rows() {
    return this.manager.getRepository(EscalationEntity);
  }

  /** `id` must be a uuid (the column's type): callers check ids that come from outside. */
  findById(id: string): Promise<EscalationEntity | null> {
    return this.rows.findOneBy({ id });
  }

  /**
   * Writes a raised case in one transaction: the row ('pending' until its workflow is confirmed
   * started), the subject, the raising action and its audit row. A unique violation (reference
   * taken, or the same id written by a concurrent retry) rejects with Postgres' code 23505.
   */
  async insertRaised(
    raised: {
      escalation: NewEscalation;
      subject: Parameters<SubjectsRepository['insert']>[0];
      raiseAction: NewActionRecord;
    },
    context: Pick<RecordAuditContext, 'requestId'> = {},
  ): Promise<void> {
    const write = async (manager: EntityManager) => {
      await manager.insert(EscalationEntity, {
        ...raised.escalation,
        status: 'open',
        urgent: raised.escalation.immediateRisk,
        workflowState: 'pending',
      });
      await new SubjectsRepository(this.dataSource, manager).insert(raised.subject, {
        requestId: context.requestId,
        partnershipId: raised.escalation.partnershipId,
        personId: raised.raiseAction.personId,
        agencyId: raised.raiseAction.agencyId,
        role: raised.raiseAction.role,
      });
      await new ActionRecordsRepository(this.dataSource, manager).insert(raised.raiseAction, {
        ...context,
        partnershipId: raised.escalation.partnershipId,
      });
    };
    if (this.boundManager) await write(this.boundManager);
    else await this.dataSource.transaction(write);
  }

  /** The partnership of each of these workflows that is a case's (others are left out). */
  async partnershipsOfWorkflows(workflowIds: string[]): Promise<Map<string, string>> {
    if (workflowIds.length === 0) return new Map();
    const rows = await this.rows.find({
      where: { workflowId: In(workflowIds) },
      select: { workflowId: true, partnershipId: true },
    });
    return new Map(rows.map((r) => [r.workflowId, r.partnershipId]));
  }

  /** The partnership of each of these escalations (unknown ids are left out). */
  async partnershipsOfEscalations(escalationIds: string[]): Promise<Map<string, string>> {
    if (escalationIds.length === 0) return new Map();
    const rows = await this.rows.find({
      where: { id: In(escalationIds) },
      select: { id: true, partnershipId: true },
    });
    return new Map(rows.map((r) => [r.id, r.partnershipId]));
  }

  /** The outbox step: the workflow of this row is confirmed started. */
  async markWorkflowStarted(id: string): Promise<void> {
    await this.rows.update({ id }, { workflowState: 'started' });
  }

  /** Rows whose workflow start did not complete (a crash between the two steps), oldest first. */
  async pendingWorkflowStarts(olderThanMs: number, limit = 100): Promise<string[]> {
    const rows: { id: string }[] = await this.rows
      .createQueryBuilder('e')
      .select('e.id', 'id')
      .where("e.workflowState = 'pending'")
      // The database's clock, as for created_at itself.
      .andWhere("e.createdAt < now() - (CAST(:olderThanMs AS int) * interval '1 millisecond')", {
        olderThanMs,
      })
      .limit(limit)
      .getRawMany();
    return rows.map((r) => r.id);
  }

  /** One page of the cases the caller may see, newest first; one row more than `limit` when more follow. */
  list(access: EscalationAccess, filter: EscalationListFilter): Promise<EscalationEntity[]> {
    const q = this.rows.createQueryBuilder('e').where(
      new Brackets((visible) => {
        visible
          .where('e.raisingPersonId = :accessPersonId', { accessPersonId: access.personId })
          .orWhere('e.receivingPersonId = :accessPersonId')
          .orWhere(
            `EXISTS ${this.rows
              .createQueryBuilder()
              .subQuery()
              .select('1')
              .from(ActionRecordEntity, 'a')
              .where('a.escalationId = e.id')
              .andWhere('a.personId = :accessPersonId')
              .getQuery()}`,
          );
        if (access.partnershipId)
          visible.orWhere('e.partnershipId = :accessPartnershipId', {
            accessPartnershipId: access.partnershipId,
          });
        access.agencyTiers.forEach((a, i) => {
          const agencyColumn = a.side === 'raising' ? 'e.raisingAgencyId' : 'e.receivingAgencyId';
          visible.orWhere(
            `(e.protocolId = :tierProtocol${i} AND ${agencyColumn} = :tierAgency${i} AND e.tierNumber >= :tierFrom${i})`,
            {
              [`tierProtocol${i}`]: a.protocolId,
              [`tierAgency${i}`]: a.agencyId,
              [`tierFrom${i}`]: a.fromTier,
            },
          );
        });
      }),
    );
    if (filter.partnershipId)
      q.andWhere('e.partnershipId = :partnershipId', { partnershipId: filter.partnershipId });
    if (filter.protocolId) q.andWhere('e.protocolId = :protocolId', { protocolId: filter.protocolId });
    if (filter.status) q.andWhere('e.status = :status', { status: filter.status });
    if (filter.tier) q.andWhere('e.tierNumber = :tier', { tier: filter.tier });
    if (filter.agencyId)
      q.andWhere('(e.raisingAgencyId = :agencyId OR e.receivingAgencyId = :agencyId)', {
        agencyId: filter.agencyId,
      });
    if (filter.overdue) q.andWhere("e.status = 'open' AND e.currentDueAt < now()");
    if (filter.raisedFrom) q.andWhere('e.raisedAt >= :raisedFrom', { raisedFrom: filter.raisedFrom });
    if (filter.raisedTo) q.andWhere('e.raisedAt < :raisedTo', { raisedTo: filter.raisedTo });
    if (filter.after)
      q.andWhere('(e.raisedAt, e.id) < (:afterRaisedAt, :afterId)', {
        afterRaisedAt: filter.after.raisedAt,
        afterId: filter.after.id,
      });
    return q
      .orderBy('e.raisedAt', 'DESC')
      .addOrderBy('e.id', 'DESC')
      .limit(filter.limit + 1)
      .getMany();
  }

  /** Cases an agency raised or received, raised in [from, to) (either bound optional), oldest first. */
  forAgency(
    agencyId: string,
    period: { from: string | null; to: string | null },
  ): Promise<EscalationEntity[]> {
    const q = this.rows
      .createQueryBuilder('e')
      .where('(e.raisingAgencyId = :agencyId OR e.receivingAgencyId = :agencyId)', { agencyId });
    if (period.from) q.andWhere('e.raisedAt >= :from', { from: period.from });
    if (period.to) q.andWhere('e.raisedAt < :to', { to: period.to });
    return q.orderBy('e.raisedAt', 'ASC').addOrderBy('e.reference', 'ASC').getMany();
  }

  /**
   * Every case of a partnership that counts somewhere in [from, to): raised in the period,
   * closed in it, or open at its end. Oldest first.
   */
  forPartnershipPeriod(
    partnershipId: string,
    period: { from: string; to: string },
  ): Promise<EscalationEntity[]> {
    return this.rows
      .createQueryBuilder('e')
      .where('e.partnershipId = :partnershipId', { partnershipId })
      .andWhere('e.raisedAt < :to', { to: period.to })
      .andWhere('(e.raisedAt >= :from OR e.closedAt IS NULL OR e.closedAt >= :from)', { from: period.from })
      .orderBy('e.raisedAt', 'ASC')
      .addOrderBy('e.reference', 'ASC')
      .getMany();
  }

  /** Open cases by protocol and current tier (the metrics gauge). */
  async openCountsByProtocolAndTier(): Promise<OpenEscalationCount[]> {
    return this.rows
      .createQueryBuilder('e')
      .select('e.protocolId', 'protocolId')
      .addSelect('e.tierNumber', 'tierNumber')
      .addSelect('count(*)::int', 'count')
      .where("e.status = 'open'")
      .groupBy('e.protocolId')
      .addGroupBy('e.tierNumber')
      .getRawMany();
  }
}
