import { ApplicationFailure, Context } from '@temporalio/activity';
import type { DataSource } from 'typeorm';
import { publicAddressLookup, receiverAddressProblem } from '@resolve/config';
import { createLogger, type Logger } from '@resolve/logging';
import { webhookSecretCipher, WebhooksRepository, type WebhookAttemptClaim } from '@resolve/persistence';
import type { DeliverWebhookRequest, WebhookDeliveryActivities } from '@resolve/workflows';
import { postDelivery, type PostOptions } from './post';
import { retryDelayMs } from './retry-schedule';
import { signDelivery } from './signature';

export interface WebhookActivityDependencies {
  /** Webhook rows, with the cipher that opens the endpoints' secrets. */
  webhooks: WebhooksRepository;
  /**
   * Checked before every attempt, since a receiver's DNS can change after registration: why
   * this URL must not be called now, or null (libs/config receiver-address.ts; production refuses
   * non-public addresses). The same check guards the address the POST connects to (`post`).
   */
  receiverProblem?: (url: string) => Promise<string | null>;
  /** Extra options for each POST (production: the connection's address check). */
  post?: PostOptions;
}

/** Whether an answer means "do not send this again": any 4xx except timeout and rate limit. */
export function isFinalStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/**
 * The webhookDelivery workflow's activities (workflows/src/webhook-delivery.workflow.ts): one
 * attempt per run, each written to the delivery log before Temporal hears how it went.
 */
export function createWebhookActivities(deps: WebhookActivityDependencies): WebhookDeliveryActivities {
  const { webhooks } = deps;

  async function attempt(request: DeliverWebhookRequest, claim: WebhookAttemptClaim) {
    const info = Context.current().info;
    const startedAt = new Date();
    const body = JSON.stringify(claim.payload);
    const logged = {
      deliveryId: claim.id,
      generation: request.generation,
      attempt: claim.attempt,
      startedAt,
      signatures: claim.secrets.length,
    };

    const refused = deps.receiverProblem ? await deps.receiverProblem(claim.url) : null;
    if (refused) {
      await webhooks.recordAttempt({
        ...logged,
        durationMs: Date.now() - startedAt.getTime(),
        statusCode: null,
        error: refused,
        outcome: { failed: true },
      });
      throw ApplicationFailure.nonRetryable(refused, 'WebhookRefused');
    }

    const headers = signDelivery(claim.id, startedAt, body, claim.secrets);
    const result = await postDelivery(claim.url, body, headers, request.timeoutMs, deps.post);
    const recorded = {
      ...logged,
      durationMs: result.durationMs,
      statusCode: result.statusCode,
      error: result.error,
    };
    if (result.error === null) {
      await webhooks.recordAttempt({ ...recorded, outcome: { delivered: true } });
      return 'delivered' as const;
    }
    if (result.refused || (result.statusCode !== null && isFinalStatus(result.statusCode))) {
      await webhooks.recordAttempt({ ...recorded, outcome: { failed: true } });
      throw ApplicationFailure.nonRetryable(result.error, 'WebhookRefused');
    }
    // When Temporal's policy (the same numbers) will try again, unless that falls past the window.
    const retryAt =
      Date.now() + retryDelayMs(info.attempt, request.firstRetryDelayMs, request.maxRetryDelayMs);
    const windowEnds = info.scheduledTimestampMs + info.scheduleToCloseTimeoutMs;
    if (info.scheduleToCloseTimeoutMs > 0 && retryAt >= windowEnds) {
      await webhooks.recordAttempt({ ...recorded, outcome: { failed: true } });
      throw ApplicationFailure.nonRetryable(
        `${result.error}; no time left in the retry window`,
        'WebhookRetryWindowEnded',
      );
    }
    await webhooks.recordAttempt({ ...recorded, outcome: { retryAt: new Date(retryAt) } });
    throw ApplicationFailure.retryable(result.error, 'WebhookAttemptFailed');
  }

  return {
    async deliverWebhook(request) {
      // Always set for an activity a workflow scheduled; the fallback names the delivery.
      const workflowId = Context.current().info.workflowExecution?.workflowId ?? request.deliveryId;
      const claim = await webhooks.claimAttempt(request.deliveryId, request.generation, workflowId);
      // Delivered already (a 2xx recorded), failed, superseded by a redelivery, or disabled.
      if (!claim) return 'superseded';
      return attempt(request, claim);
    },
    async settleFailedWebhook({ deliveryId, generation }) {
      await webhooks.markFailed(deliveryId, generation);
    },
  };
}

export interface WebhookActivitySettings {
  /** WEBHOOK_SECRET_KEY; unset: the development key (warned about once). */
  secretKey?: Buffer;
  /** RESOLVE_ENV=production: only https receivers on public addresses, checked at every attempt. */
  production?: boolean;
  logger?: Logger;
}

/** The activities as the worker runs them, from its validated settings. */
export function webhookActivitiesFor(
  dataSource: DataSource,
  settings: WebhookActivitySettings = {},
): WebhookDeliveryActivities {
  const { cipher, derived } = webhookSecretCipher(settings.secretKey);
  if (derived)
    (settings.logger ?? createLogger('worker')).warn(
      'WEBHOOK_SECRET_KEY is not set: webhook secrets use the development key (refused under RESOLVE_ENV=production)',
    );
  const production = settings.production === true;
  return createWebhookActivities({
    webhooks: new WebhooksRepository(dataSource, cipher),
    receiverProblem: (url) => receiverAddressProblem(url, production),
    post: production ? { lookup: publicAddressLookup } : {},
  });
}
