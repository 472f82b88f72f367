import type { DataSource } from 'typeorm';
import { createLogger, type Logger } from '@resolve/logging';
import { WebhooksRepository, type ClaimedWebhookDelivery } from '@resolve/persistence';
import { postDelivery } from './post';
import { retryDelayMs } from './retry-schedule';
import { signDelivery } from './signature';

export interface WebhookDelivererOptions {
  /** How often due deliveries are looked for (default 1 s). */
  pollIntervalMs?: number;
  /** Deliveries taken per poll (default 20), sent concurrently. */
  batchSize?: number;
  /** How long a receiver has to answer (default 10 s). */
  timeoutMs?: number;
  /** The first retry's wait (default 5 s); each later one waits four times longer (retry-schedule.ts). */
  firstRetryDelayMs?: number;
  logger?: Logger;
}

export interface RunningWebhookDeliverer {
  /** One poll: claims due deliveries, attempts each, records the results. Returns how many. */
  deliverDue(): Promise<number>;
  /** Stops polling and waits for the attempts under way. */
  stop(): Promise<void>;
}

/**
 * Sends the webhook outbox (table webhook_delivery, filled by the projection) to agencies' case
 * systems, in the escalation worker's process: a plain polling loop rather than a Temporal
 * workflow, because Postgres already holds every delivery's durable state (due time, attempts,
 * retry window) and row claims with SKIP LOCKED share the work between worker processes; a
 * crashed attempt's row comes back when its lease ends. See docs/integrations.md.
 */
export function startWebhookDeliverer(
  dataSource: DataSource,
  options: WebhookDelivererOptions = {},
): RunningWebhookDeliverer {
  const repository = new WebhooksRepository(dataSource);
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const batchSize = options.batchSize ?? 20;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const firstRetryDelayMs = options.firstRetryDelayMs;
  const logger = options.logger ?? createLogger('worker');
  // An attempt holds its row for its timeout and a margin to record the result.
  const leaseSeconds = Math.ceil(timeoutMs / 1000) + 30;

  async function attempt(delivery: ClaimedWebhookDelivery): Promise<void> {
    const startedAt = new Date();
    const body = JSON.stringify(delivery.payload);
    const headers = signDelivery(delivery.id, startedAt, body, delivery.secrets);
    const result = await postDelivery(delivery.url, body, headers, timeoutMs);
    await repository.recordAttempt({
      deliveryId: delivery.id,
      attempt: delivery.attempt,
      startedAt,
      durationMs: result.durationMs,
      statusCode: result.statusCode,
      error: result.error,
      signatures: delivery.secrets.length,
      outcome:
        result.error === null
          ? { delivered: true }
          : { retryAfterMs: retryDelayMs(delivery.attempt, firstRetryDelayMs) },
    });
  }

  async function deliverDue(): Promise<number> {
    const claimed = await repository.claimDue(batchSize, leaseSeconds);
    await Promise.all(
      claimed.map((d) =>
        attempt(d).catch((err) =>
          // The row comes back when its lease ends; ids and the error's message only.
          logger.warn('webhook attempt not recorded', {
            deliveryId: d.id,
            attempt: d.attempt,
            error: String((err as Error)?.message ?? err),
          }),
        ),
      ),
    );
    return claimed.length;
  }

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<unknown> = Promise.resolve();
  const tick = () => {
    current = deliverDue()
      .catch((err) => logger.warn('webhook poll failed', { error: String((err as Error)?.message ?? err) }))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, pollIntervalMs);
      });
  };
  timer = setTimeout(tick, pollIntervalMs);

  return {
    deliverDue,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current;
    },
  };
}
