import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import {
  createDatabase,
  dropDatabase,
  openDatabase,
  startEmbeddedPostgres,
  type EmbeddedPostgres,
} from '@resolve/persistence';
import { freePort } from './ports';

export interface TestDatabase {
  url: string;
  dataSource: DataSource;
  stop(): Promise<void>;
}

/**
 * A fresh, migrated database on a real PostgreSQL server. With TEST_DATABASE_ADMIN_URL set
 * (postgres://user@host:port/postgres), a new database is created there (and dropped by stop());
 * otherwise a throwaway cluster is started from the embedded binaries in a temporary folder.
 */
export async function startTestDatabase(): Promise<TestDatabase> {
  const name = `resolve_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  let server: EmbeddedPostgres | null = null;
  let dir: string | null = null;
  let adminUrl = process.env.TEST_DATABASE_ADMIN_URL;
  if (!adminUrl) {
    dir = mkdtempSync(path.join(tmpdir(), 'resolve-pg-'));
    chmodSync(dir, 0o755); // the server runs as the postgres user when tests run as root
    server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), port: await freePort() });
    adminUrl = server.url('postgres');
  }
  const maintenanceUrl = adminUrl;
  await createDatabase(maintenanceUrl, name);
  const url = maintenanceUrl.replace(/\/[^/?]*(\?.*)?$/, `/${name}$1`).replace(/undefined$/, '');
  const dataSource = await openDatabase(url, { poolSize: 5 });
  return {
    url,
    dataSource,
    async stop() {
      await dataSource.destroy().catch(() => undefined);
      // A server of our own goes with its folder; on a shared server the database is dropped.
      if (!server) await dropDatabase(maintenanceUrl, name);
      if (server) await server.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
