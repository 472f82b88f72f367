import { randomBytes } from 'node:crypto';
import { migrateAsOwnerThenServe, openDatabase, servingRoleProblems } from '@resolve/persistence';
import { startTestDatabase, type TestDatabase } from '@resolve/testing';
import type { DataSource } from 'typeorm';

/**
 * The owner role switched on (issue 13): with MIGRATIONS_DATABASE_URL the tables' owner runs the
 * migrations and the API serves as a role that owns nothing. That role cannot switch off the
 * append-only triggers or rewrite the audit trail; the check the API runs at start-up names a
 * serving role that could.
 */
jest.setTimeout(180_000);

let db: TestDatabase;
let serving: DataSource;
const suffix = randomBytes(3).toString('hex');
const OWNER = `resolve_owner_${suffix}`;
const APP = `resolve_app_${suffix}`;
const DATABASE = `resolve_roles_${suffix}`;

const urlAs = (role: string) => {
  const url = new URL(db.url);
  url.username = role;
  url.password = 'role-test-password';
  url.pathname = `/${DATABASE}`;
  return url.toString();
};

beforeAll(async () => {
  db = await startTestDatabase();
  // What compose's first-start script does: two login roles, the database owned by the owner.
  await db.dataSource.query(`CREATE ROLE "${OWNER}" LOGIN PASSWORD 'role-test-password'`);
  await db.dataSource.query(`CREATE ROLE "${APP}" LOGIN PASSWORD 'role-test-password'`);
  await db.dataSource.query(`CREATE DATABASE "${DATABASE}" OWNER "${OWNER}"`);
  serving = await migrateAsOwnerThenServe({
    databaseUrl: urlAs(APP),
    migrationsDatabaseUrl: urlAs(OWNER),
    open: (url, migrate) => openDatabase(url, { migrate, poolSize: 2 }),
  });
});

afterAll(async () => {
  await serving?.destroy();
  await db?.stop();
});

describe('the owner role', () => {
  it('owns the tables; the serving role owns none and passes the start-up check', async () => {
    const owners = (await serving.query(
      `SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'`,
    )) as { tableowner: string }[];
    expect(owners).toEqual([{ tableowner: OWNER }]);
    expect(await servingRoleProblems(serving)).toEqual([]);
    // The superuser the tests otherwise use would be refused in production, and says why.
    expect(await servingRoleProblems(db.dataSource)).toEqual([
      expect.stringMatching(/is a superuser$/),
      expect.stringMatching(/owns \d+ of the tables$/),
    ]);
  });

  it('lets the serving role work but not switch off the triggers or change the trail', async () => {
    // Ordinary work: reading and writing the directory.
    await serving.query(`INSERT INTO partnership (id, name) VALUES ('role-test', 'Role test partnership')`);
    expect(await serving.query(`SELECT name FROM partnership WHERE id = 'role-test'`)).toEqual([
      { name: 'Role test partnership' },
    ]);
    await expect(serving.query(`ALTER TABLE audit_log DISABLE TRIGGER ALL`)).rejects.toThrow(
      /must be owner of table audit_log/,
    );
    await expect(serving.query(`ALTER TABLE action_record DISABLE TRIGGER ALL`)).rejects.toThrow(
      /must be owner of table action_record/,
    );
    await expect(serving.query(`UPDATE audit_log SET outcome = 200`)).rejects.toThrow(/permission denied/);
    await expect(serving.query(`DELETE FROM escalation_subject`)).rejects.toThrow(/permission denied/);
    await expect(serving.query(`DROP TABLE audit_log`)).rejects.toThrow(/must be owner/);
  });
});
