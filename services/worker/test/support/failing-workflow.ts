import {
  ApplicationFailure,
  defineUpdate,
  proxyActivities,
  setHandler,
  condition,
} from '@temporalio/workflow';

/**
 * A workflow that fails in each way a failure reaches Temporal's history: an activity's error,
 * an accepted update whose handler throws, and the workflow's own failure. Each message quotes
 * `detail`, standing for personal data a real error might quote.
 */
export const explodeUpdate = defineUpdate<void, [string]>('explode');

const { providerCall } = proxyActivities<{ providerCall(detail: string): Promise<void> }>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 1 },
});

export async function failingWorkflow(detail: string): Promise<void> {
  let exploded = false;
  setHandler(explodeUpdate, async (reason) => {
    exploded = true;
    throw ApplicationFailure.nonRetryable(`update refused: ${reason}`, 'Refused');
  });
  try {
    await providerCall(detail);
  } catch {
    // The activity's failure is in the history now; carry on to the other two.
  }
  await condition(() => exploded);
  throw ApplicationFailure.nonRetryable(`workflow failed about ${detail}`, 'Failed');
}
