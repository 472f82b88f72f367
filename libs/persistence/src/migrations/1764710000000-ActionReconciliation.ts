import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the API's action reconciler looks for every few seconds (ActionRecordsRepository
 * .awaitingDelivery): actions still pending, and notes claimed but perhaps not signalled, by
 * age; and whether a timeline entry names an action. Indexes only, so the scan stays small as
 * the case record grows.
 */
export class ActionReconciliation1764710000000 implements MigrationInterface {
  name = 'ActionReconciliation1764710000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX action_record_awaiting_delivery_idx ON action_record (created_at)
       WHERE outcome = 'pending' OR (kind = 'add-note' AND outcome = 'accepted')`,
    );
    await q.query(
      `CREATE INDEX escalation_event_action_idx ON escalation_event (action_id) WHERE action_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX escalation_event_action_idx`);
    await q.query(`DROP INDEX action_record_awaiting_delivery_idx`);
  }
}
