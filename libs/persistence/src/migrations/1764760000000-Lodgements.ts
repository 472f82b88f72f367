import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Forms lodged with their recipients when the protocol says (docs/records-and-reports.md,
 * "Lodged forms").
 *
 * `lodgement_moment` is an outbox written by the projection in the transaction that stores a
 * timeline entry entering a tier or closing the case; the API's lodger takes each one in, once.
 * `lodgement` is the form as generated then: its content and hash never change afterwards (a
 * trigger refuses it, as for the case record), only the time its notice was started is set.
 */
export class Lodgements1764760000000 implements MigrationInterface {
  name = 'Lodgements1764760000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE lodgement_moment (
        escalation_id uuid NOT NULL REFERENCES escalation(id),
        seq int NOT NULL,
        at timestamptz NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done')),
        attempts int NOT NULL DEFAULT 0,
        last_error text,
        processed_at timestamptz,
        PRIMARY KEY (escalation_id, seq)
      )`);
    await q.query(
      `CREATE INDEX lodgement_moment_pending_idx ON lodgement_moment (at) WHERE status = 'pending'`,
    );
    await q.query(`
      CREATE TABLE lodgement (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        escalation_id uuid NOT NULL REFERENCES escalation(id),
        partnership_id text NOT NULL REFERENCES partnership(id),
        lodgement_key text NOT NULL,
        moment text NOT NULL CHECK (moment IN ('tier-entered', 'tier-outcome', 'case-closed', 'every-stage')),
        timeline_seq int NOT NULL,
        moment_at timestamptz NOT NULL,
        protocol_id text NOT NULL,
        protocol_version int NOT NULL,
        tier_key text NOT NULL,
        tier_number int NOT NULL,
        record_kind text NOT NULL,
        document text NOT NULL,
        title text NOT NULL,
        recipient_partnership_role text,
        recipient_agency_role text,
        lodged_at timestamptz NOT NULL DEFAULT now(),
        form_json jsonb NOT NULL,
        form_html text NOT NULL,
        content_hash text NOT NULL,
        notice_started_at timestamptz,
        CHECK ((recipient_partnership_role IS NULL) <> (recipient_agency_role IS NULL)),
        UNIQUE (escalation_id, lodgement_key)
      )`);
    await q.query(
      `CREATE INDEX lodgement_notice_pending_idx ON lodgement (lodged_at) WHERE notice_started_at IS NULL`,
    );
    await q.query(`CREATE INDEX lodgement_partnership_idx ON lodgement (partnership_id, lodged_at)`);
    await q.query(`
      CREATE FUNCTION lodgement_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'a lodged form is kept as lodged: lodgement % cannot be deleted', OLD.id;
        END IF;
        IF (to_jsonb(NEW) - 'notice_started_at') IS DISTINCT FROM (to_jsonb(OLD) - 'notice_started_at') THEN
          RAISE EXCEPTION 'a lodged form is kept as lodged: only notice_started_at of lodgement % may change', OLD.id;
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER lodgement_as_lodged BEFORE UPDATE OR DELETE ON lodgement
        FOR EACH ROW EXECUTE FUNCTION lodgement_guard()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE lodgement`);
    await q.query(`DROP FUNCTION lodgement_guard()`);
    await q.query(`DROP TABLE lodgement_moment`);
  }
}
