import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { EscalationState } from '@resolve/domain';
import type {
  AuditRepository,
  EscalationProjection,
  EscalationProjectionRepository,
  EscalationsRepository,
} from '@resolve/persistence';
import { createLogger } from '@resolve/logging';

const logger = createLogger('worker');

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
 *
 * Only for a workflow the API started. Anyone who reaches Temporal's frontend can start an
 * escalation workflow with made-up input, or with a real case's id under another workflow id;
 * only the API writes the escalation row, before it starts the workflow. So the first
 * projection of a run checks the row: same id, same workflow id, same partnership, protocol and
 * version. Anything else is refused (non-retryable, so the forged run fails without writing)
 * and written to the audit trail as `workflow.start`, outcome 403.
 */
export function createProjectionActivities(deps: {
  projections: EscalationProjectionRepository;
  escalations?: EscalationsRepository;
  audit?: AuditRepository;
}) {
  // Runs whose row has been checked: one lookup per run, not per projection.
  const checked = new Set<string>();
  return {
    async recordProjection(state: EscalationState): Promise<void> {
      if (deps.escalations) {
        // Always set for a workflow's activity; without one, no row can match.
        const workflowId = Context.current().info.workflowExecution?.workflowId ?? '';
        const key = `${state.escalationId}\u0000${workflowId}`;
        if (!checked.has(key)) {
          const refusal = await startRefusal(deps.escalations, state, workflowId);
          if (refusal) await refuseStart(deps.audit, state, workflowId, refusal);
          if (checked.size > 10_000) checked.clear();
          checked.add(key);
        }
      }
      await deps.projections.record(projectionOf(state));
    },
  };
}

/** Why the row the API wrote does not match the run, or null when it does. */
async function startRefusal(
  escalations: EscalationsRepository,
  state: EscalationState,
  workflowId: string,
): Promise<string | null> {
  const row = await escalations.findById(state.escalationId);
  if (!row) return 'no escalation row was written by the API for it';
  if (row.workflowId !== workflowId) return 'its escalation row names another workflow';
  if (row.partnershipId !== state.partnershipId) return 'its escalation row is of another partnership';
  if (row.protocolId !== state.protocolId || row.protocolVersion !== state.protocolVersion)
    return 'its escalation row is under another protocol or version';
  return null;
}

async function refuseStart(
  audit: AuditRepository | undefined,
  state: EscalationState,
  workflowId: string,
  reason: string,
): Promise<never> {
  logger.warn('workflow refused: not started by the API', {
    escalationId: state.escalationId,
    workflowId,
    // Not `reason`: the log redacts fields of that name (they usually hold a person's text).
    refusal: reason,
  });
  await audit?.record({
    requestId: `worker:start:${workflowId}`,
    personId: null,
    agencyId: null,
    role: null,
    partnershipId: null,
    escalationId: null,
    action: 'workflow.start',
    outcome: 403,
    actionRecordId: null,
    detail: { refused: 'not-started-by-api', reason, workflowId, escalationId: state.escalationId },
  });
  throw ApplicationFailure.create({
    type: 'StartRefused',
    message: `workflow ${workflowId} was not started by the Resolve API (${reason}); it was refused and recorded`,
    nonRetryable: true,
  });
}
