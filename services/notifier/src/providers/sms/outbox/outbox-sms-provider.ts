import type { DataSource } from 'typeorm';
import type { SendReceipt, SmsMessage, SmsProvider } from '../sms-provider.interface';

/**
 * The embedded default: no text message leaves the system. Each message becomes a row of the
 * `sms_outbox` table (phone number, text, case, recipient), which a person can read with psql
 * and the API can show. Keyed by the delivery key, so writing it twice keeps one row: this
 * provider is idempotent by construction.
 */
export class OutboxSmsProvider implements SmsProvider {
  readonly name = 'outbox';

  constructor(private readonly ds: DataSource) {}

  async send(message: SmsMessage): Promise<SendReceipt> {
    const rows: { id: string }[] = await this.ds.query(
      `INSERT INTO sms_outbox (delivery_key, escalation_id, recipient_person_id, to_phone, body)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (delivery_key) DO UPDATE SET delivery_key = EXCLUDED.delivery_key
       RETURNING id`,
      [message.deliveryKey, message.escalationId, message.recipientPersonId, message.to, message.body],
    );
    return { providerMessageId: rows[0].id };
  }

  async findPrevious(message: SmsMessage): Promise<SendReceipt | null> {
    const rows: { id: string }[] = await this.ds.query(`SELECT id FROM sms_outbox WHERE delivery_key = $1`, [
      message.deliveryKey,
    ]);
    return rows[0] ? { providerMessageId: rows[0].id } : null;
  }
}

export interface OutboxMessage {
  id: string;
  deliveryKey: string;
  escalationId: string | null;
  recipientPersonId: string | null;
  to: string;
  body: string;
  createdAt: Date;
}

/** The outbox, newest first, optionally for one case: for the API and for people reading it. */
export async function readSmsOutbox(
  ds: DataSource,
  options: { escalationId?: string; limit?: number } = {},
): Promise<OutboxMessage[]> {
  const rows: Record<string, unknown>[] = await ds.query(
    `SELECT id, delivery_key, escalation_id, recipient_person_id, to_phone, body, created_at
       FROM sms_outbox
      WHERE ($1::uuid IS NULL OR escalation_id = $1::uuid)
      ORDER BY created_at DESC, id
      LIMIT $2`,
    [options.escalationId ?? null, options.limit ?? 100],
  );
  return rows.map((r) => ({
    id: String(r.id),
    deliveryKey: String(r.delivery_key),
    escalationId: (r.escalation_id as string | null) ?? null,
    recipientPersonId: (r.recipient_person_id as string | null) ?? null,
    to: String(r.to_phone),
    body: String(r.body),
    createdAt: r.created_at as Date,
  }));
}
