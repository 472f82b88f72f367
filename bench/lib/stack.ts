/**
 * The whole Resolve stack as separate processes, for benchmarks, the chaos run and fuzzing:
 * a real PostgreSQL server (embedded binaries), the Temporal CLI dev server, an SMTP server in
 * this process, and the worker, notifier and API each in its own node process started from its
 * own entry point (`node -r ./infra/runtime/register.js services/<name>/src/main.ts`), so that
 * each can be measured (RSS) or killed (kill -9) alone. Everything lives under one temporary
 * folder and on free loopback ports; stop() (or process exit) ends every child.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  type WriteStream,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import {
  openDatabase,
  seedDemoDirectory,
  startEmbeddedPostgres,
  type EmbeddedPostgres,
} from '@resolve/persistence';
import { listProtocols } from '@resolve/protocols';
import {
  createDataConverter,
  generateEncryptionKey,
  startDevServer,
  type DevServer,
} from '@resolve/temporal';
import { freePort, temporalServerPorts } from '@resolve/testing';
import { loadOrCreateLocalIssuer, type LocalIssuer } from '../../services/api/src/auth/local-issuer';
import { root, sleep } from './cli';
import { ApiClient } from './http';
import { startBenchSmtp, type BenchSmtp } from './smtp';

export type ServiceName = 'worker' | 'notifier' | 'api';
export type ComponentName = ServiceName | 'temporal' | 'postgres';

export interface StackOptions {
  name: string;
  /** Postgres with fsync on (the embedded default's setting). Default true. */
  durable?: boolean;
  /** Temporal dev server persisted to a SQLite file (--db-filename). Default true. */
  temporalDb?: boolean;
  /** History shards of the production server (default 4, as the tests). */
  historyShards?: number;
  /**
   * 'dev': the CLI dev server (default). 'production': the Postgres-backed server of
   * infra/temporal-server/, its two databases on the stack's own Postgres (as a deployment would).
   */
  temporal?: 'dev' | 'production';
  services?: ServiceName[];
  /** 'main': services/api/src/main.ts; 'bench': bench/support/api-main.ts (configurable rate limit). */
  apiEntry?: 'main' | 'bench';
  /**
   * 'main': services/worker/src/main.ts; 'bench': bench/support/worker-main.ts (every tier due
   * `benchTierSeconds` after it begins, for the cost benchmark).
   */
  workerEntry?: 'main' | 'bench';
  benchTierSeconds?: number;
  apiRateLimitPerMinute?: number;
  notifierConcurrency?: number;
  /** Restart a service that exits by itself (not killed by us), and record it. Default false. */
  supervise?: boolean;
  log?: (line: string) => void;
  keepDir?: boolean;
}

const ENTRY: Record<ServiceName, string> = {
  worker: 'services/worker/src/main.ts',
  notifier: 'services/notifier/src/main.ts',
  api: 'services/api/src/main.ts',
};

const READY: Record<ServiceName, RegExp> = {
  worker: /escalation worker running/,
  notifier: /notifier running/,
  api: /api listening/,
};

export interface ServiceEvent {
  at: number;
  service: string;
  what: 'started' | 'killed' | 'exited' | 'restarted' | 'start-failed';
  detail?: string;
}

/** One node service process that can be killed and started again. */
export class ServiceProcess {
  proc: ChildProcess | null = null;
  private killedByUs = false;
  private log: WriteStream;
  private stopping = false;
  readonly events: ServiceEvent[];
  startedAt = 0;
  restarts = 0;

  constructor(
    readonly name: ServiceName,
    private readonly entry: string,
    private readonly env: Record<string, string>,
    private readonly logFile: string,
    events: ServiceEvent[],
    private readonly supervise: boolean,
    private readonly say: (s: string) => void,
  ) {
    this.log = createWriteStream(logFile, { flags: 'a' });
    this.events = events;
  }

  get pid(): number | null {
    return this.proc && this.proc.exitCode === null && this.proc.signalCode === null
      ? (this.proc.pid ?? null)
      : null;
  }

  private starting: Promise<void> | null = null;

