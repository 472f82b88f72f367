/**
 * Memory: resident memory (VmRSS from /proc/<pid>/status) of the escalation worker and the API,
 * each its own process started from its main.ts, with 0 and then with N open escalations that
 * sleep until a working-day deadline (sefton-sscp). The notifier's is recorded too.
 *
 *   node -r ./infra/runtime/register.js bench/memory.ts [--n 10000] [--rate 18]
 *     [--temporal dev|production] [--settle-wait 0] [--every 5] [--probe] [--snapshots]
 *     [--raise-minutes M] [--out name]
 *
 * --raise-minutes M: stop sending raises after M minutes even if fewer than N have gone, then
 * settle and sample as usual (the result says how many were raised). For a session with a
 * fixed end: N = 50,000 takes 46 minutes at 18/s on a quiet machine and much longer on a busy one.
 * --settle-wait S: once every escalation sleeps, wait S more seconds before the loaded sample, so
 * that heap the processes grew into during the burst of raises (and V8 has not yet handed back)
 * is told apart from memory that stays with the open escalations. Every process's VmRSS is also
 * recorded every --every seconds from the baseline to the end (the result's `timeline`).
 * --probe: preloads bench/support/memory-probe.js into the worker, which records each of its
 * threads' V8 figures (heap used, external, native contexts; the workflow thread is a separate
 * isolate that VmRSS lumps in); --snapshots also writes heap snapshots of each thread at the
 * baseline and at the loaded sample (large: hundreds of MB each).
 *
 * The Temporal server's own resident memory is recorded beside them (with `--temporal
 * production` it is the Postgres-backed server's single process; its databases' memory is in
 * Postgres, not measured here).
 *
 * The API here is services/api/src/main.ts itself, rate limit included (1,200 requests a minute
 * per client address), so raises are paced under 20/s and a 429 is retried after its wait.
 */
import {
  gitCommit,
  root,
  machine,
  num,
  parseArgs,
  sleep,
  temporalChoice,
  temporalLabel,
  waitForQuiet,
  watchdog,
  writeResults,
} from './lib/cli';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { raiseBody } from './lib/http';
import { readVmRss, startStack, type ServiceName, type Stack } from './lib/stack';
import { fmt } from './lib/stats';

const args = parseArgs();
const N = num(args, 'n', 10_000);
const RATE = num(args, 'rate', 18);
const C = num(args, 'concurrency', 8);
const TEMPORAL = temporalChoice(args);
const SETTLE_WAIT = num(args, 'settle-wait', 0);
const EVERY = num(args, 'every', 5);
const RAISE_MINUTES = num(args, 'raise-minutes', 0);
const PROBE = args.probe === 'true' || args.snapshots === 'true';
const SNAPSHOTS = args.snapshots === 'true';
const TARGET_GROWTH_MIB = 50;
const MiB = 2 ** 20;

/** Median VmRSS over `seconds`, sampled each second, per service. */
async function sampleRss(stack: Stack, seconds: number): Promise<Record<ServiceName | 'temporal', number>> {
  const samples: Record<ServiceName | 'temporal', number[]> = {
    worker: [],
    api: [],
    notifier: [],
    temporal: [],
  };
  for (let i = 0; i < seconds; i++) {
    for (const name of ['worker', 'api', 'notifier', 'temporal'] as const) {
      const pid = name === 'temporal' ? stack.temporalPid() : stack.services[name]?.pid;
      const rss = pid ? readVmRss(pid) : null;
      if (rss !== null) samples[name].push(rss);
    }
    await sleep(1000);
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? NaN;
  return {
    worker: median(samples.worker),
    api: median(samples.api),
    notifier: median(samples.notifier),
    temporal: median(samples.temporal),
  };
}

/** Until nothing is moving: no email waiting, every open escalation has its deadline set. */
async function settle(stack: Stack, expectedOpen: number, timeoutMs: number, log: (s: string) => void) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const [{ open, dated }] = await stack.db.query(
      `SELECT count(*) FILTER (WHERE status = 'open')::int AS open,
              count(*) FILTER (WHERE status = 'open' AND current_due_at IS NOT NULL)::int AS dated
         FROM escalation`,
    );
    const [{ waiting }] = await stack.db.query(
      `SELECT count(*)::int AS waiting FROM notification_delivery WHERE status IN ('queued', 'sending')`,
    );
    const running = await stack.temporal.workflow.count(`ExecutionStatus = "Running"`);
    const state = `open rows ${open}, with deadline ${dated}, running workflows ${running.count}, emails waiting ${waiting}, emails accepted ${stack.smtp.mails.length}`;
    if (state !== last) log(`  ${state}`);
    last = state;
    if (open >= expectedOpen && dated >= expectedOpen && waiting === 0 && running.count >= expectedOpen) {
      // Quiet for a few seconds: no new email.
      const before = stack.smtp.mails.length;
      await sleep(5000);
      if (stack.smtp.mails.length === before) return true;
    } else {
      await sleep(5000);
    }
  }
  return false;
}

