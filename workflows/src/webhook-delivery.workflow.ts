import { ActivityFailure, proxyActivities } from '@temporalio/workflow';

/**
 * One webhook delivery (an event for an endpoint, or a manual redelivery of it): ids and timings
 * only. The payload, the receiver's URL and the secrets stay in Postgres; the activity reads them.
 */
export interface WebhookDeliveryInput {
  /** The webhook_delivery row, whose id is also the Standard Webhooks `webhook-id`. */
  deliveryId: string;
  /** Which manual redelivery this is (0 for the first delivery): a newer one supersedes it. */
  generation: number;
  /** How long the receiver has to answer one attempt. */
  attemptTimeoutMs: number;
  /** The wait before the first retry; each later one waits four times longer, up to maxRetryDelayMs. */
  firstRetryDelayMs: number;
  maxRetryDelayMs: number;
  /** How long attempts go on from the start (24 hours in production). */
  retryWindowMs: number;
}

export interface DeliverWebhookRequest {
  deliveryId: string;
  generation: number;
  timeoutMs: number;
  /** The retry policy's timings, so the delivery log can say when the next attempt is due. */
  firstRetryDelayMs: number;
  maxRetryDelayMs: number;
}

/** delivered: a 2xx answer was recorded; superseded: a newer redelivery (or an earlier 2xx) took over. */
export type DeliverWebhookOutcome = 'delivered' | 'superseded';

export interface WebhookDeliveryActivities {
  /**
   * One attempt: signs the event, posts it, and writes the attempt to the delivery log. Throws a
   * retryable failure for a timeout, a network error or a 5xx/408/429 answer, a non-retryable one
   * for any other 4xx or a refused receiver address.
   */
  deliverWebhook(request: DeliverWebhookRequest): Promise<DeliverWebhookOutcome>;
  /** The retries ended without a 2xx: the delivery is failed (unless already settled). */
  settleFailedWebhook(request: { deliveryId: string; generation: number }): Promise<void>;
}

export type WebhookDeliveryResult = { outcome: DeliverWebhookOutcome | 'failed' };

/** Failure types the activity throws as final (also nonRetryable; listed so the policy says so too). */
const WEBHOOK_FINAL_FAILURES = ['WebhookRefused', 'WebhookRetryWindowEnded'] as const;

/**
 * Delivers one signed event with Temporal's retries: exponential backoff (×4) until the retry
 * window ends. The workflow id is derived from the delivery key (docs/integrations.md), so a
 * repeated start of the same delivery is refused by Temporal and the event reaches the receiver
 * through one workflow only.
 */
export async function webhookDelivery(input: WebhookDeliveryInput): Promise<WebhookDeliveryResult> {
  const { deliverWebhook } = proxyActivities<WebhookDeliveryActivities>({
    scheduleToCloseTimeout: input.retryWindowMs,
    // The POST's own timeout and a margin to sign, record and report; a worker that dies
    // mid-attempt is noticed after this and the attempt is retried.
    startToCloseTimeout: input.attemptTimeoutMs + 30_000,
    retry: {
      initialInterval: input.firstRetryDelayMs,
      backoffCoefficient: 4,
      maximumInterval: input.maxRetryDelayMs,
      nonRetryableErrorTypes: [...WEBHOOK_FINAL_FAILURES],
    },
  });
  const { settleFailedWebhook } = proxyActivities<WebhookDeliveryActivities>({
    startToCloseTimeout: '1 minute',
    retry: { maximumInterval: '1 minute' },
  });
  const request = {
    deliveryId: input.deliveryId,
    generation: input.generation,
    timeoutMs: input.attemptTimeoutMs,
    firstRetryDelayMs: input.firstRetryDelayMs,
    maxRetryDelayMs: input.maxRetryDelayMs,
  };
  try {
    return { outcome: await deliverWebhook(request) };
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    // The retry window passed (Temporal's timeout) or the activity gave up: record it once.
    await settleFailedWebhook({ deliveryId: input.deliveryId, generation: input.generation });
    return { outcome: 'failed' };
  }
}
