import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { startDevServer, type DevServer } from '@resolve/temporal';
import { freePort, startTestDatabase, type TestDatabase } from '@resolve/testing';

/**
 * The worker's Prometheus figures (open cases per tier, breaches, task latencies) are the
 * partnership's business, and the SDK's exporter has no authentication. The real worker process
 * is started here: its exporter must be on loopback only, and its /metrics must want the token.
 */
jest.setTimeout(240_000);

const ROOT = path.resolve(__dirname, '../../..');
const TOKEN = 'worker-metrics-token-for-tests-0123456789';
let db: TestDatabase;
let temporal: DevServer;
let worker: ChildProcess;
let metricsAddress: string;
const lines: string[] = [];

beforeAll(async () => {
  [db, temporal] = await Promise.all([startTestDatabase(), startDevServer({ port: await freePort() })]);
  const metricsPort = await freePort();
  worker = spawn(
    process.execPath,
    ['-r', path.join(ROOT, 'infra/runtime/register.js'), 'services/worker/src/main.ts'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        TEMPORAL_ADDRESS: temporal.address,
        METRICS_BIND_ADDRESS: `127.0.0.1:${metricsPort}`,
        METRICS_TOKEN: TOKEN,
        RESOLVE_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  metricsAddress = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start:\n${lines.join('\n')}`)), 180_000);
    const read = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        lines.push(line);
        const match = /"metrics":"([^"]+)"/.exec(line);
        if (line.includes('escalation worker running') && match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      }
    };
    worker.stdout!.on('data', read);
    worker.stderr!.on('data', read);
    worker.once('exit', (code) => reject(new Error(`worker exited (${code}):\n${lines.join('\n')}`)));
  });
});

afterAll(async () => {
  if (worker && worker.exitCode === null) {
    const exited = new Promise((r) => worker.once('exit', r));
    worker.kill('SIGTERM');
    await exited;
  }
  await temporal?.stop();
  await db?.stop();
});

describe("the worker's metrics", () => {
  it('answer a scrape with the token, with the SDK and worker figures', async () => {
    const res = await fetch(`http://${metricsAddress}/metrics`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(200);
    // The SDK's own worker metrics come through from the exporter.
    expect(await res.text()).toMatch(/temporal_/);
  });

  it('refuse a scrape without the token, or with another', async () => {
    const none = await fetch(`http://${metricsAddress}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    const wrong = await fetch(`http://${metricsAddress}/metrics`, {
      headers: { Authorization: 'Bearer guess' },
    });
    expect(wrong.status).toBe(401);
    expect((await fetch(`http://${metricsAddress}/`)).status).toBe(404);
  });

  it('say in the log that scrapes need a token, without the token', () => {
    const running = lines.find((l) => l.includes('escalation worker running'))!;
    expect(running).toContain('"metricsToken":"required"');
    expect(lines.join('\n')).not.toContain(TOKEN);
  });
});