interface ProbeSample {
  at: number;
  thread: number;
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  nativeContexts: number;
  detachedContexts: number;
  mallocedMemory: number;
}

/** The probe's samples per worker thread (t0 the main thread, t1 the SDK's workflow thread). */
function readProbe(dir: string): Record<string, ProbeSample[]> {
  const out: Record<string, ProbeSample[]> = {};
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.jsonl'))) {
    const thread = f.replace(/^worker-\d+-|\.jsonl$/g, '');
    out[thread] = readFileSync(path.join(dir, f), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
  }
  return out;
}

/** Heap used / total and external per thread: first, largest and last sample. */
function probeTable(probe: Record<string, ProbeSample[]>): string {
  const m = (b: number) => fmt(b / MiB);
  const rows = Object.entries(probe).flatMap(([thread, samples]) => {
    const peak = samples.reduce((a, b) => (b.heapUsed > a.heapUsed ? b : a), samples[0]);
    return (
      [
        ['first', samples[0]],
        ['largest heap used', peak],
        ['last', samples[samples.length - 1]],
      ] as const
    ).map(
      ([which, x]) =>
        `| ${thread} | ${which} | ${m(x.heapUsed)} | ${m(x.heapTotal)} | ${m(x.external)} | ${m(x.mallocedMemory)} | ${x.nativeContexts} / ${x.detachedContexts} |`,
    );
  });
  return `Worker threads (bench/support/memory-probe.js; t0 main, t1 the SDK's workflow thread), MiB:

| thread | sample | heap used | heap total | external | malloced | native / detached contexts |
| --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}`;
}

