import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import path from 'node:path';

/** `--n 200 --rate 100 --keep` → { n: '200', rate: '100', keep: 'true' }. */
export function parseArgs(argv = process.argv.slice(2)): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const [k, v] = a.slice(2).split('=', 2);
    if (v !== undefined) out[k] = v;
    else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) out[k] = argv[++i];
    else out[k] = 'true';
  }
  return out;
}

export const num = (args: Record<string, string>, key: string, fallback: number) =>
  args[key] === undefined ? fallback : Number(args[key]);

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  memTotalMiB: number;
  memFreeMiB: number;
  node: string;
  /** 1, 5 and 15 minute load averages. */
  load: number[];
}

export function machine(): MachineInfo {
  return {
    nproc: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memTotalMiB: Math.round(totalmem() / 2 ** 20),
    memFreeMiB: Math.round(freemem() / 2 ** 20),
    node: process.version,
    load: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/**
 * Waits (bounded) until the 1-minute load average is under `max`, so final figures are taken on a
 * quiet machine. Returns the load seen; never throws: a busy machine is recorded, not hidden.
 */
export async function waitForQuiet(
  max: number,
  timeoutMs: number,
  log = console.log,
): Promise<{ quiet: boolean; load: number[] }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const load = loadavg();
    if (load[0] < max) return { quiet: true, load };
    if (Date.now() > deadline) {
      log(
        `machine still busy after ${Math.round(timeoutMs / 1000)} s (load ${load.map((l) => l.toFixed(2)).join(' ')}); measuring anyway`,
      );
      return { quiet: false, load };
    }
    log(`waiting for a quiet machine: load ${load[0].toFixed(2)} ≥ ${max}`);
    await sleep(15_000);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const root = path.resolve(__dirname, '..', '..');
export const resultsDir = path.join(root, 'bench', 'results');

export function gitCommit(): string {
  // Set when the benchmark runs from an exported copy of a commit (no .git there), e.g. to keep
  // a shared working tree's uncommitted changes out of the measurement.
  if (process.env.BENCH_COMMIT) return process.env.BENCH_COMMIT;
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim();
  } catch {
    return 'unknown';
  }
}

/** Writes bench/results/<name>.json and <name>.md. */
export function writeResults(name: string, json: Record<string, unknown>, markdown: string): void {
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, `${name}.json`), JSON.stringify(json, null, 2) + '\n');
  writeFileSync(path.join(resultsDir, `${name}.md`), markdown.trimEnd() + '\n');
  console.log(`wrote bench/results/${name}.json and .md`);
}

/** A hard stop for the whole script: every benchmark ends by itself. */
export function watchdog(ms: number, onTimeout: () => Promise<void> | void): NodeJS.Timeout {
  const t = setTimeout(async () => {
    console.error(`watchdog: ${Math.round(ms / 1000)} s elapsed, stopping`);
    try {
      await Promise.race([onTimeout(), sleep(30_000)]);
    } finally {
      process.exit(2);
    }
  }, ms);
  t.unref();
  return t;
}

export type TemporalChoice = 'dev' | 'production';

/** `--temporal dev|production` (default dev): which Temporal server the stack runs. */
export function temporalChoice(args: Record<string, string>): TemporalChoice {
  const t = args.temporal ?? 'dev';
  if (t !== 'dev' && t !== 'production')
    throw new Error(`--temporal must be 'dev' or 'production', not '${t}'`);
  return t;
}

export function temporalLabel(t: TemporalChoice): string {
  return t === 'production'
    ? 'Temporal server v1.29.1 on Postgres (infra/temporal-server/, 4 history shards, its databases on the stack Postgres)'
    : 'Temporal CLI dev server (SQLite file)';
}
