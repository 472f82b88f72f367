import type { DataSource } from 'typeorm';
import type { EscalationState } from '@resolve/domain';

/**
 * Projects the workflow's state into Postgres: the escalation row (for lists, filters and
 * reports) and the timeline entries. Idempotent: a retried activity rewrites the same row and
 * the unique (escalation, seq) key drops timeline entries already written.
 */
export function createProjectionActivities(deps: { dataSource: DataSource }) {
  return {
    async recordProjection(state: EscalationState): Promise<void> {
      await deps.dataSource.transaction(async (tx) => {
        const dueAt = state.tier.metAt || state.closedAt ? null : state.tier.dueAt;
        await tx.query(
          `UPDATE escalation SET status = $2, tier_number = $3, tier_key = $4, immediate_risk = $5, urgent = $6,
             current_due_at = $7, deadline_explanation = $8, breaches = $9, state = $10, state_seq = $11,
             closed_at = $12, workflow_state = 'started', updated_at = now()
           WHERE id = $1 AND state_seq <= $11`,
          [
            state.escalationId,
            state.status,
            state.tier.number,
            state.tier.key,
            state.immediateRisk,
            state.urgent,
            dueAt,
            state.tier.explanation,
            state.breaches,
            JSON.stringify(state),
            state.timeline.length,
            state.closedAt,
          ],
        );
        for (const e of state.timeline) {
          await tx.query(
            `INSERT INTO escalation_event (escalation_id, seq, at, type, tier, actor, action_id, detail)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (escalation_id, seq) DO NOTHING`,
            [state.escalationId, e.seq, e.at, e.type, e.tier, e.actor ? JSON.stringify(e.actor) : null, e.actionId, JSON.stringify(e.detail)],
          );
        }
        await tx.query(
          `UPDATE plan_item p SET status = 'done' FROM jsonb_to_recordset($2::jsonb) AS s("itemId" uuid, status text)
           WHERE p.escalation_id = $1 AND p.id = s."itemId" AND s.status = 'done'`,
          [state.escalationId, JSON.stringify(state.planItems.map((i) => ({ itemId: i.itemId, status: i.status })))],
        );
      });
    },
  };
}
