import { Client, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { TASK_QUEUES, webhookDeliveryWorkflowId } from '@resolve/contracts';
import { createLogger, type Logger } from '@resolve/logging';
import { WebhooksRepository, type UnstartedWebhookDelivery } from '@resolve/persistence';
import type { webhookDelivery, WebhookDeliveryInput } from '@resolve/workflows';
import { FIRST_RETRY_DELAY_MS, MAX_RETRY_DELAY_MS, RETRY_WINDOW_MS } from './retry-schedule';

export interface WebhookDelivererOptions {
  /** How often new and redelivered deliveries are looked for (default 1 s). */
  pollIntervalMs?: number;
  /** Workflows started per poll at most (default 50). */
  batchSize?: number;
  /** How long a receiver has to answer one attempt (default 10 s). */
  timeoutMs?: number;
  /** The first retry's wait (default 5 s); each later one waits four times longer (retry-schedule.ts). */
  firstRetryDelayMs?: number;
  /** The longest wait between two attempts (default 6 h). */
  maxRetryDelayMs?: number;
  /** How long attempts go on (default 24 h; the activity's scheduleToCloseTimeout). */
  retryWindowMs?: number;
  /** Task queue of the workflows (default the escalation worker's, which hosts them). */
  taskQueue?: string;
  logger?: Logger;
}

export interface RunningWebhookDeliverer {
  /** One poll: starts the workflow of each unstarted delivery. Returns how many it started or found started. */
  startPending(): Promise<number>;
  /** Stops polling and waits for the poll under way. */
  stop(): Promise<void>;
}

/**
 * Hands the webhook outbox (webhook_delivery, written in the projection's transaction) to
 * Temporal: every second, a webhookDelivery workflow for each pending row without one (a new
 * event, or a manual redelivery), then the row is marked. A crash between the start and the mark
 * repeats the start at the next poll, which Temporal refuses as already started: that counts as
 * started. The retries, their backoff and the 24-hour window are the workflow's (docs/integrations.md).
 */
export function startWebhookDeliverer(
  dataSource: DataSource,
  client: Client,
  options: WebhookDelivererOptions = {},
): RunningWebhookDeliverer {
  const repository = new WebhooksRepository(dataSource);
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const batchSize = options.batchSize ?? 50;
  const retryWindowMs = options.retryWindowMs ?? RETRY_WINDOW_MS;
  const logger = options.logger ?? createLogger('worker');
  const timings = {
    attemptTimeoutMs: options.timeoutMs ?? 10_000,
    firstRetryDelayMs: options.firstRetryDelayMs ?? FIRST_RETRY_DELAY_MS,
    maxRetryDelayMs: options.maxRetryDelayMs ?? MAX_RETRY_DELAY_MS,
    retryWindowMs,
  };

  async function start(delivery: UnstartedWebhookDelivery): Promise<void> {
    const workflowId = webhookDeliveryWorkflowId(delivery.deliveryKey, delivery.redeliveries);
    const input: WebhookDeliveryInput = {
      deliveryId: delivery.id,
      generation: delivery.redeliveries,
      ...timings,
    };
    try {
      await client.workflow.start<typeof webhookDelivery>('webhookDelivery', {
        workflowId,
        taskQueue: options.taskQueue ?? TASK_QUEUES.escalations,
        args: [input],
        // Not even a finished delivery's id may run again: a repeat is the same delivery.
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    await repository.markStarted(delivery.id, delivery.redeliveries, workflowId, retryWindowMs);
  }

  async function startPending(): Promise<number> {
    const unstarted = await repository.unstarted(batchSize);
    let started = 0;
    for (const delivery of unstarted) {
      try {
        await start(delivery);
        started += 1;
      } catch (err) {
        // The row stays unstarted and is tried again at the next poll; ids and the message only.
        logger.warn('webhook delivery not started', {
          deliveryId: delivery.id,
          error: String((err as Error)?.message ?? err),
        });
      }
    }
    return started;
  }

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<unknown> = Promise.resolve();
  const tick = () => {
    current = startPending()
      .catch((err) => logger.warn('webhook poll failed', { error: String((err as Error)?.message ?? err) }))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, pollIntervalMs);
      });
  };
  timer = setTimeout(tick, pollIntervalMs);

  return {
    startPending,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current;
    },
  };
}
