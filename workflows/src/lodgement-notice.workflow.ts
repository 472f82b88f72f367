import { proxyActivities } from '@temporalio/workflow';
import {
  TASK_QUEUES,
  type NotifierActivities,
  type NotifyRequest,
  type NotifyResult,
} from '@resolve/contracts';

/**
 * Tells a lodged form's recipients that it was lodged (docs/records-and-reports.md, "Lodged
 * forms"): one `notify` on the notifier's queue, retried until it answers, like every notice of
 * an escalation. The request carries ids, the tier and the form's title only; the notifier reads
 * the rest from Postgres and sends each person the notice once under its delivery key.
 */
const notifier = proxyActivities<NotifierActivities>({
  taskQueue: TASK_QUEUES.notifications,
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

export async function lodgementNotice(request: NotifyRequest): Promise<NotifyResult> {
  return notifier.notify(request);
}
