/**
 * The notice of a lodged form (docs/records-and-reports.md, "Lodged forms") runs as its own small
 * workflow on the escalations task queue, which calls the notifier's `notify` once with Temporal's
 * retries. Started by the API's lodger.
 */
export const LODGEMENT_NOTICE_WORKFLOW_TYPE = 'lodgementNotice';

/**
 * `lodgement-notice-<escalation id>:<lodgement id>`: one workflow per lodgement, so however often
 * the lodger repeats a start (a crash before it recorded it), Temporal refuses the second and the
 * recipient is told once. Ids only: the escalation id is a uuid, never the case reference.
 */
export function lodgementNoticeWorkflowId(escalationId: string, lodgementId: string): string {
  return `lodgement-notice-${escalationId}:${lodgementId}`;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const LODGEMENT_NOTICE_WORKFLOW_ID = new RegExp(`^lodgement-notice-(${UUID}):(${UUID})$`);

/** The case and the lodgement a lodgement notice's workflow is about, read from its id; null for any other id. */
export function lodgementOfNoticeWorkflow(
  workflowId: string,
): { escalationId: string; lodgementId: string } | null {
  const m = LODGEMENT_NOTICE_WORKFLOW_ID.exec(workflowId);
  return m ? { escalationId: m[1], lodgementId: m[2] } : null;
}

/** The case a lodgement notice's workflow is about, read from its id; null for any other id. */
export function escalationOfLodgementNoticeWorkflow(workflowId: string): string | null {
  return lodgementOfNoticeWorkflow(workflowId)?.escalationId ?? null;
}
