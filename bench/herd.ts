/**
 * The 17:00 herd: working-day deadlines all fall due at the close of business, so the real peak
 * is N deadlines due at one instant. This measures, in one run on one Temporal server:
 *
 * - the server's own limit: N no-op workflows (bench/workflows/herd-timer.ts) whose timers fire
 *   at one instant, from that instant until the last completes;
 * - Resolve: N `demo` escalations whose tier-1 deadlines fall due at one instant T, from T until
 *   the SMTP server accepts the last alert email of those breaches (every recipient alerted).
 *
 * How N deadlines come to share one instant: the worker is stopped while the N escalations are
 * raised (raising only writes Postgres and starts the workflow), so every tier-1 clock (2 minutes)
 * starts when the worker comes back; within those 2 minutes the receiving practitioner proposes,
 * and the raising practitioner accepts, a longer timetable ending at T for every case (the
 * protocol's extension, BSCB 003 2.1 shape). Cases whose extension was not agreed in time breach
 * at their own deadline and are counted apart, not in the herd.
 *
 * That is `--align extension` (the default). It needs 2N API actions inside the 2-minute tier-1
 * clocks, which one load generator on 2 shared cores cannot do for N = 2,000. `--align worker`
 * instead runs the worker from bench/support/worker-main.ts with BENCH_HERD_AT set to T when it
 * comes back: the deadline activity computes each tier-1 deadline as usual and its answer is then
 * replaced by T, as the calendar puts every working-day deadline at the close of business (no
 * halfway reminder for that tier; the next tier is due an hour after it begins). The breach, its
 * notices and the emails at T are the real ones either way.
 *
 *   node -r ./infra/runtime/register.js bench/herd.ts [--n 200] [--temporal dev|production]
 *     [--align extension|worker] [--concurrency 8] [--lead 180] [--notifier-concurrency 10]
 */
import path from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { gitCommit, machine, num, parseArgs, sleep, watchdog, writeResults } from './lib/cli';
import { pool, raiseBody } from './lib/http';
import { messageIdFor } from './lib/smtp';
import { cpuDelta, readVmRss, stackCpu, startStack, type Stack } from './lib/stack';
import { fmt, summarise } from './lib/stats';

const args = parseArgs();
const N = num(args, 'n', 200);
const C = num(args, 'concurrency', 8);
const NOTIFIER_CONCURRENCY = num(args, 'notifier-concurrency', 10);
/** Seconds from the worker's return to the herd instant T (the tier-1 clocks end at ~120 s). */
const LEAD_S = num(args, 'lead', 180);
const TEMPORAL = args.temporal === 'production' ? 'production' : 'dev';
if (args.temporal && !['dev', 'production'].includes(args.temporal))
  throw new Error(`--temporal must be 'dev' or 'production', not '${args.temporal}'`);
const ALIGN = args.align ?? 'extension';
if (!['extension', 'worker'].includes(ALIGN))
  throw new Error(`--align must be 'extension' or 'worker', not '${ALIGN}'`);
/** Minutes after the instant to wait for the herd before giving up (and saying so). */
const MAX_WAIT_MIN = num(args, 'max-wait', 20);
const TARGET_RATIO = 1.5;
const TIMER_QUEUE = 'bench-herd-timer';

/** Load averages sampled every 5 s while a phase runs: the machine is shared, so say how busy. */
function loadSampler() {
  const samples: number[] = [];
  const t = setInterval(() => samples.push(machine().load[0]), 5000);
  return {
    stop() {
      clearInterval(t);
      return samples.length ? { max: Math.max(...samples), samples } : { max: NaN, samples };
    },
  };
}

/**
 * The worker's Prometheus metrics summed over their labels (counters, gauges, and each
 * histogram's _sum and _count): sticky cache hits and misses, task latencies, slots. Read just
 * before the instant and after the herd, so their difference is the herd's.
 */
