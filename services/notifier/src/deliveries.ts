import type { DataSource, QueryRunner } from 'typeorm';
import { DeliveryError } from './errors';
import type { Channel } from './recipients';

export type DeliveryStatus = 'queued' | 'sending' | 'sent' | 'delivered' | 'failed';

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

export type CallbackProvider = 'govuk-notify' | 'twilio';

export class ProviderCallbackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProviderCallbackError';
  }
}

export interface CallbackResult {
  /** A delivery with this provider message id exists. */
  matched: boolean;
  /** The status changed (a repeated or out-of-order receipt changes nothing). */
  updated: boolean;
  deliveryKey?: string;
  status?: DeliveryStatus;
}

const NOTIFY_FAILED = new Set([
  'permanent-failure',
  'temporary-failure',
  'technical-failure',
  'validation-failed',
  'virus-scan-failed',
]);
const TWILIO_FAILED = new Set(['failed', 'undelivered']);

/**
 * A delivery receipt from GOV.UK Notify (JSON: id, reference, status) or Twilio (form fields:
 * MessageSid, MessageStatus, ErrorCode), already parsed into an object by the API, which also
 * checks the request's authenticity (Notify bearer token, X-Twilio-Signature) before calling
 * this. Moves 'sending'/'sent' to 'delivered' or 'failed'; anything else only records the
 * provider's status. Throws ProviderCallbackError for a body that is not a receipt.
 */
export async function applyProviderCallback(
  ds: DataSource,
  provider: CallbackProvider,
  body: unknown,
): Promise<CallbackResult> {
  if (typeof body !== 'object' || body === null)
    throw new ProviderCallbackError('callback body must be an object');
  const b = body as Record<string, unknown>;
  let messageId: string;
  let providerStatus: string;
  let reference: string | null = null;
  let next: 'delivered' | 'failed' | 'sent' | null;
  let error: string | null = null;
  if (provider === 'govuk-notify') {
    if (typeof b.id !== 'string' || typeof b.status !== 'string') {
      throw new ProviderCallbackError('GOV.UK Notify callback must have string fields "id" and "status"');
    }
    messageId = b.id;
    providerStatus = b.status;
    reference = typeof b.reference === 'string' ? b.reference : null;
    next = b.status === 'delivered' ? 'delivered' : NOTIFY_FAILED.has(b.status) ? 'failed' : null;
    if (next === 'failed') error = `GOV.UK Notify: ${b.status}`;
  } else if (provider === 'twilio') {
    if (typeof b.MessageSid !== 'string' || typeof b.MessageStatus !== 'string') {
      throw new ProviderCallbackError('Twilio callback must have fields "MessageSid" and "MessageStatus"');
    }
    messageId = b.MessageSid;
    providerStatus = b.MessageStatus;
    next =
      b.MessageStatus === 'delivered'
        ? 'delivered'
        : TWILIO_FAILED.has(b.MessageStatus)
          ? 'failed'
          : b.MessageStatus === 'sent'
            ? 'sent'
            : null;
    if (next === 'failed')
      error = `Twilio: ${b.MessageStatus}${b.ErrorCode ? ` (error ${String(b.ErrorCode)})` : ''}`;
  } else {
    throw new ProviderCallbackError(`unknown provider "${String(provider)}"`);
  }

  // Match on the provider's id; a Notify receipt for a message whose id was never recorded (crash
  // between send and record) still carries our reference, the delivery key.
  const found: { delivery_key: string; status: DeliveryStatus }[] = await ds.query(
    `SELECT delivery_key, status FROM notification_delivery
      WHERE provider = $1 AND (provider_message_id = $2 OR ($3::text IS NOT NULL AND delivery_key = $3 AND provider_message_id IS NULL))
      ORDER BY (provider_message_id = $2) DESC NULLS LAST LIMIT 1`,
    [provider, messageId, reference],
  );
  if (!found[0]) return { matched: false, updated: false };
  const key = found[0].delivery_key;
  const from: DeliveryStatus[] = next === 'sent' ? ['sending'] : ['sending', 'sent'];
  const updated: { status: DeliveryStatus }[] = next
    ? await updateReturning(
        ds,
        `UPDATE notification_delivery
            SET status = $2, provider_status = $3, provider_message_id = $4,
                delivered_at = CASE WHEN $2 = 'delivered' THEN now() ELSE delivered_at END,
                sent_at = CASE WHEN $2 IN ('sent', 'delivered') THEN COALESCE(sent_at, now()) ELSE sent_at END,
                failed_at = CASE WHEN $2 = 'failed' THEN now() ELSE failed_at END,
                last_error = CASE WHEN $2 = 'failed' THEN $5 ELSE last_error END,
                updated_at = now()
          WHERE delivery_key = $1 AND status = ANY($6::text[])
          RETURNING status`,
        [key, next, providerStatus, messageId, error, from],
      )
    : [];
  if (updated.length === 0) {
    await ds.query(`UPDATE notification_delivery SET provider_status = $2 WHERE delivery_key = $1`, [
      key,
      providerStatus,
    ]);
    return { matched: true, updated: false, deliveryKey: key, status: found[0].status };
  }
  return { matched: true, updated: true, deliveryKey: key, status: updated[0].status };
}

/** TypeORM returns `[rows, rowCount]` for UPDATE ... RETURNING on Postgres: the rows. */
async function updateReturning<T>(ds: DataSource, sql: string, params: unknown[]): Promise<T[]> {
  const result: unknown = await ds.query(sql, params);
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return result as T[];
}
