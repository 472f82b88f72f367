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

/**
 * The workflow id of a webhook delivery's generation: `webhook-<delivery key>`, the key being
 * `<escalation id>:<seq>:<endpoint id>`, and for the n-th manual redelivery `-redelivery-<n>`.
 * Temporal refuses a second workflow with the same id, so however often a start is repeated, one
 * workflow delivers each generation.
 */
export function webhookDeliveryWorkflowId(deliveryKey: string, generation: number): string {
  return generation === 0 ? `webhook-${deliveryKey}` : `webhook-${deliveryKey}-redelivery-${generation}`;
}

const WEBHOOK_WORKFLOW_ID =
  /^webhook-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):\d+:[0-9a-f-]{36}(-redelivery-\d+)?$/;

/**
 * The case a webhook delivery's workflow reports on, read from its id; null when the id is not a
 * delivery's. Lets the payload codec tell whose a delivery's payloads are.
 */
export function escalationOfWebhookWorkflow(workflowId: string): string | null {
  return WEBHOOK_WORKFLOW_ID.exec(workflowId)?.[1] ?? null;
}
