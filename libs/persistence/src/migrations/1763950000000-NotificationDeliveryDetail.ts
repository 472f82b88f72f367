import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notifier (services/notifier): delivery times and provider receipts for the case timeline, the
 * link from a fallback message to the one that failed, and the embedded SMS outbox (the default
 * SMS "provider": each message becomes a row a person can read, and the API can show).
 */
export class NotificationDeliveryDetail1763950000000 implements MigrationInterface {
  name = 'NotificationDeliveryDetail1763950000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE notification_delivery
        ADD COLUMN sent_at timestamptz,
        ADD COLUMN delivered_at timestamptz,
        ADD COLUMN failed_at timestamptz,
        ADD COLUMN provider_status text,
        ADD COLUMN fallback_for text;
      CREATE INDEX notification_delivery_provider_message_idx
        ON notification_delivery(provider, provider_message_id) WHERE provider_message_id IS NOT NULL;

      CREATE TABLE sms_outbox (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        delivery_key text NOT NULL,
        escalation_id uuid,
        recipient_person_id text,
        to_phone text NOT NULL,
        body text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX sms_outbox_delivery_key_uq ON sms_outbox(delivery_key);
      CREATE INDEX sms_outbox_escalation_idx ON sms_outbox(escalation_id, created_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE sms_outbox;
      DROP INDEX notification_delivery_provider_message_idx;
      ALTER TABLE notification_delivery
        DROP COLUMN sent_at, DROP COLUMN delivered_at, DROP COLUMN failed_at,
        DROP COLUMN provider_status, DROP COLUMN fallback_for;
    `);
  }
}
