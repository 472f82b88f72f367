import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1763900000000 implements MigrationInterface {
  name = 'InitialSchema1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE partnership (
        id text PRIMARY KEY,
        name text NOT NULL,
        email_detail text NOT NULL DEFAULT 'reference-only',
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE agency (
        id text PRIMARY KEY,
        partnership_id text NOT NULL REFERENCES partnership(id),
        name text NOT NULL,
        kind text NOT NULL
      );
      CREATE TABLE person (
        id text PRIMARY KEY,
        partnership_id text NOT NULL REFERENCES partnership(id),
        display_name text NOT NULL,
        email text,
        phone text,
        channels text[] NOT NULL DEFAULT '{email}',
        sms_out_of_hours boolean NOT NULL DEFAULT false,
        identity_subject text NOT NULL
      );
      CREATE UNIQUE INDEX person_identity_subject_uq ON person(identity_subject);
      CREATE TABLE agency_role (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        person_id text NOT NULL REFERENCES person(id),
        agency_id text NOT NULL REFERENCES agency(id),
        role text NOT NULL
      );
      CREATE UNIQUE INDEX agency_role_uq ON agency_role(agency_id, role, person_id);
      CREATE TABLE partnership_role (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        person_id text NOT NULL REFERENCES person(id),
        partnership_id text NOT NULL REFERENCES partnership(id),
        role text NOT NULL,
        sub_group text
      );
      CREATE UNIQUE INDEX partnership_role_uq ON partnership_role(partnership_id, role, person_id);

      CREATE TABLE escalation (
        id uuid PRIMARY KEY,
        reference text NOT NULL,
        partnership_id text NOT NULL REFERENCES partnership(id),
        protocol_id text NOT NULL,
        protocol_version int NOT NULL,
        category text NOT NULL,
        status text NOT NULL,
        tier_number int NOT NULL,
        tier_key text NOT NULL,
        immediate_risk boolean NOT NULL DEFAULT false,
        urgent boolean NOT NULL DEFAULT false,
        raising_agency_id text NOT NULL REFERENCES agency(id),
        receiving_agency_id text NOT NULL REFERENCES agency(id),
        raising_person_id text NOT NULL REFERENCES person(id),
        receiving_person_id text NOT NULL REFERENCES person(id),
        raised_at timestamptz NOT NULL,
        current_due_at timestamptz,
        deadline_explanation text,
        breaches int NOT NULL DEFAULT 0,
        workflow_id text NOT NULL,
        workflow_state text NOT NULL DEFAULT 'pending',
        state jsonb,
        state_seq int NOT NULL DEFAULT 0,
        closed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX escalation_reference_uq ON escalation(partnership_id, reference);
      CREATE UNIQUE INDEX escalation_workflow_uq ON escalation(workflow_id);
      CREATE INDEX escalation_status_idx ON escalation(partnership_id, status, tier_number);
      CREATE INDEX escalation_pending_idx ON escalation(workflow_state) WHERE workflow_state = 'pending';

      CREATE TABLE escalation_subject (
        escalation_id uuid PRIMARY KEY REFERENCES escalation(id),
        subject_kind text NOT NULL,
        people jsonb NOT NULL DEFAULT '[]',
        case_identifier text,
        nature_of_concern text NOT NULL,
        outcomes_sought text NOT NULL
      );
      CREATE TABLE escalation_event (
        id bigserial PRIMARY KEY,
        escalation_id uuid NOT NULL REFERENCES escalation(id),
        seq int NOT NULL,
        at timestamptz NOT NULL,
        type text NOT NULL,
        tier int NOT NULL,
        actor jsonb,
        action_id uuid,
        detail jsonb NOT NULL DEFAULT '{}'
      );
      CREATE UNIQUE INDEX escalation_event_seq_uq ON escalation_event(escalation_id, seq);
      CREATE TABLE action_record (
        id uuid PRIMARY KEY,
        escalation_id uuid NOT NULL REFERENCES escalation(id),
        kind text NOT NULL,
        person_id text NOT NULL,
        agency_id text,
        role text NOT NULL,
        text text,
        payload jsonb NOT NULL DEFAULT '{}',
        outcome text NOT NULL DEFAULT 'pending',
        request_id text,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX action_record_escalation_idx ON action_record(escalation_id);
      CREATE TABLE plan_item (
        id uuid PRIMARY KEY,
        escalation_id uuid NOT NULL REFERENCES escalation(id),
        action_id uuid NOT NULL REFERENCES action_record(id),
        owner_agency_id text NOT NULL REFERENCES agency(id),
        owner_person_id text,
        description text NOT NULL,
        due_at timestamptz NOT NULL,
        status text NOT NULL DEFAULT 'open'
      );
      CREATE TABLE notification_delivery (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        delivery_key text NOT NULL,
        escalation_id uuid NOT NULL,
        event text NOT NULL,
        tier int NOT NULL,
        recipient_person_id text NOT NULL,
        channel text NOT NULL,
        status text NOT NULL,
        provider text,
        provider_message_id text,
        attempts int NOT NULL DEFAULT 0,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX notification_delivery_key_uq ON notification_delivery(delivery_key);
      CREATE INDEX notification_delivery_escalation_idx ON notification_delivery(escalation_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE notification_delivery; DROP TABLE plan_item; DROP TABLE action_record;
      DROP TABLE escalation_event; DROP TABLE escalation_subject; DROP TABLE escalation;
      DROP TABLE partnership_role; DROP TABLE agency_role; DROP TABLE person; DROP TABLE agency; DROP TABLE partnership;
    `);
  }
}
