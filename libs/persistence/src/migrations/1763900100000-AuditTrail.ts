import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The API's audit trail (services/api/src/audit): one row per read of a case, per list call, per
 * action (accepted or refused) and per use of the audit endpoints. Rows hold ids, codes and HTTP
 * statuses only, never free text: a reason or a note may describe a child or an adult, so a row
 * points at the action_record that holds it instead.
 *
 * Tamper evidence: each row carries `prev_hash` (the previous row's `hash`) and
 * `hash = sha256(prev_hash || canonical JSON of the row's fields)`, computed by the API.
 * The database itself keeps the table append-only:
 * - UPDATE, DELETE and TRUNCATE raise an exception (triggers enabled ALWAYS, so they fire even
 *   with session_replication_role = replica); only a superuser or the table owner who first
 *   disables them can change a row, and GET /audit/verify then finds the broken link;
 * - INSERT takes the chain lock (the same advisory lock the API takes) and refuses a row whose
 *   prev_hash is not the current head's hash or whose seq does not follow it, so concurrent
 *   writers can never fork the chain.
 */
// Shared with libs/persistence: AUDIT_CHAIN_LOCK_KEY (repositories/audit.repository.ts) and GENESIS_HASH (audit-chain.ts).
const AUDIT_CHAIN_LOCK_KEY = '5933711093098317157';
const AUDIT_GENESIS_HASH = '0'.repeat(64);

export class AuditTrail1763900100000 implements MigrationInterface {
  name = 'AuditTrail1763900100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_log (
        seq bigserial PRIMARY KEY,
        at timestamptz NOT NULL,
        request_id text NOT NULL,
        person_id text,
        agency_id text,
        role text,
        partnership_id text,
        escalation_id uuid,
        action text NOT NULL,
        outcome int NOT NULL,
        action_record_id uuid,
        detail jsonb NOT NULL DEFAULT '{}',
        prev_hash text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
        hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$')
      );
      CREATE INDEX audit_log_escalation_idx ON audit_log(escalation_id, seq) WHERE escalation_id IS NOT NULL;
      CREATE INDEX audit_log_person_idx ON audit_log(person_id, seq);

      CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END
      $$;

      CREATE FUNCTION audit_log_extend_chain() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        head record;
      BEGIN
        PERFORM pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK_KEY});
        SELECT seq, hash INTO head FROM audit_log ORDER BY seq DESC LIMIT 1;
        IF NEW.prev_hash IS DISTINCT FROM coalesce(head.hash, '${AUDIT_GENESIS_HASH}') THEN
          RAISE EXCEPTION 'audit_log: prev_hash must be the hash of the last row (seq %)', head.seq
            USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF head.seq IS NOT NULL AND NEW.seq <= head.seq THEN
          RAISE EXCEPTION 'audit_log: seq % does not follow the last row (seq %)', NEW.seq, head.seq
            USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
      END
      $$;

      CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
      CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_extend_chain();
      ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_append_only;
      ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_no_truncate;
      ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_chain;

      -- Roles other than the owner may read and append, never change (see docs/audit-and-access.md).
      REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE audit_log;
      DROP FUNCTION audit_log_extend_chain();
      DROP FUNCTION audit_log_refuse_change();
    `);
  }
}
