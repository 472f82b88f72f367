import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A note is answered once its record and claim are committed; the API's note relay then signals
 * its workflow in the background (services/api/src/escalations/note-relay.ts). `relayed_at` is
 * the relay's durable marker: NULL while the note is still owed to its workflow, set once the
 * relay is done with it, either because the signal reached the workflow (outcome stays
 * `accepted`) or because the workflow had already completed (outcome `refused`: the case closed
 * between the answer and the signal). So a crash, or Temporal being down, leaves the note owed,
 * and the relay finds it again (ActionRecordsRepository.notesOwed).
 *
 * The append-only guard of 1764600000000-AppendOnlyCaseRecord learns one more change by design:
 * `relayed_at`, from NULL to an instant, once, for a note only. The column is not part of the
 * record's content (its fingerprint in the audit chain is unchanged).
 *
 * Notes answered before this migration were signalled before their answer: the accepted ones
 * with a timeline entry are marked relayed; an accepted one without (a crash after its claim)
 * stays owed, and the workflow applies a note's action id once (patch `notes-once`, and the
 * worker's authorisation of an id already applied), so signalling it again is harmless.
 */
const REFUSED = `ERRCODE = 'RC001'`;

function guard(withRelay: boolean): string {
  const allowed = withRelay
    ? `'outcome', 'agency_id', 'role', 'relayed_at'`
    : `'outcome', 'agency_id', 'role'`;
  const relayRule = withRelay
    ? `
        IF 'relayed_at' = ANY(changed) AND (OLD.kind <> 'add-note' OR OLD.relayed_at IS NOT NULL OR NEW.relayed_at IS NULL) THEN
          RAISE EXCEPTION 'action_record.relayed_at: only a note''s, from unset to an instant, once (id %)', OLD.id
            USING ${REFUSED};
        END IF;`
    : '';
  return `
      CREATE OR REPLACE FUNCTION action_record_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        changed text[];
        forbidden text[];
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'action_record is append-only: a recorded action is never deleted (id %)', OLD.id
            USING ${REFUSED};
        END IF;
        changed := case_record_changed_columns(to_jsonb(OLD), to_jsonb(NEW));
        forbidden := ARRAY(SELECT unnest(changed) EXCEPT SELECT unnest(ARRAY[${allowed}]));
        IF cardinality(forbidden) > 0 THEN
          RAISE EXCEPTION 'action_record is append-only: % never changes (id %)',
            array_to_string(forbidden, ', '), OLD.id
            USING ${REFUSED};
        END IF;
        IF ('agency_id' = ANY(changed) OR 'role' = ANY(changed))
           AND (OLD.role <> 'pending' OR NEW.role = 'pending') THEN
          RAISE EXCEPTION 'action_record.agency_id, role: only a placeholder''s actor (role pending) is filled in, once (id %)', OLD.id
            USING ${REFUSED};
        END IF;${relayRule}
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
      $$;`;
}

export class NoteRelay1764780000000 implements MigrationInterface {
  name = 'NoteRelay1764780000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE action_record ADD COLUMN relayed_at timestamptz`);
    await q.query(guard(true));
    await q.query(
      `UPDATE action_record a SET relayed_at = a.created_at
        WHERE a.kind = 'add-note' AND a.outcome = 'accepted'
          AND EXISTS (SELECT 1 FROM escalation_event e WHERE e.action_id = a.id)`,
    );
    // What the relay looks for at start-up and every few seconds: notes still owed, by age.
    await q.query(
      `CREATE INDEX action_record_note_owed_idx ON action_record (created_at)
        WHERE kind = 'add-note' AND outcome = 'accepted' AND relayed_at IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX action_record_note_owed_idx`);
    await q.query(guard(false));
    await q.query(`ALTER TABLE action_record DROP COLUMN relayed_at`);
  }
}
