import type { DataSource, EntityManager } from 'typeorm';
import {
  CASE_CONTENT_AUDIT,
  planItemHash,
  timelineEntryHash,
  type PlanItemContent,
  type TimelineEntryContent,
} from '../audit-chain';
import { EscalationEntity, EscalationEventEntity, PlanItemEntity } from '../entities/escalation.entities';
import { AuditRepository } from './audit.repository';
import { planItemOfRow, PLAN_ITEM_COLUMNS, type StoredPlanItem } from './plan-items.repository';
import { LodgementsRepository } from './lodgements.repository';
import { WebhooksRepository } from './webhooks.repository';

/** The escalation row's columns a projection writes (the workflow's view of the case). */
export type ProjectedEscalation = Pick<
  EscalationEntity,
  | 'id'
  | 'status'
  | 'tierNumber'
  | 'tierKey'
  | 'immediateRisk'
  | 'urgent'
  | 'currentDueAt'
  | 'deadlineExplanation'
  | 'breaches'
  | 'closedAt'
> & {
  /** The workflow's whole state, kept as jsonb for reads that need more than the columns. */
  state: object;
  /** How many timeline entries this projection covers: later projections have more. */
  stateSeq: number;
};

/** One timeline entry as the projection writes it. */
export type ProjectedTimelineEntry = Pick<
  EscalationEventEntity,
  'seq' | 'at' | 'type' | 'tier' | 'actionId'
> & {
  actor: unknown;
  /** Absent: the column's default, an empty object. */
  detail?: Record<string, unknown>;
};

export interface EscalationProjection {
  escalation: ProjectedEscalation;
  /** The whole timeline so far, oldest first; only entries not yet stored are written. */
  timeline: ProjectedTimelineEntry[];
  /** Ids of the plan items the workflow counts as done. */
  donePlanItemIds: string[];
}

/**
 * The escalation worker's writes: the workflow's state projected into Postgres (for lists,
 * filters and reports), and the escalations whose workflows are running.
 */
