import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Client } from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '@resolve/persistence';
import { dataConverterPlugin } from '@resolve/temporal';
import { freePort, temporalServerPorts } from './ports';
import { testDataConverter } from './temporal-environments';

const SCRIPT = path.resolve(__dirname, '../../../infra/temporal-server/temporal-server.sh');

/**
 * The production-shaped Temporal server of infra/temporal-server/ (the real server binary on
 * Postgres: persistence and SQL visibility in their own databases, frontend, history, matching
 * and worker services in one process), started for one test file.
 */
export interface ProductionTemporal {
  /** host:port of the frontend. */
  address: string;
  namespace: string;
  /** The server's persistence and visibility databases (to look at what it stored). */
  persistenceUrl: string;
  visibilityUrl: string;
  /** The server process (for a test that kills it). */
  pid: number;
  /** Where the script keeps the pid file and server.log. */
  stateDir: string;
  stop(): Promise<void>;
}

function runScript(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', [SCRIPT, ...args], { env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error)
        reject(
          new Error(`temporal-server.sh ${args[0]} failed (${error.message.split('\n')[0]}):\n${stderr}`),
        );
      else resolve(stdout.trim());
    });
  });
}

/**
 * Starts the server on a Postgres of its own: with TEST_DATABASE_ADMIN_URL set, two new
 * databases there (dropped again by stop()); otherwise a throwaway embedded Postgres cluster.
 * Nine free ports are picked (the four services' gRPC and membership ports, the frontend's HTTP).
 * Needs the server built by infra/provision/provision.sh (TEMPORAL_SERVER_DIR).
 */
export async function startProductionTemporal(
  options: { historyShards?: number; namespace?: string } = {},
): Promise<ProductionTemporal> {
  const suffix = `${Date.now()}_${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(path.join(tmpdir(), 'resolve-temporal-server-'));
  chmodSync(dir, 0o755); // the embedded server runs as the postgres user when tests run as root
  let postgres: EmbeddedPostgres | null = null;
  let adminUrl = process.env.TEST_DATABASE_ADMIN_URL;
  const shared = Boolean(adminUrl);
  const databases = shared
    ? { persistence: `temporal_${suffix}`, visibility: `temporal_visibility_${suffix}` }
    : { persistence: 'temporal', visibility: 'temporal_visibility' };
  const namespace = options.namespace ?? 'default';
  const stateDir = path.join(dir, 'state');

  const ports = await temporalServerPorts();
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [name, port] of Object.entries(ports)) env[`RESOLVE_TEMPORAL_${name}_PORT`] = String(port);

  const cleanUp = async () => {
    if (postgres) await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  let pid = 0;
  // If the test process dies without stop(), the server must not outlive it.
  const killOnExit = () => {
    if (pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  try {
    if (!adminUrl) {
      postgres = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort() });
      adminUrl = postgres.url('postgres');
    }
    const address = await runScript(
      [
        'up',
        '--postgres-url',
        adminUrl,
        '--state-dir',
        stateDir,
        '--port',
        String(ports.FRONTEND),
        '--db',
        databases.persistence,
        '--visibility-db',
        databases.visibility,
        '--namespace',
        namespace,
        '--history-shards',
        String(options.historyShards ?? 4),
      ],
      env,
    );
    pid = Number(readFileSync(path.join(stateDir, 'temporal-server.pid'), 'utf8').trim());
    process.once('exit', killOnExit);
    const databaseUrl = (name: string) =>
      adminUrl!.replace(/\/[^/?]*(\?.*)?$/, `/${name}$1`).replace(/undefined$/, '');
    return {
      address,
      namespace,
      persistenceUrl: databaseUrl(databases.persistence),
      visibilityUrl: databaseUrl(databases.visibility),
      pid,
      stateDir,
      async stop() {
        process.removeListener('exit', killOnExit);
        await runScript(['down', '--state-dir', stateDir], env).catch(() => killOnExit());
        if (shared) await dropDatabases(adminUrl!, [databases.persistence, databases.visibility]);
        await cleanUp();
      },
    };
  } catch (err) {
    killOnExit();
    await cleanUp().catch(() => undefined);
    throw err;
  }
}

/** The names are this file's own (temporal_<time>_<hex>), so quoting them is safe. */
async function dropDatabases(adminUrl: string, names: string[]): Promise<void> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (const name of names) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** A test environment on that server, with the test run's payload encryption (as the others). */
export function productionTemporalEnvironment(server: ProductionTemporal): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createFromExistingServer({
    address: server.address,
    namespace: server.namespace,
    plugins: [dataConverterPlugin(testDataConverter())],
  });
}