async function workerMetrics(stack: Stack): Promise<Record<string, number>> {
  const wanted =
    /^(temporal_(sticky_cache|workflow_task|local_activity|activity_execution|activity_schedule|worker_task_slots|num_pollers|workflow_active)|resolve_)/;
  try {
    const text = await (await fetch(stack.workerMetricsUrl)).text();
    const out: Record<string, number> = {};
    for (const line of text.split('\n')) {
      const m = /^([a-z_]+)(?:\{[^}]*\})?\s+([0-9.eE+-]+|NaN)$/.exec(line.trim());
      if (!m || !wanted.test(m[1]) || m[1].endsWith('_bucket')) continue;
      out[m[1]] = (out[m[1]] ?? 0) + Number(m[2]);
    }
    return out;
  } catch (err) {
    return { scrapeFailed: 1, error: String((err as Error).message).length };
  }
}

async function noopHerd(stack: Stack) {
  const ids = Array.from({ length: N }, (_, i) => `bench-herd-noop-${process.pid}-${i}`);
  // Enough lead for every start to land before the instant (starts run at ≥ 50/s here).
  const fireAt = Date.now() + 20_000 + N * 40;
  const completedAt: number[] = [];
  let lateStarts = 0;
  const cpuBefore = stackCpu(stack);
  const loadBefore = machine().load;
  const sampler = loadSampler();
  await pool(ids, C, async (workflowId) => {
    await stack.temporal.workflow.start('benchHerdTimerWorkflow', {
      taskQueue: TIMER_QUEUE,
      workflowId,
      args: [fireAt],
    });
    if (Date.now() >= fireAt) lateStarts += 1;
  });
  const startedBy = Date.now();
  console.log(`no-op herd: ${N} started ${((fireAt - startedBy) / 1000).toFixed(1)} s before the instant`);
  // Each workflow's close time as the server recorded it. (Not N result() long polls held open
  // at once: at N = 2,000 those broke the client's channel.) Bounded wait: 10 minutes.
  const query = `WorkflowType = "benchHerdTimerWorkflow"`; // the stack is this run's alone
  for (;;) {
    await sleep(1000);
    if (Date.now() < fireAt) continue;
    const { count } = await stack.temporal.workflow.count(`${query} AND ExecutionStatus = "Completed"`);
    if (count >= N || Date.now() > fireAt + 10 * 60_000) break;
  }
  for await (const wf of stack.temporal.workflow.list({ query }))
    if (wf.closeTime && wf.status.name === 'COMPLETED') completedAt.push(wf.closeTime.getTime());
  const load = sampler.stop();
  const last = Math.max(...completedAt);
  return {
    n: N,
    completed: completedAt.length,
    lateStarts,
    startsEndedBeforeInstantMs: fireAt - startedBy,
    instant: new Date(fireAt).toISOString(),
    lastCompletedMs: last - fireAt,
    completedMs: summarise(completedAt.map((t) => t - fireAt)),
    cpuSeconds: cpuDelta(cpuBefore, stackCpu(stack)),
    load: { before: loadBefore, after: machine().load, maxDuring: load.max },
  };
}

interface HerdBreach {
  escalationId: string;
  dueAt: number;
  firedAt: number;
  lastEmailAt: number | null;
  emails: number;
  expectedEmails: number;
}

async function tier1Breaches(stack: Stack, ids: string[]): Promise<HerdBreach[]> {
  const events: { escalation_id: string; at: Date; due_at: string }[] = await stack.db.query(
    `SELECT escalation_id, at, detail->>'dueAt' AS due_at FROM escalation_event
      WHERE type = 'deadline-breached' AND tier = 1 AND escalation_id = ANY($1::uuid[])`,
    [ids],
  );
  const deliveries: { escalation_id: string; delivery_key: string }[] = await stack.db.query(
    `SELECT escalation_id, delivery_key FROM notification_delivery
      WHERE event = 'deadline-breached' AND channel = 'email' AND tier = 1 AND escalation_id = ANY($1::uuid[])`,
    [ids],
  );
  const keys = new Map<string, string[]>();
  for (const d of deliveries)
    keys.set(d.escalation_id, [...(keys.get(d.escalation_id) ?? []), d.delivery_key]);
  return events.map((e) => {
    const mine = keys.get(e.escalation_id) ?? [];
    const times = mine.flatMap((k) => stack.smtp.byMessageId(messageIdFor(k)).map((m) => m.receivedAt));
    return {
      escalationId: e.escalation_id,
      dueAt: Date.parse(e.due_at),
      firedAt: new Date(e.at).getTime(),
      lastEmailAt: times.length ? Math.max(...times) : null,
      emails: times.length,
      expectedEmails: mine.length,
    };
  });
}

