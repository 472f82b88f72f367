import { Client } from 'pg';

/**
 * Creating and dropping whole databases: statements TypeORM has no API for, run on a maintenance
 * connection (`adminUrl`, e.g. postgres://user@host:port/postgres) rather than on the database
 * itself. Used by the test support's throwaway databases.
 */

/** Plain identifiers only: the name is quoted into the statement, which takes no parameters. */
const DATABASE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

function checkedName(name: string): string {
  if (!DATABASE_NAME.test(name)) {
    throw new Error(
      `database name "${name}" is not allowed: use letters, digits and underscores (at most 63), not starting with a digit`,
    );
  }
  return name;
}

async function onAdminConnection(adminUrl: string, statement: string): Promise<void> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(statement);
  } finally {
    await admin.end();
  }
}

/** Creates database `name` on the server `adminUrl` points at; fails if it exists. */
export async function createDatabase(adminUrl: string, name: string): Promise<void> {
  await onAdminConnection(adminUrl, `CREATE DATABASE "${checkedName(name)}"`);
}

/** Drops database `name` if it exists, closing whatever connections are still open to it. */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await onAdminConnection(adminUrl, `DROP DATABASE IF EXISTS "${checkedName(name)}" WITH (FORCE)`);
}