async function main() {
  let stack: Stack | null = null;
  // Bounded by the run's own size: the raises at RATE (with room for 429 retries), up to 40
  // minutes to settle, the settle wait, and the start-up: a fixed hour stopped N = 50,000.
  watchdog((N / RATE) * 1500 + 40 * 60_000 + SETTLE_WAIT * 1000 + 20 * 60_000, async () => stack?.stop());
  const log = (s: string) => console.log(s);
  const quiet = await waitForQuiet(Number(args['max-load'] ?? 1.5), Number(args['quiet-wait'] ?? 600) * 1000);
  const loadAtStart = machine().load;
  let probeDir: string | null = null;
  if (PROBE) {
    probeDir = path.join(tmpdir(), `resolve-bench-memory-probe-${process.pid}`);
    mkdirSync(probeDir, { recursive: true });
    // Inherited by every node child of the stack; the probe stays idle except in the worker.
    process.env.BENCH_MEMORY_PROBE_DIR = probeDir;
    process.env.BENCH_MEMORY_PROBE_SECONDS = String(EVERY);
    process.env.NODE_OPTIONS =
      `${process.env.NODE_OPTIONS ?? ''} --require ${path.join(root, 'bench', 'support', 'memory-probe.js')}`.trim();
    log(`probe: the worker's threads record their V8 figures in ${probeDir}`);
  }
  stack = await startStack({ name: `memory-${TEMPORAL}`, apiEntry: 'main', temporal: TEMPORAL });
  const s = stack;
  const t00 = Date.now();
  const timeline: {
    s: number;
    phase: string;
    worker: number | null;
    api: number | null;
    notifier: number | null;
    temporal: number | null;
  }[] = [];
  let phase = 'start';
  const rssOf = (name: ServiceName | 'temporal') => {
    const pid = name === 'temporal' ? s.temporalPid() : s.services[name]?.pid;
    const rss = pid ? readVmRss(pid) : null;
    return rss === null ? null : Math.round((rss / MiB) * 10) / 10;
  };
  const sampler = setInterval(() => {
    timeline.push({
      s: Math.round((Date.now() - t00) / 1000),
      phase,
      worker: rssOf('worker'),
      api: rssOf('api'),
      notifier: rssOf('notifier'),
      temporal: rssOf('temporal'),
    });
  }, EVERY * 1000);
  const snapshot = async (label: string) => {
    if (!SNAPSHOTS) return;
    log(`heap snapshots of the worker's threads (${label})`);
    process.kill(s.services.worker!.pid!, 'SIGUSR2');
    await sleep(30_000);
  };
  try {
    const token = await s.token('sefton-sscp-csc-practitioner');
    const raise = async (reference: string): Promise<string | null> => {
      for (let attempt = 1; attempt <= 20; attempt++) {
        const r = await s.api.request('POST', '/escalations', {
          token,
          body: raiseBody('sefton-sscp', 'sefton-sscp', 'thresholds', reference),
          headers: { 'idempotency-key': `bench-memory-${reference}` },
        });
        if (r.status === 201) return r.body.id;
        await sleep(r.status === 429 ? 2000 : 500);
      }
      return null;
    };
    // Warm-up: every path the run uses, then close those escalations so that none is open.
    log('warm-up: 20 escalations raised, read, withdrawn');
    const warm: string[] = [];
    for (let i = 0; i < 20; i++) {
      const id = await raise(`MEM-WARM-${process.pid}-${i}`);
      if (id) warm.push(id);
    }
    for (const id of warm) {
      await s.api.request('GET', `/escalations/${id}`, { token });
      await s.api.request('POST', `/escalations/${id}/withdraw`, {
        token,
        body: { reason: 'benchmark warm-up' },
      });
    }
    await settle(s, 0, 120_000, log);
    const [{ open: openAtBaseline }] = await s.db.query(
      `SELECT count(*)::int AS open FROM escalation WHERE status = 'open'`,
    );
    phase = 'baseline';
    const baseline = await sampleRss(s, 15);
    await snapshot('baseline');
    log(
      `baseline (${openAtBaseline} open): worker ${fmt(baseline.worker / MiB)} MiB, api ${fmt(baseline.api / MiB)} MiB, notifier ${fmt(baseline.notifier / MiB)} MiB`,
    );

    phase = 'raising';
    log(`raising ${N} sefton-sscp escalations at ≤ ${RATE}/s`);
    const t0 = Date.now();
    let inFlight = 0;
    let raised = 0;
    let failed = 0;
    const pending: Promise<void>[] = [];
    let sent = 0;
    for (let i = 0; i < N; i++) {
      if (RAISE_MINUTES > 0 && Date.now() - t0 > RAISE_MINUTES * 60_000) {
        log(`  --raise-minutes ${RAISE_MINUTES} reached: ${i} of ${N} sent; no more raises`);
        break;
      }
      sent = i + 1;
      const at = t0 + (i * 1000) / RATE;
      while (Date.now() < at || inFlight >= C) await sleep(Math.max(1, Math.min(20, at - Date.now())));
      inFlight += 1;
      pending.push(
        raise(`MEM-${process.pid}-${i}`)
          .then((id) => (id ? (raised += 1) : (failed += 1)))
          .then(() => undefined)
          .finally(() => (inFlight -= 1)),
      );
      if (i % 1000 === 999)
        log(
          `  ${i + 1} sent (${Math.round((Date.now() - t0) / 1000)} s), worker ${fmt(readVmRss(s.services.worker!.pid!)! / MiB)} MiB`,
        );
    }
    await Promise.all(pending);
    const raiseSeconds = (Date.now() - t0) / 1000;
    log(`raised ${raised} (${failed} failed) in ${raiseSeconds.toFixed(0)} s; waiting until all sleep`);
    phase = 'settling';
    const settled = await settle(s, raised, 40 * 60_000, log);
    const settleSeconds = (Date.now() - t0) / 1000;
    const rssAsleep = await sampleRss(s, 5);
    if (SETTLE_WAIT > 0) {
      phase = 'settle-wait';
      log(
        `all asleep: worker ${fmt(rssAsleep.worker / MiB)} MiB; waiting ${SETTLE_WAIT} s before the loaded sample`,
      );
      await sleep(SETTLE_WAIT * 1000);
    }
    phase = 'loaded';
    const loaded = await sampleRss(s, 30);
    await snapshot('loaded');
    clearInterval(sampler);
    const probe = probeDir ? readProbe(probeDir) : null;
    const growth = {
      worker: (loaded.worker - baseline.worker) / MiB,
      api: (loaded.api - baseline.api) / MiB,
      notifier: (loaded.notifier - baseline.notifier) / MiB,
      temporal: (loaded.temporal - baseline.temporal) / MiB,
    };
    log(
      `with ${raised} open: worker ${fmt(loaded.worker / MiB)} MiB (+${fmt(growth.worker)}), api ${fmt(loaded.api / MiB)} MiB (+${fmt(growth.api)})`,
    );
    const result = {
      benchmark: 'memory',
      at: new Date().toISOString(),
      commit: gitCommit(),
      command: `${process.env.WORKER_MAX_CACHED_WORKFLOWS ? `WORKER_MAX_CACHED_WORKFLOWS=${process.env.WORKER_MAX_CACHED_WORKFLOWS} ` : ''}node -r ./infra/runtime/register.js bench/memory.ts --n ${N} --rate ${RATE} --concurrency ${C} --temporal ${TEMPORAL}${SETTLE_WAIT ? ` --settle-wait ${SETTLE_WAIT}` : ''}${RAISE_MINUTES ? ` --raise-minutes ${RAISE_MINUTES}` : ''}${PROBE ? (SNAPSHOTS ? ' --snapshots' : ' --probe') : ''}${args.out ? ` --out ${args.out}` : ''}`,
      machine: { ...machine(), loadAtStart, quietWait: quiet },
      setup: {
        temporal: temporalLabel(TEMPORAL),
        workerMaxCachedWorkflows: process.env.WORKER_MAX_CACHED_WORKFLOWS ?? 'default',
        processes:
          'worker: services/worker/src/main.ts; api: services/api/src/main.ts; notifier: services/notifier/src/main.ts; each its own node process',
        protocol: 'sefton-sscp (working-day deadlines: every escalation sleeps on a timer days away)',
        baseline: `after a warm-up of 20 escalations raised, read and withdrawn: ${openAtBaseline} open`,
        measurement: `median VmRSS of 15 (baseline) / 30 (loaded) one-second samples; loaded sampled ${SETTLE_WAIT} s after all were asleep`,
        settleWaitSeconds: SETTLE_WAIT,
        planned: N,
        sent,
        stoppedByRaiseMinutes: sent < N,
        raised,
        failed,
        raiseSeconds,
        settled,
        secondsUntilAllSleeping: settleSeconds,
        emailsAccepted: s.smtp.mails.length,
      },
      rssMiB: {
        baseline: {
          worker: baseline.worker / MiB,
          api: baseline.api / MiB,
          notifier: baseline.notifier / MiB,
          temporal: baseline.temporal / MiB,
        },
        loaded: {
          worker: loaded.worker / MiB,
          api: loaded.api / MiB,
          notifier: loaded.notifier / MiB,
          temporal: loaded.temporal / MiB,
        },
        growth,
        allAsleep: {
          worker: rssAsleep.worker / MiB,
          api: rssAsleep.api / MiB,
          notifier: rssAsleep.notifier / MiB,
          temporal: rssAsleep.temporal / MiB,
        },
      },
      timeline,
      probe,
      target: {
        growthMiB: TARGET_GROWTH_MIB,
        workerMet: growth.worker < TARGET_GROWTH_MIB,
        apiMet: growth.api < TARGET_GROWTH_MIB,
      },
    };
    const md = `# memory

${result.at} · commit ${result.commit} · ${result.machine.nproc} cores shared with other sessions · \`uptime\` load at start ${loadAtStart.join(' / ')}, at the end ${result.machine.load.join(' / ')}

\`${result.command}\`

${result.setup.temporal}.

VmRSS (MiB), each service its own process from its main.ts:

| process | 0 open | ${raised} open, sleeping | growth | target < ${TARGET_GROWTH_MIB} MiB |
| --- | --- | --- | --- | --- |
| worker | ${fmt(baseline.worker / MiB)} | ${fmt(loaded.worker / MiB)} | ${fmt(growth.worker)} | ${growth.worker < TARGET_GROWTH_MIB ? 'met' : '**missed**'} |
| API | ${fmt(baseline.api / MiB)} | ${fmt(loaded.api / MiB)} | ${fmt(growth.api)} | ${growth.api < TARGET_GROWTH_MIB ? 'met' : '**missed**'} |
| notifier (for reference) | ${fmt(baseline.notifier / MiB)} | ${fmt(loaded.notifier / MiB)} | ${fmt(growth.notifier)} | |
| Temporal server process (for reference) | ${fmt(baseline.temporal / MiB)} | ${fmt(loaded.temporal / MiB)} | ${fmt(growth.temporal)} | |

${raised} raised in ${raiseSeconds.toFixed(0)} s; all sleeping after ${settleSeconds.toFixed(0)} s${settled ? '' : ' (NOT settled within the time limit)'}; ${s.smtp.mails.length} emails accepted. Worker when all were asleep: ${fmt(rssAsleep.worker / MiB)} MiB; loaded sample ${SETTLE_WAIT} s later.
${probe ? `\n${probeTable(probe)}\n` : ''}`;
    writeResults(args.out ?? (TEMPORAL === 'dev' ? 'memory' : `memory-${TEMPORAL}`), result, md);
    console.log(md);
  } finally {
    await s.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
