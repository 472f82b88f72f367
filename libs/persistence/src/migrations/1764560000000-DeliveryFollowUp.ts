import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notifier delivery guarantees (issue 15): a text held back outside SMS hours waits as a
 * delivery row with the instant it may be sent (status 'held', send_after) instead of being
 * dropped; a permanent failure reported later by a provider's receipt leaves the delivery with
 * follow_up = 'pending' until its fallback and business-manager alert are done; the reader's
 * side and the notice's urgency are kept so that a fallback decided later is worded and timed
 * like one decided at once. Every receipt is recorded once (delivery_receipt), whatever it is
 * about, so a repeated receipt is recognised and does nothing more.
 */
export class DeliveryFollowUp1764560000000 implements MigrationInterface {
  name = 'DeliveryFollowUp1764560000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE notification_delivery
        ADD COLUMN send_after timestamptz,
        ADD COLUMN reader_side text,
        ADD COLUMN urgent boolean NOT NULL DEFAULT false,
        ADD COLUMN follow_up text;
      CREATE INDEX notification_delivery_held_idx
        ON notification_delivery(send_after) WHERE status = 'held';
      CREATE INDEX notification_delivery_follow_up_idx
        ON notification_delivery(failed_at) WHERE follow_up = 'pending';

      CREATE TABLE delivery_receipt (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        receipt_key text NOT NULL,
        provider text NOT NULL,
        provider_message_id text NOT NULL,
        provider_status text NOT NULL,
        delivery_key text,
        outcome text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX delivery_receipt_key_uq ON delivery_receipt(receipt_key);
      CREATE INDEX delivery_receipt_delivery_idx ON delivery_receipt(delivery_key) WHERE delivery_key IS NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE delivery_receipt;
      DROP INDEX notification_delivery_follow_up_idx;
      DROP INDEX notification_delivery_held_idx;
      ALTER TABLE notification_delivery
        DROP COLUMN send_after, DROP COLUMN reader_side, DROP COLUMN urgent, DROP COLUMN follow_up;
    `);
  }
}
