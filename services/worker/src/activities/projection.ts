import type { EscalationState } from '@resolve/domain';
import type { EscalationProjection, EscalationProjectionRepository } from '@resolve/persistence';

const instant = (iso: string | null) => (iso ? new Date(iso) : null);

/** The workflow's state as the escalation's projection: columns for lists, the timeline, plan items. */
export function projectionOf(state: EscalationState): EscalationProjection {
  return {
    escalation: {
      id: state.escalationId,
      status: state.status,
      tierNumber: state.tier.number,
      tierKey: state.tier.key,
      immediateRisk: state.immediateRisk,
      urgent: state.urgent,
      // A met or closed tier has nothing left to be late for.
      currentDueAt: state.tier.metAt || state.closedAt ? null : instant(state.tier.dueAt),
      deadlineExplanation: state.tier.explanation,
      breaches: state.breaches,
      state,
      stateSeq: state.timeline.length,
      closedAt: instant(state.closedAt),
    },
    timeline: state.timeline.map((e) => ({
      seq: e.seq,
      at: new Date(e.at),
      type: e.type,
      tier: e.tier,
      actor: e.actor,
      actionId: e.actionId,
      detail: e.detail,
    })),
    donePlanItemIds: state.planItems.filter((i) => i.status === 'done').map((i) => i.itemId),
  };
}

/**
 * Projects the workflow's state into Postgres: the escalation row (for lists, filters and
 * reports), the timeline entries and the plan items' statuses. Idempotent (see
 * EscalationProjectionRepository.record), so Temporal may retry it freely.
 */
export function createProjectionActivities(deps: { projections: EscalationProjectionRepository }) {
  return {
    async recordProjection(state: EscalationState): Promise<void> {
      await deps.projections.record(projectionOf(state));
    },
  };
}
