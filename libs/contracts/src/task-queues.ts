/** Task queues: readable names, one per kind of work, so operators see who does what in the UI. */
export const TASK_QUEUES = {
  /** Escalation workflows and their bookkeeping activities (services/worker). */
  escalations: 'resolve-escalations',
  /** Email and SMS delivery activities (services/notifier). */
  notifications: 'resolve-notifications',
} as const;

export const ESCALATION_WORKFLOW_TYPE = 'escalationWorkflow';

/**
 * A workflow id is derived from its escalation's id, so a retried start is refused by Temporal
 * (WorkflowExecutionAlreadyStarted) instead of creating a second workflow:
 * `escalation-<escalation id>`. The escalation id is a uuid, never the case reference, which a
 * person might have written with someone's initials. The escalation row keeps the id its workflow
 * was started under (workflow_id), and everything finds the workflow through the row: cases
 * started under the former `escalation-<partnership>-<reference>` ids are still found.
 */
export function escalationWorkflowId(escalationId: string): string {
  return `escalation-${escalationId}`;
}
