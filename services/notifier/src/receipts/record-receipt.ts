import {
  parseProviderCallback,
  ProviderCallbackError,
  type CallbackProvider,
} from '@resolve/delivery-receipts';
import type { DeliveriesRepository, DeliveryReceipt, ReceiptOutcome } from '@resolve/persistence';
import type { NotifierLogger } from '../logger';

/**
 * Records one authenticated receipt (an SMS status callback, an email bounce) and says what it
 * did, in the log, with ids and status words only (never a number, an address or a message).
 * A permanent failure of a sent notice leaves its follow-up pending: `onFollowUpPending` wakes
 * the scheduler, which sends the fallback and the alert (and would after a crash, from Postgres).
 */
export async function recordReceipt(
  deps: {
    deliveries: DeliveriesRepository;
    logger: NotifierLogger;
    onFollowUpPending?: (deliveryKey: string) => void;
  },
  receipt: DeliveryReceipt,
): Promise<ReceiptOutcome> {
  const outcome = await deps.deliveries.applyReceipt(receipt);
  const fields = {
    provider: receipt.provider,
    providerStatus: receipt.providerStatus,
    outcome: outcome.outcome,
    deliveryKey: outcome.deliveryKey,
  };
  switch (outcome.outcome) {
    case 'duplicate':
      deps.logger.info('receipt seen before: nothing more done', fields);
      break;
    case 'unknown-delivery':
      deps.logger.warn('receipt for no known delivery: recorded and ignored', fields);
      break;
    case 'superseded':
      deps.logger.info('receipt for a delivery already failed or delivered: recorded and ignored', fields);
      break;
    case 'failed-later':
      deps.logger.warn('delivery reported failed by its provider: fallback and alert follow', fields);
      break;
    default:
      deps.logger.info('receipt recorded', fields);
  }
  if (outcome.followUpPending && outcome.deliveryKey) deps.onFollowUpPending?.(outcome.deliveryKey);
  return outcome;
}

/** A provider's callback body as a receipt (throws ProviderCallbackError when it is not one). */
export function receiptFromCallback(provider: CallbackProvider, body: unknown): DeliveryReceipt {
  return { provider, ...parseProviderCallback(provider, body) };
}

export { ProviderCallbackError };