async function escalationHerd(stack: Stack) {
  const csc = await stack.token('demo-csc-practitioner');
  const police = await stack.token('demo-police-practitioner');
  const worker = stack.services.worker!;
  const failures: string[] = [];
  const cpuBefore = stackCpu(stack);
  const loadBefore = machine().load;

  // 1. Raise with the worker stopped: the tier-1 clocks all start when it returns.
  await worker.stop();
  const refs = Array.from({ length: N }, (_, i) => `HERD-${process.pid}-${i}`);
  const ids: string[] = [];
  const t0 = Date.now();
  await pool(refs, C, async (reference) => {
    for (let attempt = 1; attempt <= 3; attempt++) {
      const r = await stack.api.request('POST', '/escalations', {
        token: csc,
        body: raiseBody('demo', 'demo', 'thresholds', reference),
        headers: { 'idempotency-key': `bench-${reference}` },
      });
      if (r.status === 201) return void ids.push(r.body.id);
      if (attempt === 3) failures.push(`raise ${reference}: ${r.status} ${r.error ?? ''}`.trim());
      await sleep(500);
    }
  });
  const raisedIn = (Date.now() - t0) / 1000;
  console.log(`raised ${ids.length} in ${raisedIn.toFixed(1)} s with the worker stopped`);

  // 2. Worker back: T is LEAD_S after it is ready; every case is extended to end at T (or, with
  // --align worker, the worker itself puts every tier-1 deadline at T).
  let instant = Date.now() + LEAD_S * 1000;
  if (ALIGN === 'worker') worker.setEnv('BENCH_HERD_AT', String(instant));
  await worker.start();
  const workerBackAt = Date.now();
  if (ALIGN === 'extension') instant = workerBackAt + LEAD_S * 1000;
  const dueAt = new Date(instant).toISOString();
  const sampler = loadSampler();
  const extended = new Set<string>(ALIGN === 'worker' ? ids : []);
  await pool(ALIGN === 'worker' ? [] : ids, C, async (id) => {
    // 'no-deadline': the worker has not yet run this workflow's first task (it was raised while
    // the worker was stopped), so the tier has no deadline yet; ask again shortly.
    let propose = await stack.api.request('POST', `/escalations/${id}/extension`, {
      token: police,
      body: { dueAt },
      headers: { 'idempotency-key': `herd-propose-${id}-1` },
    });
    for (let attempt = 2; attempt <= 20 && propose.body?.reason === 'no-deadline'; attempt++) {
      await sleep(1000);
      propose = await stack.api.request('POST', `/escalations/${id}/extension`, {
        token: police,
        body: { dueAt },
        headers: { 'idempotency-key': `herd-propose-${id}-${attempt}` },
      });
    }
    if (propose.status !== 200) {
      failures.push(
        `propose ${id}: ${propose.status} ${propose.error ?? JSON.stringify(propose.body).slice(0, 160)}`,
      );
      return;
    }
    const accept = await stack.api.request('POST', `/escalations/${id}/extension/accept`, {
      token: csc,
      body: {},
      headers: { 'idempotency-key': `herd-accept-${id}` },
    });
    if (accept.status !== 200) {
      failures.push(
        `accept ${id}: ${accept.status} ${accept.error ?? JSON.stringify(accept.body).slice(0, 160)}`,
      );
      return;
    }
    extended.add(id);
  });
  const extendedBy = Date.now();
  console.log(
    `${extended.size}/${ids.length} extended to ${dueAt}, ${((extendedBy - workerBackAt) / 1000).toFixed(1)} s after the worker returned (tier-1 clocks end ~120 s after)`,
  );

  // 3. Wait (bounded) until every herd breach has all its alert emails.
  await sleep(Math.max(0, instant - Date.now() - 5000));
  const metricsBefore = await workerMetrics(stack);
  // Was the raise's own work (first tasks, the raise notices) over before the instant?
  const lastEmailBeforeInstant = Math.max(0, ...stack.smtp.mails.map((m) => m.receivedAt));
  const emailsBeforeInstant = stack.smtp.mails.length;
  const waitUntil = instant + MAX_WAIT_MIN * 60_000;
  let herd: HerdBreach[];
  let others: HerdBreach[];
  for (;;) {
    await sleep(Math.max(2000, Math.min(10_000, instant - Date.now())));
    if (Date.now() < instant) continue;
    const all = await tier1Breaches(stack, ids);
    herd = all.filter((b) => b.dueAt === instant);
    others = all.filter((b) => b.dueAt !== instant);
    const complete = herd.filter((b) => b.expectedEmails > 0 && b.emails >= b.expectedEmails).length;
    console.log(
      `  T+${Math.round((Date.now() - instant) / 1000)} s: herd breaches ${herd.length}/${extended.size}, fully alerted ${complete}; load ${machine().load[0]}`,
    );
    if ((herd.length >= extended.size && complete >= herd.length) || Date.now() > waitUntil) break;
  }
  const load = sampler.stop();
  // The price of the cache: the worker's resident memory with the herd's escalations cached.
  const workerPid = stack.services.worker?.pid;
  const workerRssMiB = workerPid ? Math.round((readVmRss(workerPid) ?? NaN) / 2 ** 20) : null;
  const metricsAfter = await workerMetrics(stack);
  const workerMetricsDelta = Object.fromEntries(
    Object.keys(metricsAfter).map((k) => [
      k,
      Math.round((metricsAfter[k] - (metricsBefore[k] ?? 0)) * 1000) / 1000,
    ]),
  );
  const alerted = herd.filter((b) => b.lastEmailAt !== null && b.emails >= b.expectedEmails);
  const lastEmail = alerted.length ? Math.max(...alerted.map((b) => b.lastEmailAt!)) : NaN;
  const finished = herd.length >= extended.size && alerted.length >= herd.length;
  return {
    /** false: the herd was not over when the wait (--max-wait) ran out; stoppedAtMs says when. */
    finished,
    stoppedAtMs: Date.now() - instant,
    n: N,
    raised: ids.length,
    raisedInSeconds: raisedIn,
    align: ALIGN,
    extended: extended.size,
    extensionsDoneAfterWorkerSeconds: (extendedBy - workerBackAt) / 1000,
    /** Emails (the raise notices) accepted before T − 5 s, and how long before T the last came. */
    emailsBeforeInstant,
    lastEmailBeforeInstantMs: instant - lastEmailBeforeInstant,
    instant: dueAt,
    herdBreaches: herd.length,
    herdFullyAlerted: alerted.length,
    breachedBeforeExtension: others.length,
    lastEmailMs: lastEmail - instant,
    lastEmailPerBreachMs: summarise(alerted.map((b) => b.lastEmailAt! - instant)),
    timerFiredMs: summarise(herd.map((b) => b.firedAt - instant)),
    firedToLastEmailMs: summarise(alerted.map((b) => b.lastEmailAt! - b.firedAt)),
    alertEmails: alerted.reduce((a, b) => a + b.emails, 0),
    failures,
    workerRssMiB,
    cpuSeconds: cpuDelta(cpuBefore, stackCpu(stack)),
    /** From 5 s before the instant to the end of the herd (gauges: their change). */
    workerMetrics: workerMetricsDelta,
    load: { before: loadBefore, after: machine().load, maxDuring: load.max },
  };
}

