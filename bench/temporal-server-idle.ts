/**
 * What the Postgres-backed Temporal server (infra/temporal-server/temporal-server.sh) costs before
 * any work: for each history shard count, the time of `up` on new databases (schemas, start,
 * health, namespace, search attributes), the server's CPU and resident memory while idle, the time
 * of `down`, and of `up` again on the databases it left.
 *
 *   node -r ./infra/runtime/register.js bench/temporal-server-idle.ts --shards 4,512 --idle-seconds 60
 *
 * Options: --port (frontend gRPC, default 17233; the membership ports, 300 below, must stay under
 * 32768), --settle-seconds (after `up`, before measuring; default 10), --max-load/--quiet-wait
 * (as the other benchmarks; idle CPU-seconds hardly depend on the load, the start and stop times do).
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '@resolve/persistence';
import { freePort } from '@resolve/testing';
import {
  gitCommit,
  machine,
  num,
  parseArgs,
  root,
  sleep,
  waitForQuiet,
  watchdog,
  writeResults,
} from './lib/cli';

const SCRIPT = path.join(root, 'infra/temporal-server/temporal-server.sh');
const TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux x86_64

interface ShardResult {
  historyShards: number;
  upNewDatabasesSeconds: number;
  idleSeconds: number;
  idleCpuSeconds: number;
  idleCpuPercentOfOneCore: number;
  residentMiB: number;
  downSeconds: number;
  upExistingDatabasesSeconds: number;
}

function script(args: string[]): Promise<number> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    execFile('bash', [SCRIPT, ...args], (error, _stdout, stderr) => {
      if (error) reject(new Error(`temporal-server.sh ${args[0]}: ${stderr}`));
      else resolve(Number(process.hrtime.bigint() - started) / 1e9);
    });
  });
}

/** utime + stime of a process, in seconds (/proc/<pid>/stat fields 14 and 15). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

function residentMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Math.round(Number(line?.split(/\s+/)[1] ?? 0) / 1024);
}

async function main() {
  const args = parseArgs();
  const shardCounts = (args.shards ?? '4,512').split(',').map(Number);
  const idleSeconds = num(args, 'idle-seconds', 60);
  const settleSeconds = num(args, 'settle-seconds', 10);
  const port = num(args, 'port', 17233);
  const quiet = await waitForQuiet(num(args, 'max-load', 1.5), num(args, 'quiet-wait', 60) * 1000);
  const loadBefore = quiet.load;

  const dir = mkdtempSync(path.join(tmpdir(), 'resolve-bench-temporal-server-'));
  chmodSync(dir, 0o755); // the embedded Postgres runs as the postgres user when this runs as root
  const postgres = await startEmbeddedPostgres({
    dataDir: path.join(dir, 'pg'),
    port: await freePort(),
    durable: true,
  });
  const stateDir = path.join(dir, 'state');
  const stop = async () => {
    await script(['down', '--state-dir', stateDir]).catch(() => undefined);
    await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  watchdog((shardCounts.length * (idleSeconds + settleSeconds + 120) + 120) * 1000, stop);

  const results: ShardResult[] = [];
  try {
    for (const shards of shardCounts) {
      const up = [
        'up',
        '--postgres-url',
        postgres.url('postgres'),
        '--state-dir',
        stateDir,
        '--port',
        String(port),
        '--db',
        `temporal_s${shards}`,
        '--visibility-db',
        `temporal_visibility_s${shards}`,
        '--history-shards',
        String(shards),
      ];
      const upNewDatabasesSeconds = await script(up);
      const pid = Number(readFileSync(path.join(stateDir, 'temporal-server.pid'), 'utf8'));
      await sleep(settleSeconds * 1000);
      const before = cpuSeconds(pid);
      await sleep(idleSeconds * 1000);
      const idleCpuSeconds = cpuSeconds(pid) - before;
      const resident = residentMiB(pid);
      const downSeconds = await script(['down', '--state-dir', stateDir]);
      const upExistingDatabasesSeconds = await script(up);
      await script(['down', '--state-dir', stateDir]);
      const result: ShardResult = {
        historyShards: shards,
        upNewDatabasesSeconds: Math.round(upNewDatabasesSeconds * 10) / 10,
        idleSeconds,
        idleCpuSeconds: Math.round(idleCpuSeconds * 100) / 100,
        idleCpuPercentOfOneCore: Math.round((idleCpuSeconds / idleSeconds) * 1000) / 10,
        residentMiB: resident,
        downSeconds: Math.round(downSeconds * 10) / 10,
        upExistingDatabasesSeconds: Math.round(upExistingDatabasesSeconds * 10) / 10,
      };
      console.log(JSON.stringify(result));
      results.push(result);
    }
  } finally {
    await stop();
  }

  const rows = results.map(
    (r) =>
      `| ${r.historyShards} | ${r.upNewDatabasesSeconds} s | ${r.idleCpuSeconds} CPU-s in ${r.idleSeconds} s (${r.idleCpuPercentOfOneCore} % of one core) | ${r.residentMiB} MiB | ${r.downSeconds} s | ${r.upExistingDatabasesSeconds} s |`,
  );
  writeResults(
    'temporal-server-idle',
    { commit: gitCommit(), machine: machine(), loadBefore, quiet: quiet.quiet, results },
    [
      '# Postgres-backed Temporal server, idle',
      '',
      `Commit ${gitCommit()}, load before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}.`,
      '',
      '| history shards | `up`, new databases | idle CPU | resident memory | `down` | `up`, existing databases |',
      '| --- | --- | --- | --- | --- | --- |',
      ...rows,
    ].join('\n'),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
