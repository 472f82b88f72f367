import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Signed events to agencies' case systems (issue 15, docs/integrations.md): the endpoints an
 * administrator registers per agency, the outbox of deliveries the escalation worker's projection
 * writes (one per event and endpoint: unique delivery key), and every attempt's result.
 */
export class Webhooks1764400000000 implements MigrationInterface {
  name = 'Webhooks1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_endpoint (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        agency_id text NOT NULL REFERENCES agency(id),
        url text NOT NULL,
        secret text NOT NULL,
        previous_secret text,
        previous_secret_valid_until timestamptz,
        event_types text[] NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        disabled_at timestamptz
      );
      CREATE INDEX webhook_endpoint_agency_idx ON webhook_endpoint(agency_id);

      CREATE TABLE webhook_delivery (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        delivery_key text NOT NULL,
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoint(id),
        escalation_id uuid NOT NULL REFERENCES escalation(id),
        seq int NOT NULL,
        event_type text NOT NULL,
        payload jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        retry_until timestamptz NOT NULL,
        last_status_code int,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX webhook_delivery_key_idx ON webhook_delivery(delivery_key);
      CREATE INDEX webhook_delivery_endpoint_idx ON webhook_delivery(endpoint_id, created_at);
      -- What the deliverer polls: only the pending rows, by when they are due.
      CREATE INDEX webhook_delivery_due_idx ON webhook_delivery(next_attempt_at) WHERE status = 'pending';

      CREATE TABLE webhook_delivery_attempt (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        delivery_id uuid NOT NULL REFERENCES webhook_delivery(id),
        attempt int NOT NULL,
        started_at timestamptz NOT NULL,
        duration_ms int NOT NULL,
        status_code int,
        error text,
        signatures int NOT NULL
      );
      CREATE INDEX webhook_delivery_attempt_delivery_idx ON webhook_delivery_attempt(delivery_id, attempt);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP TABLE webhook_delivery_attempt; DROP TABLE webhook_delivery; DROP TABLE webhook_endpoint;`,
    );
  }
}
