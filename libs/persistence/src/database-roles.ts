import type { DataSource } from 'typeorm';

/** Role names are quoted into statements that take no parameters: plain identifiers only. */
const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Gives the role the services connect as what they need, and no ownership: it reads and writes
 * rows, while the triggers that keep the case record and the audit trail append-only stay out of
 * its reach (only a table's owner can disable, drop or replace them). Run by the owner role,
 * after the migrations; the role itself is created by the deployment, with its password.
 * How environments run this way: docs/security.md, "The owner role".
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

/**
 * Why the role a service connects as must not serve: a superuser, or the owner of the tables,
 * can disable the triggers that keep the case record and the audit trail append-only. Empty when
 * the role owns nothing and is not a superuser.
 */
export async function servingRoleProblems(serving: DataSource): Promise<string[]> {
  // Raw SQL: role attributes and table ownership live in the catalogues, which have no entities.
  const [role] = (await serving.query(
    `SELECT current_user AS name, r.rolsuper AS superuser,
            (SELECT count(*)::int FROM pg_tables t WHERE t.schemaname = 'public' AND t.tableowner = current_user) AS owned
       FROM pg_roles r WHERE r.rolname = current_user`,
  )) as { name: string; superuser: boolean; owned: number }[];
  const problems: string[] = [];
  if (role.superuser) problems.push(`the role "${role.name}" is a superuser`);
  if (role.owned > 0) problems.push(`the role "${role.name}" owns ${role.owned} of the tables`);
  return problems;
}

/**
 * Migrates as the owner (`migrationsDatabaseUrl`) and gives the serving role (the user of
 * `databaseUrl`) its grants, then opens the serving connection: the tables' owner is never the
 * role the application runs as (docs/security.md, "The owner role").
 */
export async function migrateAsOwnerThenServe(options: {
  databaseUrl: string;
  migrationsDatabaseUrl: string;
  open: (url: string, migrate: boolean) => Promise<DataSource>;
}): Promise<DataSource> {
  const servingRole = decodeURIComponent(new URL(options.databaseUrl).username);
  const owner = await options.open(options.migrationsDatabaseUrl, true);
  try {
    await grantApplicationRole(owner, servingRole);
  } finally {
    await owner.destroy();
  }
  return options.open(options.databaseUrl, false);
}
