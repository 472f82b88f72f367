/**
 * Memory: resident memory (VmRSS from /proc/<pid>/status) of the escalation worker and the API,
 * each its own process started from its main.ts, with 0 and then with N open escalations that
 * sleep until a working-day deadline (sefton-sscp). The notifier's is recorded too.
 *
 *   node -r ./infra/runtime/register.js bench/memory.ts [--n 10000] [--rate 18]
 *     [--temporal dev|production] [--out name]
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
import { raiseBody } from './lib/http';
import { readVmRss, startStack, type ServiceName, type Stack } from './lib/stack';
import { fmt } from './lib/stats';

const args = parseArgs();
const N = num(args, 'n', 10_000);
const RATE = num(args, 'rate', 18);
const C = num(args, 'concurrency', 8);
const TEMPORAL = temporalChoice(args);
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

async function main() {
  let stack: Stack | null = null;
  watchdog(60 * 60_000, async () => stack?.stop());
  const log = (s: string) => console.log(s);
  const quiet = await waitForQuiet(Number(args['max-load'] ?? 1.5), Number(args['quiet-wait'] ?? 600) * 1000);
  const loadAtStart = machine().load;
  stack = await startStack({ name: `memory-${TEMPORAL}`, apiEntry: 'main', temporal: TEMPORAL });
  const s = stack;
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
    const baseline = await sampleRss(s, 15);
    log(
      `baseline (${openAtBaseline} open): worker ${fmt(baseline.worker / MiB)} MiB, api ${fmt(baseline.api / MiB)} MiB, notifier ${fmt(baseline.notifier / MiB)} MiB`,
    );

    log(`raising ${N} sefton-sscp escalations at ≤ ${RATE}/s`);
    const t0 = Date.now();
    let inFlight = 0;
    let raised = 0;
    let failed = 0;
    const pending: Promise<void>[] = [];
    for (let i = 0; i < N; i++) {
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
    const settled = await settle(s, raised, 40 * 60_000, log);
    const settleSeconds = (Date.now() - t0) / 1000;
    const loaded = await sampleRss(s, 30);
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
      command: `${process.env.WORKER_MAX_CACHED_WORKFLOWS ? `WORKER_MAX_CACHED_WORKFLOWS=${process.env.WORKER_MAX_CACHED_WORKFLOWS} ` : ''}node -r ./infra/runtime/register.js bench/memory.ts --n ${N} --rate ${RATE} --concurrency ${C} --temporal ${TEMPORAL}${args.out ? ` --out ${args.out}` : ''}`,
      machine: { ...machine(), loadAtStart, quietWait: quiet },
      setup: {
        temporal: temporalLabel(TEMPORAL),
        workerMaxCachedWorkflows: process.env.WORKER_MAX_CACHED_WORKFLOWS ?? 'default',
        processes:
          'worker: services/worker/src/main.ts; api: services/api/src/main.ts; notifier: services/notifier/src/main.ts; each its own node process',
        protocol: 'sefton-sscp (working-day deadlines: every escalation sleeps on a timer days away)',
        baseline: `after a warm-up of 20 escalations raised, read and withdrawn: ${openAtBaseline} open`,
        measurement: 'median VmRSS of 15 (baseline) / 30 (loaded) one-second samples',
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
      },
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

${raised} raised in ${raiseSeconds.toFixed(0)} s; all sleeping after ${settleSeconds.toFixed(0)} s${settled ? '' : ' (NOT settled within the time limit)'}; ${s.smtp.mails.length} emails accepted.
`;
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
