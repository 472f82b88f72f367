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
        // The timeline only grows, and each projection writes its new entries in one transaction,
        // so everything up to the highest stored seq is already there: send only what follows,
        // in one statement (a case with hundreds of notes used to cost a query per entry, per
        // projection).
        const [{ stored }] = await tx.query(
          `SELECT COALESCE(MAX(seq), 0)::int AS stored FROM escalation_event WHERE escalation_id = $1`,
          [state.escalationId],
        );
        const fresh = state.timeline.filter((e) => e.seq > stored);
        if (fresh.length > 0) {
          await tx.query(
            `INSERT INTO escalation_event (escalation_id, seq, at, type, tier, actor, action_id, detail)
             SELECT $1, e.seq, e.at, e.type, e.tier, e.actor, e."actionId", COALESCE(e.detail, '{}'::jsonb)
               FROM jsonb_to_recordset($2::jsonb) AS e(seq int, at timestamptz, type text, tier int, actor jsonb, "actionId" uuid, detail jsonb)
             ON CONFLICT (escalation_id, seq) DO NOTHING`,
            [
              state.escalationId,
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
          );
        }
        await tx.query(
          `UPDATE plan_item p SET status = 'done' FROM jsonb_to_recordset($2::jsonb) AS s("itemId" uuid, status text)
           WHERE p.escalation_id = $1 AND p.id = s."itemId" AND s.status = 'done'`,
          [
            state.escalationId,
            JSON.stringify(state.planItems.map((i) => ({ itemId: i.itemId, status: i.status }))),
          ],
        );
      });
    },
  };
}