export class EscalationProjectionRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Writes one projection in one transaction. Idempotent: a retried activity rewrites the same
   * row, an older projection arriving late (lower stateSeq) leaves a newer row alone, and the
   * unique (escalation, seq) key drops timeline entries already written.
   */
  async record(projection: EscalationProjection): Promise<void> {
    const { escalation } = projection;
    await this.dataSource.transaction(async (manager) => {
      await manager
        .createQueryBuilder()
        .update(EscalationEntity)
        .set({
          status: escalation.status,
          tierNumber: escalation.tierNumber,
          tierKey: escalation.tierKey,
          immediateRisk: escalation.immediateRisk,
          urgent: escalation.urgent,
          currentDueAt: escalation.currentDueAt,
          deadlineExplanation: escalation.deadlineExplanation,
          breaches: escalation.breaches,
          state: escalation.state,
          stateSeq: escalation.stateSeq,
          closedAt: escalation.closedAt,
          workflowState: 'started',
          updatedAt: () => 'now()',
        })
        .where('id = :id AND state_seq <= :stateSeq', { id: escalation.id, stateSeq: escalation.stateSeq })
        .execute();
      const { fresh: stored, written } = await this.insertNewTimelineEntries(
        manager,
        escalation.id,
        projection.timeline,
      );
      // The webhook outbox (docs/integrations.md): queued with the entries, so exactly when they are stored.
      await new WebhooksRepository(manager).enqueueTimelineEvents(escalation.id, stored);
      // The lodging outbox (docs/records-and-reports.md, "Lodged forms"): the same transaction.
      await new LodgementsRepository(manager).enqueueMoments(escalation.id, stored);
      let done: PlanItemContent[] = [];
      if (projection.donePlanItemIds.length > 0) {
        const result = await manager
          .createQueryBuilder()
          .update(PlanItemEntity)
          .set({ status: 'done' })
          // Only items still open: an item already done is not written (nor fingerprinted) again.
          .where("escalation_id = :escalationId AND id IN (:...ids) AND status = 'open'", {
            escalationId: escalation.id,
            ids: projection.donePlanItemIds,
          })
          .returning(PLAN_ITEM_COLUMNS)
          .execute();
        done = (result.raw as StoredPlanItem[]).map(planItemOfRow);
      }
      // Last in the transaction, so the chain's lock is held only for the commit: the
      // fingerprints of what this projection wrote (issue 13: the case record, chained).
      await this.fingerprint(manager, escalation.id, written, done);
    });
  }

  /** The audit rows chaining the timeline entries and plan item versions just written. */
  private async fingerprint(
    manager: EntityManager,
    escalationId: string,
    entries: TimelineEntryContent[],
    items: PlanItemContent[],
  ): Promise<void> {
    const audit = new AuditRepository(manager);
    const context = { requestId: `projection:${escalationId}` };
    if (entries.length > 0) {
      await audit.recordCaseContent(
        CASE_CONTENT_AUDIT.timeline,
        escalationId,
        { fingerprints: Object.fromEntries(entries.map((e) => [String(e.seq), timelineEntryHash(e)])) },
        context,
      );
    }
    if (items.length > 0) {
      await audit.recordCaseContent(
        CASE_CONTENT_AUDIT.planItems,
        escalationId,
        { fingerprints: Object.fromEntries(items.map((i) => [i.id, planItemHash(i)])) },
        context,
      );
    }
  }

  /**
   * The timeline only grows, and each projection writes its new entries in one transaction, so
   * everything up to the highest stored seq is already there: only what follows is sent (and
   * returned).
   */
  private async insertNewTimelineEntries(
    manager: EntityManager,
    escalationId: string,
    timeline: ProjectedTimelineEntry[],
  ): Promise<{ fresh: ProjectedTimelineEntry[]; written: TimelineEntryContent[] }> {
    const stored = await manager
      .createQueryBuilder(EscalationEventEntity, 'event')
      .select('COALESCE(MAX(event.seq), 0)::int', 'stored')
      .where('event.escalationId = :escalationId', { escalationId })
      .getRawOne<{ stored: number }>();
    const fresh = timeline.filter((e) => e.seq > Number(stored?.stored ?? 0));
    if (fresh.length === 0) return { fresh: [], written: [] };
    // Raw SQL: jsonb_to_recordset sends any number of entries as one parameter in one statement (a
    // case with hundreds of notes used to cost a query per entry; a multi-row VALUES list would
    // run into Postgres's parameter limit on a long first projection).
    // RETURNING: the rows as stored (and only those this statement stored), for their fingerprints.
    const written = (await manager.query(
      `INSERT INTO escalation_event (escalation_id, seq, at, type, tier, actor, action_id, detail)
       SELECT $1, e.seq, e.at, e.type, e.tier, e.actor, e."actionId", COALESCE(e.detail, '{}'::jsonb)
         FROM jsonb_to_recordset($2::jsonb) AS e(seq int, at timestamptz, type text, tier int, actor jsonb, "actionId" uuid, detail jsonb)
       ON CONFLICT (escalation_id, seq) DO NOTHING
       RETURNING escalation_id AS "escalationId", seq, at, type, tier, actor, action_id AS "actionId", detail`,
      [
        escalationId,
        JSON.stringify(
          fresh.map((e) => ({
            seq: e.seq,
            at: e.at,
            type: e.type,
            tier: e.tier,
            actor: e.actor ?? null,
            actionId: e.actionId,
            detail: e.detail,
          })),
        ),
      ],
    )) as TimelineEntryContent[];
    return { fresh, written };
  }

  /** How many timeline entries the stored projection covers (0 before the first one). */
  async projectedSeq(escalationId: string): Promise<number> {
    const row = await this.dataSource
      .getRepository(EscalationEntity)
      .findOne({ select: { stateSeq: true }, where: { id: escalationId } });
    return Number(row?.stateSeq ?? 0);
  }

  /** Workflow ids of the open escalations whose workflows have started, oldest case first. */
  async openWorkflowIds(): Promise<string[]> {
    const rows = await this.dataSource.getRepository(EscalationEntity).find({
      select: { workflowId: true },
      where: { status: 'open', workflowState: 'started' },
      order: { raisedAt: 'ASC' },
    });
    return rows.map((r) => r.workflowId);
  }
}
