import type {
  DeliveriesRepository,
  DeliveryProgress,
  DeliveryTimelineEntry,
  NewDelivery,
} from '@resolve/persistence';
import { DeliveryError } from './errors';
import type { Channel } from './recipients';
import type { ReaderSide } from './wording';

// Delivery receipts (parsing per provider, the status update) live in @resolve/delivery-receipts.
export {
  applyProviderCallback,
  ProviderCallbackError,
  type CallbackProvider,
  type CallbackResult,
  type DeliveryStatus,
} from '@resolve/delivery-receipts';

export interface DeliverySpec {
  /** `${request.key}:${personId}:${channel}` (the delivery-failed alert has its own prefix). */
  key: string;
  escalationId: string;
  event: string;
  tier: number;
  personId: string;
  channel: Channel;
  /** Delivery key of the message this one replaces (fallback) or reports (alert). */
  fallbackFor?: string | null;
  /** The reader's side, kept so that a fallback decided later (a receipt) is worded the same. */
  readerSide?: ReaderSide;
  /** The notice's urgency, kept for a held text and a later fallback. */
  urgent?: boolean;
}

/** Where a delivery stands when its lock is taken (updatedAt: when the last attempt started, so a
 * crashed attempt's messages are no older). */
export type DeliveryRow = DeliveryProgress;

/** One delivery's row, held under a per-key lock while the caller sends. */
export interface DeliveryHandle {
  readonly row: DeliveryRow;
  markSending(provider: string): Promise<void>;
  markSent(provider: string, providerMessageId: string | null): Promise<void>;
  markFailed(error: string): Promise<void>;
  /** A transient failure: 'sending' if the provider may have the message, else back to 'queued'. */
  markRetry(error: string, maybeSent: boolean): Promise<void>;
  /** A held text waits again (outside SMS hours, or a transient failure while releasing it). */
  markHeld(sendAfter: Date, error?: string): Promise<void>;
  /** A held text the case has outrun (held-texts.ts): never sent, nothing failed. */
  markSuperseded(reason: string): Promise<void>;
}

export function deliveryKey(prefix: string, personId: string, channel: Channel): string {
  return `${prefix}:${personId}:${channel}`;
}

const newDelivery = (spec: DeliverySpec): NewDelivery => ({
  deliveryKey: spec.key,
  escalationId: spec.escalationId,
  event: spec.event,
  tier: spec.tier,
  recipientPersonId: spec.personId,
  channel: spec.channel,
  fallbackFor: spec.fallbackFor ?? null,
  readerSide: spec.readerSide ?? null,
  urgent: spec.urgent ?? false,
});

/**
 * Exactly once, per delivery key (DeliveriesRepository.whileHeld): the row exists before
 * anything is sent, a lock on the key keeps two attempts from sending at once, and `fn` reads the
 * status and sends only when the row says it has not been sent. Another attempt holding the key
 * is a transient failure: the retry finds out what it did.
 */
export async function withDelivery<T>(
  deliveries: DeliveriesRepository,
  spec: DeliverySpec,
  fn: (handle: DeliveryHandle) => Promise<T>,
): Promise<T> {
  const outcome = await deliveries.whileHeld(newDelivery(spec), (held) =>
    fn({
      row: held.row,
      markSending: (provider) => held.markSending(provider),
      markSent: (provider, providerMessageId) => held.markSent(provider, providerMessageId),
      markFailed: (error) => held.markFailed(error),
      markRetry: (error, maybeSent) => held.markRetry(error, maybeSent ? 'sending' : 'queued'),
      markHeld: (sendAfter, error) => held.markHeld(sendAfter, error),
      markSuperseded: (reason) => held.markSuperseded(reason),
    }),
  );
  if (!outcome.held) throw DeliveryError.transient(`delivery ${spec.key} is being sent by another attempt`);
  return outcome.result;
}

/**
 * Keeps a text for `sendAfter` (the next opening of SMS hours) as a 'held' delivery; answers the
 * row as it stands (a retried notice may find it sent, failed or still held).
 */
export function holdDelivery(
  deliveries: DeliveriesRepository,
  spec: DeliverySpec,
  sendAfter: Date,
): Promise<DeliveryRow> {
  return deliveries.hold(newDelivery(spec), sendAfter);
}

/** Records a delivery that could not even be attempted (no contact details) as failed, once. */
export function recordUndeliverable(
  deliveries: DeliveriesRepository,
  spec: DeliverySpec,
  error: string,
): Promise<'recorded' | 'existing'> {
  return deliveries.recordUndeliverable(newDelivery(spec), error);
}

/** One delivery as the case timeline shows it. */
export type DeliveryView = DeliveryTimelineEntry;

/** Every delivery of one escalation, oldest first, for the API's timeline. No message content. */
export async function deliveriesForEscalation(
  deliveries: DeliveriesRepository,
  escalationId: string,
): Promise<DeliveryView[]> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(escalationId)) return [];
  return deliveries.timeline(escalationId);
}
