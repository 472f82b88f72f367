// A minimal workflow that calls the notifier the way the escalation workflow does: an activity
// on the notifier's own task queue, retried by Temporal with backoff. Test-only.
import { proxyActivities } from '@temporalio/workflow';
import type { NotifierActivities, NotifyRequest, NotifyResult } from '@resolve/contracts';

export async function notifyOnce(request: NotifyRequest, taskQueue: string): Promise<NotifyResult> {
  const { notify } = proxyActivities<NotifierActivities>({
    taskQueue,
    startToCloseTimeout: '30 seconds',
    retry: {
      initialInterval: '200 milliseconds',
      backoffCoefficient: 1.5,
      maximumInterval: '1 second',
      maximumAttempts: 40,
    },
  });
  return notify(request);
}
