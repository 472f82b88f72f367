import type { DataSource, QueryRunner } from 'typeorm';
import type { DeliveryStatus } from '@resolve/delivery-receipts';
import { DeliveryError } from './errors';
import type { Channel } from './recipients';

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
}

export interface DeliveryRow {
  status: DeliveryStatus;
  provider: string | null;
  providerMessageId: string | null;
  attempts: number;
  lastError: string | null;
  /** When the last attempt started (updated_at): a crashed attempt's messages are no older. */
  updatedAt: Date;
}

/** One delivery's row, held under a per-key lock while the caller sends. */
export interface DeliveryHandle {
  readonly row: DeliveryRow;
  markSending(provider: string): Promise<void>;
  markSent(provider: string, providerMessageId: string | null): Promise<void>;
  markFailed(error: string): Promise<void>;
  /** A transient failure: 'sending' if the provider may have the message, else back to 'queued'. */
  markRetry(error: string, maybeSent: boolean): Promise<void>;
}

export function deliveryKey(prefix: string, personId: string, channel: Channel): string {
  return `${prefix}:${personId}:${channel}`;
}

/**
 * Exactly once, per delivery key:
 * 1. the row is inserted ('queued') under the table's unique key BEFORE anything is sent;
 * 2. a session advisory lock on the key keeps two attempts (a Temporal retry started while a
 *    timed-out attempt still runs) from sending at once. The lock belongs to the database
 *    connection, so a crashed worker's lock goes with its connection;
 * 3. `fn` reads the status and sends only when the row says it has not been sent.
 */
export async function withDelivery<T>(
  ds: DataSource,
  spec: DeliverySpec,
  fn: (handle: DeliveryHandle) => Promise<T>,
): Promise<T> {
  const qr = ds.createQueryRunner();
  await qr.connect();
  try {
    await qr.query(
      `INSERT INTO notification_delivery
         (delivery_key, escalation_id, event, tier, recipient_person_id, channel, status, fallback_for)
       VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7)
       ON CONFLICT (delivery_key) DO NOTHING`,
      [
        spec.key,
        spec.escalationId,
        spec.event,
        spec.tier,
        spec.personId,
        spec.channel,
        spec.fallbackFor ?? null,
      ],
    );
    const [{ locked }] = await qr.query(`SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked`, [
      spec.key,
    ]);
    if (!locked) {
      throw DeliveryError.transient(`delivery ${spec.key} is being sent by another attempt`);
    }
    try {
      const row = await readRow(qr, spec.key);
      return await fn(handle(qr, spec.key, row));
    } finally {
      await qr.query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, [spec.key]);
    }
  } finally {
    await qr.release();
  }
}

async function readRow(qr: QueryRunner, key: string): Promise<DeliveryRow> {
  const rows: Record<string, unknown>[] = await qr.query(
    `SELECT status, provider, provider_message_id, attempts, last_error, updated_at
       FROM notification_delivery WHERE delivery_key = $1`,
    [key],
  );
  const r = rows[0];
  if (!r) throw new Error(`notification_delivery row ${key} vanished`);
  return {
    status: r.status as DeliveryStatus,
    provider: (r.provider as string | null) ?? null,
    providerMessageId: (r.provider_message_id as string | null) ?? null,
    attempts: Number(r.attempts),
    lastError: (r.last_error as string | null) ?? null,
    updatedAt: r.updated_at as Date,
  };
}

function handle(qr: QueryRunner, key: string, row: DeliveryRow): DeliveryHandle {
  const update = (sql: string, params: unknown[]) =>
    qr.query(`UPDATE notification_delivery SET ${sql}, updated_at = now() WHERE delivery_key = $1`, [
      key,
      ...params,
    ]);
  return {
    row,
    markSending: (provider) =>
      update(`status = 'sending', provider = $2, attempts = attempts + 1, last_error = NULL`, [provider]),
    markSent: (provider, providerMessageId) =>
      update(`status = 'sent', provider = $2, provider_message_id = $3, sent_at = now(), last_error = NULL`, [
        provider,
        providerMessageId,
      ]),
    markFailed: (error) => update(`status = 'failed', last_error = $2, failed_at = now()`, [error]),
    markRetry: (error, maybeSent) =>
      update(`status = $2, last_error = $3`, [maybeSent ? 'sending' : 'queued', error]),
  };
}

/** Records a delivery that could not even be attempted (no contact details) as failed, once. */
export async function recordUndeliverable(
  ds: DataSource,
  spec: DeliverySpec,
  error: string,
): Promise<'recorded' | 'existing'> {
  const rows: unknown[] = await ds.query(
    `INSERT INTO notification_delivery
       (delivery_key, escalation_id, event, tier, recipient_person_id, channel, status, last_error, failed_at, fallback_for)
     VALUES ($1, $2, $3, $4, $5, $6, 'failed', $7, now(), $8)
     ON CONFLICT (delivery_key) DO NOTHING
     RETURNING id`,
    [
      spec.key,
      spec.escalationId,
      spec.event,
      spec.tier,
      spec.personId,
      spec.channel,
      error,
      spec.fallbackFor ?? null,
    ],
  );
  return rows.length > 0 ? 'recorded' : 'existing';
}

/** One delivery as the case timeline shows it. */
export interface DeliveryView {
  id: string;
  deliveryKey: string;
  event: string;
  tier: number;
  recipientPersonId: string;
  recipientName: string | null;
  channel: Channel;
  status: DeliveryStatus;
  provider: string | null;
  providerStatus: string | null;
  attempts: number;
  lastError: string | null;
  /** Delivery key of the message this one replaced or reported on. */
  fallbackFor: string | null;
  createdAt: Date;
  updatedAt: Date;
  sentAt: Date | null;
  deliveredAt: Date | null;
  failedAt: Date | null;
}

/** Every delivery of one escalation, oldest first, for the API's timeline. No message content. */
export async function deliveriesForEscalation(ds: DataSource, escalationId: string): Promise<DeliveryView[]> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(escalationId)) return [];
  const rows: Record<string, unknown>[] = await ds.query(
    `SELECT d.id, d.delivery_key, d.event, d.tier, d.recipient_person_id, p.display_name, d.channel, d.status,
            d.provider, d.provider_status, d.attempts, d.last_error, d.fallback_for,
            d.created_at, d.updated_at, d.sent_at, d.delivered_at, d.failed_at
       FROM notification_delivery d LEFT JOIN person p ON p.id = d.recipient_person_id
      WHERE d.escalation_id = $1
      ORDER BY d.created_at, d.delivery_key`,
    [escalationId],
  );
  return rows.map((r) => ({
    id: String(r.id),
    deliveryKey: String(r.delivery_key),
    event: String(r.event),
    tier: Number(r.tier),
    recipientPersonId: String(r.recipient_person_id),
    recipientName: (r.display_name as string | null) ?? null,
    channel: r.channel as Channel,
    status: r.status as DeliveryStatus,
    provider: (r.provider as string | null) ?? null,
    providerStatus: (r.provider_status as string | null) ?? null,
    attempts: Number(r.attempts),
    lastError: (r.last_error as string | null) ?? null,
    fallbackFor: (r.fallback_for as string | null) ?? null,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
    sentAt: (r.sent_at as Date | null) ?? null,
    deliveredAt: (r.delivered_at as Date | null) ?? null,
    failedAt: (r.failed_at as Date | null) ?? null,
  }));
}
