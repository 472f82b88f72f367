import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The case record cannot be quietly changed (issue 13, docs/security.md): Postgres itself refuses
 * every change to an action's record (its text, who, what, when), to the timeline and to a plan
 * item's wording, whoever asks. Only the changes the application makes by design get through,
 * each named here with the repository method that makes it:
 *
 * action_record (ActionRecordsRepository)
 * - the outcome: pending -> accepted or refused (`settle`, `claimAcceptance`); refused ->
 *   accepted (a refused request retried with its Idempotency-Key: Temporal keeps no trace of a
 *   refused update, so the engine may accept the retry). An accepted action stays accepted.
 *   A note's outcome is the claim that stops a retry signalling it twice, so for kind 'add-note'
 *   only, an accepted claim may also be released (-> pending: the signal did not go) or turned
 *   down (-> refused: the case had closed);
 * - a placeholder's actor (role 'pending', written by a plan agreement before its items):
 *   agency_id and role, once (`recordRequested`);
 * - never a delete; every other column never changes.
 * plan_item (PlanItemsRepository, EscalationProjectionRepository)
 * - status: open -> done (the workflow counts the item done);
 * - a delete only of an open item whose plan agreement was not accepted (`deleteUnlessAccepted`:
 *   the items of a plan the engine refused or never heard of); every other column never changes.
 * escalation_event (the worker's projection): never updated, never deleted.
 * TRUNCATE of any of them: refused.
 *
 * No action without its audit row: an action_record is inserted only with its case-record
 * audit row (action 'case-record.append', naming it) in the same transaction, checked at commit
 * by a deferred constraint trigger.
 *
 * Each refusal raises SQLSTATE RC001 with a message naming the table and the column or rule;
 * the repositories turn it into CaseRecordChangeRefused. The triggers are enabled ALWAYS, like
 * audit_log's, so `session_replication_role = replica` does not switch them off. The table owner
 * or a superuser can still disable them: docs/security.md says what detects that and what is open.
 */
const REFUSED = `ERRCODE = 'RC001'`;

export class AppendOnlyCaseRecord1764600000000 implements MigrationInterface {
  name = 'AppendOnlyCaseRecord1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- The columns whose value differs between two versions of a row, by name.
      CREATE FUNCTION case_record_changed_columns(old_row jsonb, new_row jsonb) RETURNS text[]
        LANGUAGE sql IMMUTABLE AS $$
          SELECT coalesce(array_agg(n.key ORDER BY n.key), '{}')
            FROM jsonb_each(new_row) n
           WHERE n.value IS DISTINCT FROM old_row -> n.key
        $$;

      CREATE FUNCTION action_record_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        changed text[];
        forbidden text[];
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'action_record is append-only: a recorded action is never deleted (id %)', OLD.id
            USING ${REFUSED};
        END IF;
        changed := case_record_changed_columns(to_jsonb(OLD), to_jsonb(NEW));
        forbidden := ARRAY(SELECT unnest(changed) EXCEPT SELECT unnest(ARRAY['outcome', 'agency_id', 'role']));
        IF cardinality(forbidden) > 0 THEN
          RAISE EXCEPTION 'action_record is append-only: % never changes (id %)',
            array_to_string(forbidden, ', '), OLD.id
            USING ${REFUSED};
        END IF;
        IF ('agency_id' = ANY(changed) OR 'role' = ANY(changed))
           AND (OLD.role <> 'pending' OR NEW.role = 'pending') THEN
          RAISE EXCEPTION 'action_record.agency_id, role: only a placeholder''s actor (role pending) is filled in, once (id %)', OLD.id
            USING ${REFUSED};
        END IF;
        IF 'outcome' = ANY(changed) AND NOT (
             (OLD.outcome = 'pending' AND NEW.outcome IN ('accepted', 'refused'))
          OR (OLD.outcome = 'refused' AND NEW.outcome = 'accepted')
          OR (OLD.kind = 'add-note' AND OLD.outcome = 'accepted' AND NEW.outcome IN ('pending', 'refused'))
        ) THEN
          RAISE EXCEPTION 'action_record.outcome: % cannot become % (an outcome moves from pending to accepted or refused, and an accepted action stays accepted) (id %)',
            OLD.outcome, NEW.outcome, OLD.id
            USING ${REFUSED};
        END IF;
        RETURN NEW;
      END
      $$;

      CREATE FUNCTION plan_item_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        forbidden text[];
      BEGIN
        IF TG_OP = 'DELETE' THEN
          IF OLD.status <> 'open' OR EXISTS (
               SELECT 1 FROM action_record a WHERE a.id = OLD.action_id AND a.outcome = 'accepted') THEN
            RAISE EXCEPTION 'plan_item: an item of an accepted plan is never deleted (id %)', OLD.id
              USING ${REFUSED};
          END IF;
          RETURN OLD;
        END IF;
        forbidden := ARRAY(
          SELECT unnest(case_record_changed_columns(to_jsonb(OLD), to_jsonb(NEW))) EXCEPT SELECT 'status');
        IF cardinality(forbidden) > 0 THEN
          RAISE EXCEPTION 'plan_item is append-only: % never changes (id %)', array_to_string(forbidden, ', '), OLD.id
            USING ${REFUSED};
        END IF;
        IF NEW.status IS DISTINCT FROM OLD.status AND NOT (OLD.status = 'open' AND NEW.status = 'done') THEN
          RAISE EXCEPTION 'plan_item.status: % cannot become % (an item moves from open to done, once) (id %)',
            OLD.status, NEW.status, OLD.id
            USING ${REFUSED};
        END IF;
        RETURN NEW;
      END
      $$;

      CREATE FUNCTION escalation_event_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'escalation_event is append-only: a timeline entry is never %d (id %)',
          lower(TG_OP), OLD.id
          USING ${REFUSED};
      END
      $$;

      CREATE FUNCTION case_record_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only: TRUNCATE is not allowed', TG_TABLE_NAME USING ${REFUSED};
      END
      $$;

      CREATE FUNCTION action_record_audited() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NOT EXISTS (
             SELECT 1 FROM audit_log l WHERE l.action_record_id = NEW.id AND l.action = 'case-record.append') THEN
          RAISE EXCEPTION 'action_record: a record is written with its audit row (case-record.append) in the same transaction (id %)', NEW.id
            USING ${REFUSED};
        END IF;
        RETURN NULL;
      END
      $$;
      CREATE INDEX audit_log_action_record_idx ON audit_log(action_record_id) WHERE action_record_id IS NOT NULL;
      CREATE CONSTRAINT TRIGGER action_record_audited AFTER INSERT ON action_record
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION action_record_audited();

      CREATE TRIGGER action_record_append_only BEFORE UPDATE OR DELETE ON action_record
        FOR EACH ROW EXECUTE FUNCTION action_record_guard();
      CREATE TRIGGER plan_item_append_only BEFORE UPDATE OR DELETE ON plan_item
        FOR EACH ROW EXECUTE FUNCTION plan_item_guard();
      CREATE TRIGGER escalation_event_append_only BEFORE UPDATE OR DELETE ON escalation_event
        FOR EACH ROW EXECUTE FUNCTION escalation_event_guard();
      CREATE TRIGGER action_record_no_truncate BEFORE TRUNCATE ON action_record
        FOR EACH STATEMENT EXECUTE FUNCTION case_record_refuse_truncate();
      CREATE TRIGGER plan_item_no_truncate BEFORE TRUNCATE ON plan_item
        FOR EACH STATEMENT EXECUTE FUNCTION case_record_refuse_truncate();
      CREATE TRIGGER escalation_event_no_truncate BEFORE TRUNCATE ON escalation_event
        FOR EACH STATEMENT EXECUTE FUNCTION case_record_refuse_truncate();

      ALTER TABLE action_record ENABLE ALWAYS TRIGGER action_record_audited;
      ALTER TABLE action_record ENABLE ALWAYS TRIGGER action_record_append_only;
      ALTER TABLE plan_item ENABLE ALWAYS TRIGGER plan_item_append_only;
      ALTER TABLE escalation_event ENABLE ALWAYS TRIGGER escalation_event_append_only;
      ALTER TABLE action_record ENABLE ALWAYS TRIGGER action_record_no_truncate;
      ALTER TABLE plan_item ENABLE ALWAYS TRIGGER plan_item_no_truncate;
      ALTER TABLE escalation_event ENABLE ALWAYS TRIGGER escalation_event_no_truncate;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER escalation_event_no_truncate ON escalation_event;
      DROP TRIGGER plan_item_no_truncate ON plan_item;
      DROP TRIGGER action_record_no_truncate ON action_record;
      DROP TRIGGER escalation_event_append_only ON escalation_event;
      DROP TRIGGER plan_item_append_only ON plan_item;
      DROP TRIGGER action_record_append_only ON action_record;
      DROP TRIGGER action_record_audited ON action_record;
      DROP INDEX audit_log_action_record_idx;
      DROP FUNCTION case_record_refuse_truncate();
      DROP FUNCTION escalation_event_guard();
      DROP FUNCTION plan_item_guard();
      DROP FUNCTION action_record_guard();
      DROP FUNCTION action_record_audited();
      DROP FUNCTION case_record_changed_columns(jsonb, jsonb);
    `);
  }
}
