import { patched, proxyActivities } from '@temporalio/workflow';
import { TASK_QUEUES, type EscalationWorkflowInput, type EscalationWorkflowResult } from '@resolve/contracts';
import { escalationWorkflow as current } from '../../src/escalation.workflow';

/**
 * The same change as ./extra-activity.ts shipped safely, as docs/workflow-evolution.md shows:
 * behind `patched()`, so histories recorded without it replay the old way (patched() is false
 * there) and new runs take the new path (and record a marker saying so).
 */
const audit = proxyActivities<{ recordStartAudit(escalationId: string): Promise<void> }>({
  taskQueue: TASK_QUEUES.escalations,
  startToCloseTimeout: '30 seconds',
});

export async function escalationWorkflow(input: EscalationWorkflowInput): Promise<EscalationWorkflowResult> {
  if (patched('start-audit')) await audit.recordStartAudit(input.escalationId);
  return current(input);
}
