import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The child's or adult's details (`escalation_subject`: who, the nature of the concern, the
 * outcomes sought) cannot be quietly changed or removed (issue 13, docs/security.md): Postgres
 * refuses UPDATE, DELETE and TRUNCATE whoever asks, with SQLSTATE RC001 and a message naming the
 * table, the columns and the case (never a value), like the case record's triggers (migration
 * 1764600000000). The application writes a subject once, with its case, and never changes it:
 * there is no corrections path yet, so none is let through; a correction, when it is built, is
 * a new entry that references the old, as for the case record. Enabled ALWAYS, so
 * `session_replication_role = replica` does not switch it off.
 */
const REFUSED = `ERRCODE = 'RC001'`;

export class ProtectedSubject1764711000000 implements MigrationInterface {
  name = 'ProtectedSubject1764711000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION escalation_subject_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'escalation_subject is append-only: a case''s subject is never deleted (escalation %)',
            OLD.escalation_id USING ${REFUSED};
        END IF;
        RAISE EXCEPTION 'escalation_subject is append-only: % never changes (escalation %)',
          array_to_string(case_record_changed_columns(to_jsonb(OLD), to_jsonb(NEW)), ', '), OLD.escalation_id
          USING ${REFUSED};
      END;
      $$;

      CREATE TRIGGER escalation_subject_append_only BEFORE UPDATE OR DELETE ON escalation_subject
        FOR EACH ROW EXECUTE FUNCTION escalation_subject_guard();
      CREATE TRIGGER escalation_subject_no_truncate BEFORE TRUNCATE ON escalation_subject
        FOR EACH STATEMENT EXECUTE FUNCTION case_record_refuse_truncate();
      ALTER TABLE escalation_subject ENABLE ALWAYS TRIGGER escalation_subject_append_only;
      ALTER TABLE escalation_subject ENABLE ALWAYS TRIGGER escalation_subject_no_truncate;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER escalation_subject_no_truncate ON escalation_subject;
      DROP TRIGGER escalation_subject_append_only ON escalation_subject;
      DROP FUNCTION escalation_subject_guard();
    `);
  }
}
