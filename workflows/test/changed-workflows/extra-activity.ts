import { proxyActivities } from '@temporalio/workflow';
import { TASK_QUEUES, type EscalationWorkflowInput, type EscalationWorkflowResult } from '@resolve/contracts';
import { escalationWorkflow as current } from '../../src/escalation.workflow';

/**
 * A deliberately unsafe change, for replay.int-spec.ts: the escalation workflow with one more
 * activity before anything else. Every history recorded before it disagrees with it from the
 * first workflow task, and replay must say so (DeterminismViolationError).
 */
const audit = proxyActivities<{ recordStartAudit(escalationId: string): Promise<void> }>({
  taskQueue: TASK_QUEUES.escalations,
  startToCloseTimeout: '30 seconds',
});

export async function escalationWorkflow(input: EscalationWorkflowInput): Promise<EscalationWorkflowResult> {
  await audit.recordStartAudit(input.escalationId);
  return current(input);
}
