import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook deliveries run as Temporal workflows (issue 15, docs/integrations.md): the outbox row
 * stays the durable hand-off and records which workflow delivers it (workflow_id, null until the
 * worker's starter has started one) and how many manual redeliveries were asked for, each a
 * workflow of its own. Rows the former polling deliverer left pending are started like new ones.
 */
export class WebhookTemporalDelivery1764700000000 implements MigrationInterface {
  name = 'WebhookTemporalDelivery1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE webhook_delivery
        ADD COLUMN redeliveries int NOT NULL DEFAULT 0,
        ADD COLUMN workflow_id text;
      DROP INDEX webhook_delivery_due_idx;
      -- What the starter polls: pending rows whose workflow is not started yet.
      CREATE INDEX webhook_delivery_unstarted_idx ON webhook_delivery(created_at)
        WHERE status = 'pending' AND workflow_id IS NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX webhook_delivery_unstarted_idx;
      CREATE INDEX webhook_delivery_due_idx ON webhook_delivery(next_attempt_at) WHERE status = 'pending';
      ALTER TABLE webhook_delivery DROP COLUMN workflow_id, DROP COLUMN redeliveries;
    `);
  }
}