async function main() {
  let stack: Stack | null = null;
  watchdog(60 * 60_000, async () => stack?.stop());
  const loadAtStart = machine().load;
  stack = await startStack({
    name: `herd-${TEMPORAL}`,
    apiEntry: 'bench',
    ...(ALIGN === 'worker' ? { workerEntry: 'bench' as const, benchTierSeconds: 3600 } : {}),
    notifierConcurrency: NOTIFIER_CONCURRENCY,
    temporal: TEMPORAL,
  });
  const s = stack;
  const timerWorker = await Worker.create({
    connection: await NativeConnection.connect({ address: s.temporalAddress }),
    namespace: 'default',
    taskQueue: TIMER_QUEUE,
    // The stack's client encrypts payloads (the fire instant included): the same key ring here.
    dataConverter: s.dataConverter,
    workflowsPath: path.join(__dirname, 'workflows', 'herd-timer.ts'),
  });
  const timerRunning = timerWorker.run();
  try {
    // The no-op herd first, on a quiet stack; then Resolve's, with the no-op worker idle.
    const noop = await noopHerd(s);
    console.log(`no-op herd: last completed ${fmt(noop.lastCompletedMs, 0)} ms after the instant`);
    const esc = await escalationHerd(s);
    console.log(`escalation herd: last alert email ${fmt(esc.lastEmailMs, 0)} ms after the instant`);
    // An unfinished herd took at least until the wait ran out: the ratio is then a lower bound.
    const ratio = (esc.finished ? esc.lastEmailMs : esc.stoppedAtMs) / Math.max(1, noop.lastCompletedMs);
    const serverLabel =
      TEMPORAL === 'production'
        ? 'Temporal server v1.29.1 on Postgres (infra/temporal-server/, 4 history shards, its databases on the stack Postgres)'
        : 'Temporal CLI dev server (SQLite file)';
    const result = {
      benchmark: 'herd',
      at: new Date().toISOString(),
      commit: gitCommit(),
      command: `node -r ./infra/runtime/register.js bench/herd.ts --n ${N} --temporal ${TEMPORAL} --align ${ALIGN} --concurrency ${C} --lead ${LEAD_S} --max-wait ${MAX_WAIT_MIN} --notifier-concurrency ${NOTIFIER_CONCURRENCY}`,
      machine: { ...machine(), loadAtStart },
      setup: {
        temporal: serverLabel,
        protocol:
          ALIGN === 'worker'
            ? 'demo, every tier-1 deadline put at one instant by the deadline activity (bench/support/worker-main.ts, BENCH_HERD_AT; no tier-1 reminder; later tiers due 1 h after they begin)'
            : 'demo (2-minute tiers), every tier-1 deadline extended to one instant',
        processes:
          'API (bench/support/api-main.ts), worker and notifier (their main.ts) in own processes; no-op worker in the benchmark process; Postgres fsync on',
        notifierConcurrency: NOTIFIER_CONCURRENCY,
        workerMaxCachedWorkflows: process.env.WORKER_MAX_CACHED_WORKFLOWS ?? 'default (100)',
        emailsAcceptedInAll: s.smtp.mails.length,
      },
      definitions: {
        'noop.lastCompletedMs':
          'instant → the close time (recorded by the server) of the last of N no-op timer workflows',
        'escalations.lastEmailMs':
          'instant T → SMTP accepted the last alert email of the tier-1 breaches due at T (every recipient of every breach)',
        ratio: 'escalations.lastEmailMs / noop.lastCompletedMs',
      },
      noop,
      escalations: esc,
      ratio,
      ratioIsLowerBound: !esc.finished,
      target: { ratio: TARGET_RATIO, met: esc.finished && ratio <= TARGET_RATIO },
    };
    const md = `# herd (${TEMPORAL} server, N = ${N})

${result.at} · commit ${result.commit} · ${result.machine.nproc} cores shared with other sessions · \`uptime\` load at start ${loadAtStart.join(' / ')}, at the end ${result.machine.load.join(' / ')}

\`${result.command}\`

${serverLabel}.

| | due at one instant | to the last | p50 | p90 | p99 | load before → max during |
| --- | --- | --- | --- | --- | --- | --- |
| no-op timer workflows: completed | ${noop.n} | **${fmt(noop.lastCompletedMs / 1000, 1)} s** | ${fmt(noop.completedMs.p50 / 1000, 1)} s | ${fmt(noop.completedMs.p90 / 1000, 1)} s | ${fmt(noop.completedMs.p99 / 1000, 1)} s | ${noop.load.before[0]} → ${noop.load.maxDuring} |
| escalations: last alert email accepted by SMTP | ${esc.herdBreaches} | **${fmt(esc.lastEmailMs / 1000, 1)} s** | ${fmt(esc.lastEmailPerBreachMs.p50 / 1000, 1)} s | ${fmt(esc.lastEmailPerBreachMs.p90 / 1000, 1)} s | ${fmt(esc.lastEmailPerBreachMs.p99 / 1000, 1)} s | ${esc.load.before[0]} → ${esc.load.maxDuring} |
| escalations: deadline timer fired | ${esc.herdBreaches} | ${fmt(esc.timerFiredMs.max / 1000, 1)} s | ${fmt(esc.timerFiredMs.p50 / 1000, 1)} s | ${fmt(esc.timerFiredMs.p90 / 1000, 1)} s | ${fmt(esc.timerFiredMs.p99 / 1000, 1)} s | |

${esc.finished ? '' : `**The herd was not over when the wait ran out** (--max-wait ${MAX_WAIT_MIN} min, stopped ${fmt(esc.stoppedAtMs / 1000, 0)} s after the instant): the escalations' row above covers only the breaches fully alerted by then, and the ratio is a lower bound.\n\n`}Ratio, escalations to no-op: **${esc.finished ? '' : '≥ '}${fmt(ratio, 2)}** (target ≤ ${TARGET_RATIO}: **${esc.finished && ratio <= TARGET_RATIO ? 'met' : 'missed'}**).

Escalations: ${esc.raised}/${N} raised (worker stopped) in ${fmt(esc.raisedInSeconds)} s; ${ALIGN === 'worker' ? `${esc.extended} given the instant as their tier-1 deadline by the worker (--align worker)` : `${esc.extended} extended to the instant within ${fmt(esc.extensionsDoneAfterWorkerSeconds)} s of the worker's return`}; ${esc.emailsBeforeInstant} raise emails accepted before the instant, the last ${fmt(esc.lastEmailBeforeInstantMs / 1000, 1)} s before it; ${esc.herdBreaches} breached at the instant, ${esc.herdFullyAlerted} fully alerted (${esc.alertEmails} alert emails); ${esc.breachedBeforeExtension} breached at their own deadline before their extension (not in the herd). Failures: ${esc.failures.length}${esc.failures.length ? ` (first: ${esc.failures[0]})` : ''}.

CPU seconds, no-op phase: ${JSON.stringify(noop.cpuSeconds)}; escalation phase (raise, extensions, herd): ${JSON.stringify(esc.cpuSeconds)}.

Worker cache: ${result.setup.workerMaxCachedWorkflows} workflows; worker resident memory after the herd ${esc.workerRssMiB ?? 'n/a'} MiB. Worker metrics from 5 s before the instant to the end of the herd: sticky cache hits ${esc.workerMetrics.temporal_sticky_cache_hit ?? 'n/a'}, misses ${esc.workerMetrics.temporal_sticky_cache_miss ?? 'n/a'}, forced evictions ${esc.workerMetrics.temporal_sticky_cache_total_forced_eviction ?? 'n/a'}; workflow tasks ${esc.workerMetrics.temporal_workflow_task_execution_latency_count ?? 'n/a'}, replay time ${esc.workerMetrics.temporal_workflow_task_replay_latency_sum ?? 'n/a'} ms; local activities ${esc.workerMetrics.temporal_local_activity_execution_latency_count ?? 'n/a'}.
`;
    writeResults(args.out ?? `herd-${TEMPORAL}-${N}`, result, md);
    console.log(md);
  } finally {
    timerWorker.shutdown();
    await timerRunning.catch(() => undefined);
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