  /**
   * Starts the process unless one is running or starting, retrying a start that fails (its
   * database or Temporal may still be coming back) a bounded number of times.
   */
  ensureRunning(attempts = 8): Promise<void> {
    if (this.pid) return Promise.resolve();
    this.starting ??= (async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.start();
          return;
        } catch (err) {
          this.events.push({
            at: Date.now(),
            service: this.name,
            what: 'start-failed',
            detail: String((err as Error).message).slice(0, 300),
          });
          if (attempt >= attempts || this.stopping) throw err;
          await sleep(2000 * attempt);
        }
      }
    })().finally(() => (this.starting = null));
    return this.starting;
  }

  /** Starts the process and resolves once it logs that it is ready (bounded). */
  async start(timeoutMs = 180_000): Promise<void> {
    this.killedByUs = false;
    // Started again after stop() (the herd stops the worker and brings it back): stop() ended
    // the log and told the supervisor to stand down; this start takes both back.
    this.stopping = false;
    if (this.log.writableEnded) this.log = createWriteStream(this.logFile, { flags: 'a' });
    const child = spawn(process.execPath, ['-r', './infra/runtime/register.js', this.entry], {
      cwd: root,
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = child;
    this.startedAt = Date.now();
    let seen = '';
    let isReady = false;
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${this.name} not ready within ${timeoutMs} ms`));
      }, timeoutMs);
      const onData = (b: Buffer) => {
        this.log.write(b);
        if (!isReady) {
          seen = (seen + b.toString()).slice(-20_000);
          if (READY[this.name].test(seen)) {
            isReady = true;
            clearTimeout(timer);
            resolve();
          }
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (!isReady)
          reject(new Error(`${this.name} exited (${code ?? signal}) while starting: ${seen.slice(-1500)}`));
      });
    });
    child.once('exit', (code, signal) => {
      if (!isReady || this.killedByUs || this.stopping || this.proc !== child) return;
      this.events.push({
        at: Date.now(),
        service: this.name,
        what: 'exited',
        detail: `exit ${code ?? signal} by itself`,
      });
      this.say(`${this.name} exited by itself (${code ?? signal})`);
      if (this.supervise) {
        this.restarts += 1;
        void sleep(1000)
          .then(() => (this.stopping ? undefined : this.ensureRunning(20)))
          .then(
            () =>
              this.events.push({
                at: Date.now(),
                service: this.name,
                what: 'restarted',
                detail: 'by supervisor',
              }),
            () => undefined,
          );
      }
    });
    await ready;
    this.events.push({ at: Date.now(), service: this.name, what: 'started' });
  }

  /** Sets an environment variable for the next start (the running process keeps its own). */
  setEnv(name: string, value: string): void {
    this.env[name] = value;
  }

  kill9(): void {
    const pid = this.pid;
    if (!pid) return;
    this.killedByUs = true;
    process.kill(pid, 'SIGKILL');
    this.events.push({ at: Date.now(), service: this.name, what: 'killed' });
  }

  async waitExit(timeoutMs = 10_000): Promise<void> {
    const child = this.proc;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await Promise.race([new Promise((r) => child.once('exit', r)), sleep(timeoutMs)]);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.proc;
    if (child && child.exitCode === null && child.signalCode === null) {
      this.killedByUs = true;
      child.kill('SIGTERM');
      await Promise.race([new Promise((r) => child.once('exit', r)), sleep(10_000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    this.log.end();
  }
}

export interface Stack {
  dir: string;
  pgPort: number;
  databaseUrl: string;
  temporalAddress: string;
  /** The worker's Prometheus endpoint (the SDK's task, cache and slot metrics and Resolve's own). */
  workerMetricsUrl: string;
  apiPort: number;
  smtp: BenchSmtp;
  services: Partial<Record<ServiceName, ServiceProcess>>;
  events: ServiceEvent[];
  /** The bench's own connection to the database (small pool). */
  db: DataSource;
  temporal: Client;
  /** The stack's payload codec, for other clients and workers of the bench. */
  dataConverter: ReturnType<typeof createDataConverter>;
  api: ApiClient;
  issuer: LocalIssuer;
  token(personId: string): Promise<string>;
  postgresPid(): number | null;
  temporalPid(): number | null;
  kill9(component: ComponentName): void;
  restart(component: ComponentName): Promise<void>;
  stop(): Promise<void>;
}

const liveChildren = new Set<() => void>();
let exitHookInstalled = false;
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = () => {
    for (const k of liveChildren) {
      try {
        k();
      } catch {
        /* gone */
      }
    }
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      killAll();
      process.exit(130);
    });
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** TEMPORAL_CLI_PATH from the environment, else from infra/provision/provision.sh (as npm start does). */
export function ensureTemporalCli(): void {
  if (process.env.TEMPORAL_CLI_PATH) return;
  const out = execFileSync('bash', ['infra/provision/provision.sh', '--print-env'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  }).toString();
  for (const line of out.split('\n')) {
    const m = /^(?:export\s+)?([A-Z_]+)=["']?([^"']*)["']?$/.exec(line.trim());
    if (m) process.env[m[1]] = m[2];
  }
}

export async function startStack(options: StackOptions): Promise<Stack> {
  installExitHook();
  ensureTemporalCli();
  const say = options.log ?? ((s: string) => console.log(`[stack] ${s}`));
  const dir = path.join(tmpdir(), `resolve-bench-${options.name}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755); // Postgres runs as the postgres user when we are root
  const events: ServiceEvent[] = [];
  const [pgPort, temporalPort, smtpPort, apiPort, metricsPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const pgDir = path.join(dir, 'pg');
  const temporalDb = options.temporalDb === false ? undefined : path.join(dir, 'temporal.db');

  const startPg = async (): Promise<EmbeddedPostgres> => {
    const deadline = Date.now() + 90_000;
    for (;;) {
      try {
        return await startEmbeddedPostgres({
          dataDir: pgDir,
          port: pgPort,
          durable: options.durable !== false,
        });
      } catch (err) {
        // After kill -9 the old backends may hold the shared memory for a moment.
        if (Date.now() > deadline) throw err;
        await sleep(1000);
      }
    }
  };
  const postgresPid = () => {
    try {
      const pid = Number(readFileSync(path.join(pgDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      return pid && pidAlive(pid) ? pid : null;
    } catch {
      return null;
    }
  };
  let pg = await startPg();
  liveChildren.add(() => {
    const pid = postgresPid();
    if (pid) process.kill(pid, 'SIGKILL');
  });
  await pg.createDatabase('resolve');
  const databaseUrl = pg.url('resolve');
  const db = await openDatabase(databaseUrl, { migrate: true, poolSize: 4 });
  const partnerships = new Map(listProtocols().map((p) => [p.partnership.id, p.partnership.name]));
  await seedDemoDirectory(
    db,
    [...partnerships].map(([id, name]) => ({ id, name })),
  );
  say(`postgres on ${pgPort} (${options.durable === false ? 'fsync off' : 'durable'}), migrated and seeded`);

  // The Postgres-backed server keeps its ports, databases and state folder for the whole run,
  // so that after a kill -9 `temporal-server.sh up` starts it again on the same databases.
  const serverPorts = options.temporal === 'production' ? await temporalServerPorts() : {};
  const startTemporal = async (): Promise<Pick<DevServer, 'address' | 'pid' | 'stop'>> => {
    if (options.temporal !== 'production')
      return startDevServer({
        port: temporalPort,
        dbFile: temporalDb,
        cliPath: process.env.TEMPORAL_CLI_PATH,
      });
    return startServerScript(
      pg.url('postgres'),
      path.join(dir, 'temporal-server'),
      serverPorts,
      options.historyShards ?? 4,
    );
  };
  let temporalServer = await startTemporal();
  liveChildren.add(() => {
    if (pidAlive(temporalServer.pid)) process.kill(temporalServer.pid, 'SIGKILL');
  });
  const temporalAddress = temporalServer.address;
  say(
    options.temporal === 'production'
      ? `temporal server (Postgres-backed) on ${temporalAddress}`
      : `temporal dev server on ${temporalAddress}${temporalDb ? ' (SQLite file)' : ' (in memory)'}`,
  );
  // Payload encryption: one key ring for every process of the stack and the bench's own client.
  const encryptionKeys = generateEncryptionKey('bench-1');
  const dataConverter = createDataConverter(encryptionKeys);
  const connection = await Connection.connect({ address: temporalAddress });
  const temporal = new Client({ connection, namespace: 'default', dataConverter });

  const smtp = await startBenchSmtp(smtpPort);
  const keyFile = path.join(dir, 'auth', 'issuer.json');
  const issuer = await loadOrCreateLocalIssuer(keyFile, 'resolve-local', 'resolve-api');

  const common = {
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    RESOLVE_ENCRYPTION_KEYS: encryptionKeys,
  };
  const envs: Record<ServiceName, Record<string, string>> = {
    // The worker's Prometheus endpoint defaults to a fixed port (9464): a free loopback one here.
    worker: {
      ...common,
      METRICS_BIND_ADDRESS: `127.0.0.1:${metricsPort}`,
      ...(options.benchTierSeconds ? { BENCH_TIER_SECONDS: String(options.benchTierSeconds) } : {}),
    },
    notifier: {
      ...common,
      SMTP_URL: smtp.url,
      MAIL_FROM: 'resolve@resolve.test',
      PUBLIC_BASE_URL: `http://127.0.0.1:${apiPort}`,
      SMS_PROVIDER: 'outbox',
      NOTIFIER_CONCURRENCY: String(options.notifierConcurrency ?? 10),
    },
    api: {
      ...common,
      PORT: String(apiPort),
      AUTH_LOCAL_KEY_FILE: keyFile,
      AUTH_ISSUER: 'resolve-local',
      AUTH_AUDIENCE: 'resolve-api',
      RUN_MIGRATIONS: 'false',
      LOG_LEVEL: 'info',
      BENCH_RATE_LIMIT_PER_MINUTE: String(options.apiRateLimitPerMinute ?? 1_000_000),
    },
  };
  const services: Partial<Record<ServiceName, ServiceProcess>> = {};
  const wanted = options.services ?? ['worker', 'notifier', 'api'];
  for (const name of wanted) {
    const entry =
      name === 'api' && options.apiEntry === 'bench'
        ? 'bench/support/api-main.ts'
        : name === 'worker' && options.workerEntry === 'bench'
          ? 'bench/support/worker-main.ts'
          : ENTRY[name];
    const svc = new ServiceProcess(
      name,
      entry,
      envs[name],
      path.join(dir, `${name}.log`),
      events,
      options.supervise ?? false,
      say,
    );
    services[name] = svc;
    liveChildren.add(() => {
      if (svc.pid) process.kill(svc.pid, 'SIGKILL');
    });
  }
  // Start in parallel: the three transpile and connect independently.
  await Promise.all(wanted.map((n) => services[n]!.start()));
  say(`services up: ${wanted.map((n) => `${n} pid ${services[n]!.pid}`).join(', ')}`);

  const api = new ApiClient(apiPort);
  const tokens = new Map<string, string>();
  const stack: Stack = {
    dir,
    pgPort,
    databaseUrl,
    temporalAddress,
    workerMetricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    apiPort,
    smtp,
    services,
    events,
    db,
    temporal,
    dataConverter,
    api,
    issuer,
    async token(personId) {
      let t = tokens.get(personId);
      if (!t) {
        t = await issuer.mint(personId, { expiresIn: '12h' });
        tokens.set(personId, t);
      }
      return t;
    },
    postgresPid,
    temporalPid: () => (pidAlive(temporalServer.pid) ? temporalServer.pid : null),
    kill9(component) {
      if (component === 'postgres') {
        const pid = postgresPid();
        if (pid) process.kill(pid, 'SIGKILL');
        events.push({ at: Date.now(), service: 'postgres', what: 'killed', detail: `pid ${pid}` });
      } else if (component === 'temporal') {
        if (pidAlive(temporalServer.pid)) process.kill(temporalServer.pid, 'SIGKILL');
        events.push({
          at: Date.now(),
          service: 'temporal',
          what: 'killed',
          detail: `pid ${temporalServer.pid}`,
        });
      } else {
        services[component]?.kill9();
      }
    },
    async restart(component) {
      if (component === 'postgres') {
        // The postmaster is gone; its backends notice and exit. Wait for the port to be free.
        const deadline = Date.now() + 30_000;
        while (postgresPid() && Date.now() < deadline) await sleep(200);
        pg = await startPg();
        events.push({
          at: Date.now(),
          service: 'postgres',
          what: 'restarted',
          detail: `pid ${postgresPid()}`,
        });
      } else if (component === 'temporal') {
        const deadline = Date.now() + 30_000;
        while (pidAlive(temporalServer.pid) && Date.now() < deadline) await sleep(200);
        for (let attempt = 1; ; attempt++) {
          try {
            temporalServer = await startTemporal();
            break;
          } catch (err) {
            if (attempt >= 5) throw err;
            await sleep(2000);
          }
        }
        events.push({
          at: Date.now(),
          service: 'temporal',
          what: 'restarted',
          detail: `pid ${temporalServer.pid}`,
        });
      } else {
        const svc = services[component]!;
        await svc.waitExit();
        await svc.ensureRunning();
        events.push({ at: Date.now(), service: component, what: 'restarted' });
      }
    },
    async stop() {
      api.close();
      for (const name of ['api', 'notifier', 'worker'] as const) await services[name]?.stop();
      await connection.close().catch(() => undefined);
      await smtp.stop().catch(() => undefined);
      await temporalServer.stop().catch(() => undefined);
      await db.destroy().catch(() => undefined);
      await pg.stop().catch(() => undefined);
      const pid = postgresPid();
      if (pid) process.kill(pid, 'SIGKILL');
      if (!options.keepDir) rmSync(dir, { recursive: true, force: true });
      else say(`kept ${dir}`);
    },
  };
  return stack;
}

const SERVER_SCRIPT = path.join(root, 'infra', 'temporal-server', 'temporal-server.sh');

/**
 * `temporal-server.sh up` on the stack's Postgres (databases `temporal` and
 * `temporal_visibility`, made on the first start and reused by every later one).
 */
async function startServerScript(
  adminUrl: string,
  stateDir: string,
  ports: Record<string, number>,
  historyShards: number,
): Promise<Pick<DevServer, 'address' | 'pid' | 'stop'>> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [name, port] of Object.entries(ports)) env[`RESOLVE_TEMPORAL_${name}_PORT`] = String(port);
  const run = (args: string[]) =>
    new Promise<string>((resolve, reject) =>
      execFile('bash', [SERVER_SCRIPT, ...args], { env, maxBuffer: 16 << 20 }, (error, stdout, stderr) =>
        error
          ? reject(
              new Error(`temporal-server.sh ${args[0]} failed: ${error.message}\n${stderr.slice(-2000)}`),
            )
          : resolve(stdout.trim()),
      ),
    );
  mkdirSync(stateDir, { recursive: true });
  const address = await run([
    'up',
    '--postgres-url',
    adminUrl,
    '--state-dir',
    stateDir,
    '--port',
    String(ports.FRONTEND),
    '--history-shards',
    String(historyShards),
  ]);
  const pid = Number(readFileSync(path.join(stateDir, 'temporal-server.pid'), 'utf8').trim());
  return {
    address,
    pid,
    async stop() {
      await run(['down', '--state-dir', stateDir]).catch(() => {
        if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
      });
    },
  };
}

export function readVmRss(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export { existsSync };

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number | null): number | null {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100/s)
  } catch {
    return null;
  }
}

/** CPU seconds used by each component so far (Postgres: the postmaster and its backends). */
export function stackCpu(stack: Stack): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of ['worker', 'notifier', 'api'] as const) {
    const v = cpuSeconds(stack.services[name]?.pid ?? null);
    if (v !== null) out[name] = v;
  }
  const t = cpuSeconds(stack.temporalPid());
  if (t !== null) out.temporal = t;
  const pg = stack.postgresPid();
  if (pg) {
    let total = 0;
    try {
      const children = readFileSync(`/proc/${pg}/task/${pg}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number);
      for (const p of [pg, ...children]) total += cpuSeconds(p) ?? 0;
    } catch {
      total = cpuSeconds(pg) ?? 0;
    }
    out.postgres = total;
  }
  out.bench = process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6;
  return out;
}

export function cpuDelta(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(after)) out[k] = Math.round((after[k] - (before[k] ?? 0)) * 10) / 10;
  return out;
}
