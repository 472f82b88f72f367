/** Task queues: readable names, one per kind of work, so operators see who does what in the UI. */
export const TASK_QUEUES = {
  /** Escalation workflows and their bookkeeping activities (services/worker). */
  escalations: 'resolve-escalations',
  /** Email and SMS delivery activities (services/notifier). */
  notifications: 'resolve-notifications',
} as const;

export const ESCALATION_WORKFLOW_TYPE = 'escalationWorkflow';

/**
 * Workflow ids are derived from the escalation, so a retried start is refused by Temporal
 * (WorkflowExecutionAlreadyStarted) instead of creating a second workflow, and operators can
 * read them: `escalation-<partnership>-<reference>`.
 */
export function escalationWorkflowId(partnershipId: string, reference: string): string {
  return `escalation-${partnershipId}-${reference}`;
}
