import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who line-manages whom. Sefton and Lincolnshire step 2 say each professional discusses the issue
 * with "their line manager": the engine needs the relation, not only the role. A person has at
 * most one line manager here (the one who acts for them at that step); removing the manager's
 * record clears it rather than blocking the removal.
 */
export class LineManagement1764450000000 implements MigrationInterface {
  name = 'LineManagement1764450000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE person ADD COLUMN line_manager_id text NULL REFERENCES person (id) ON DELETE SET NULL`,
    );
    await q.query(
      `ALTER TABLE person ADD CONSTRAINT person_not_own_line_manager CHECK (line_manager_id IS NULL OR line_manager_id <> id)`,
    );
    await q.query(`CREATE INDEX person_line_manager_idx ON person (line_manager_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX person_line_manager_idx`);
    await q.query(`ALTER TABLE person DROP COLUMN line_manager_id`);
  }
}
