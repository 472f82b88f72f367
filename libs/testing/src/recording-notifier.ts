import type { NotifierActivities, NotifyRequest, NotifyResult } from '@resolve/contracts';

/**
 * The notifier's activities for workflow tests: each request is recorded in `requests`, in the
 * order the notifier was asked, and answered as sent. Delivery itself is proved by
 * services/notifier's own tests.
 */
export function recordingNotifierActivities(requests: NotifyRequest[]): NotifierActivities {
  const answer = (): NotifyResult => ({ recipients: 1, sent: 1, alreadySent: 0, failed: 0 });
  return {
    async notify(request) {
      requests.push(request);
      return answer();
    },
    async notifyBatch(batch) {
      requests.push(...batch);
      return batch.map(answer);
    },
  };
}
