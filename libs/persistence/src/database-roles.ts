import type { DataSource } from 'typeorm';

/** Role names are quoted into statements that take no parameters: plain identifiers only. */
const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Gives the role the services connect as what they need, and no ownership: it reads and writes
 * rows, while the triggers that keep the case record and the audit trail append-only stay out of
 * its reach (only a table's owner can disable, drop or replace them). Run by the owner role,
 * after the migrations; the role itself is created by the deployment, with its password.
 * The design, and what is still to do to run every environment this way: docs/security.md,
 * "Next step: an owner role".
 */
export async function grantApplicationRole(owner: DataSource, role: string): Promise<void> {
  if (!ROLE_NAME.test(role)) {
    throw new Error(
      `role name "${role}" is not allowed: use lower-case letters, digits and underscores (at most 63)`,
    );
  }
  // Raw SQL: GRANT and REVOKE have no TypeORM API.
  await owner.query(`
    GRANT USAGE ON SCHEMA public TO "${role}";
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "${role}";
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "${role}";
    -- The trail is appended to, never changed; the migrations' own ledger is the owner's.
    REVOKE UPDATE, DELETE ON audit_log FROM "${role}";
    -- The child's or adult's details are written once, with their case (1764711000000-ProtectedSubject).
    REVOKE UPDATE, DELETE ON escalation_subject FROM "${role}";
    REVOKE ALL ON migrations FROM "${role}";
  `);
}
