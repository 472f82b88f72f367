import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * No timeline entry, plan item or subject without its fingerprint in the audit trail (issue 13,
 * docs/security.md "The case record"): like an action's record (1764600000000), each of these
 * rows is refused at commit unless an audit row of the case fingerprints it
 * (CASE_CONTENT_AUDIT in libs/persistence/src/audit-chain.ts). The repositories write both in one
 * transaction; someone holding the application's connection who inserts a made-up timeline entry
 * or plan item is refused, unless they also chain it, which leaves it in the trail.
 *
 * A row put back exactly as it was (its fingerprint row is still there) passes; GET
 * /audit/verify says whether it matches.
 */
const REFUSED = `ERRCODE = 'RC001'`;

export class FingerprintedCaseContent1764770000000 implements MigrationInterface {
  name = 'FingerprintedCaseContent1764770000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION escalation_event_fingerprinted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NOT EXISTS (
             SELECT 1 FROM audit_log l
              WHERE l.escalation_id = NEW.escalation_id AND l.action = 'case-record.timeline'
                AND l.detail -> 'fingerprints' ? NEW.seq::text) THEN
          RAISE EXCEPTION 'escalation_event: an entry is written with its fingerprint (case-record.timeline) in the same transaction (escalation %, seq %)',
            NEW.escalation_id, NEW.seq
            USING ${REFUSED};
        END IF;
        RETURN NULL;
      END
      $$;

      CREATE FUNCTION plan_item_fingerprinted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NOT EXISTS (
             SELECT 1 FROM audit_log l
              WHERE l.escalation_id = NEW.escalation_id AND l.action = 'case-record.plan-items'
                AND l.detail -> 'fingerprints' ? NEW.id::text) THEN
          RAISE EXCEPTION 'plan_item: an item is written with its fingerprint (case-record.plan-items) in the same transaction (id %)',
            NEW.id
            USING ${REFUSED};
        END IF;
        RETURN NULL;
      END
      $$;

      CREATE FUNCTION escalation_subject_fingerprinted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NOT EXISTS (
             SELECT 1 FROM audit_log l
              WHERE l.escalation_id = NEW.escalation_id AND l.action = 'case-record.subject') THEN
          RAISE EXCEPTION 'escalation_subject: a subject is written with its fingerprint (case-record.subject) in the same transaction (escalation %)',
            NEW.escalation_id
            USING ${REFUSED};
        END IF;
        RETURN NULL;
      END
      $$;

      CREATE CONSTRAINT TRIGGER escalation_event_fingerprinted AFTER INSERT ON escalation_event
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION escalation_event_fingerprinted();
      CREATE CONSTRAINT TRIGGER plan_item_fingerprinted AFTER INSERT ON plan_item
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION plan_item_fingerprinted();
      CREATE CONSTRAINT TRIGGER escalation_subject_fingerprinted AFTER INSERT ON escalation_subject
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION escalation_subject_fingerprinted();
      ALTER TABLE escalation_event ENABLE ALWAYS TRIGGER escalation_event_fingerprinted;
      ALTER TABLE plan_item ENABLE ALWAYS TRIGGER plan_item_fingerprinted;
      ALTER TABLE escalation_subject ENABLE ALWAYS TRIGGER escalation_subject_fingerprinted;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER escalation_subject_fingerprinted ON escalation_subject;
      DROP TRIGGER plan_item_fingerprinted ON plan_item;
      DROP TRIGGER escalation_event_fingerprinted ON escalation_event;
      DROP FUNCTION escalation_subject_fingerprinted();
      DROP FUNCTION plan_item_fingerprinted();
      DROP FUNCTION escalation_event_fingerprinted();
    `);
  }
}
