import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Role grants wait for a second partnership administrator (RoleGrantRequestEntity). At most one
 * pending request per person, agency (or partnership) and role; decided requests stay as the
 * record of who asked and who agreed.
 */
export class RoleGrantApproval1764730000000 implements MigrationInterface {
  name = 'RoleGrantApproval1764730000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE role_grant_request (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        partnership_id text NOT NULL REFERENCES partnership(id),
        person_id text NOT NULL REFERENCES person(id),
        scope text NOT NULL,
        agency_id text REFERENCES agency(id),
        role text NOT NULL,
        sub_group text,
        requested_by text NOT NULL REFERENCES person(id),
        requested_at timestamptz NOT NULL DEFAULT now(),
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'declined')),
        decided_by text REFERENCES person(id),
        decided_at timestamptz,
        granted_role_id uuid,
        CHECK ((status = 'pending') = (decided_by IS NULL))
      )`);
    await q.query(`
      CREATE UNIQUE INDEX role_grant_request_one_pending
        ON role_grant_request (person_id, scope, role) WHERE status = 'pending'`);
    await q.query(
      `CREATE INDEX role_grant_request_partnership_idx ON role_grant_request (partnership_id, status)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE role_grant_request`);
  }
}
