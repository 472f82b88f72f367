/**
 * Start throughput: N escalations raised through the API end to end (HTTP → Postgres → Temporal
 * → worker → notifier → SMTP server accepting the first email) against N plain starts of a
 * no-op workflow on the same Temporal server in the same run, both with the same number of
 * requests in flight.
 *
 *   node -r ./infra/runtime/register.js bench/start-throughput.ts [--n 200] [--concurrency 8]
 *     [--protocol sefton-sscp] [--temporal dev|production] [--out name]
 */
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { getProtocol } from '@resolve/protocols';
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
import { pool, raiseBody } from './lib/http';
import { messageIdFor } from './lib/smtp';
import { cpuDelta, stackCpu, startStack, type Stack } from './lib/stack';
import { fmt, summarise } from './lib/stats';

const args = parseArgs();
const N = num(args, 'n', 200);
const C = num(args, 'concurrency', 8);
const protocolId = args.protocol ?? 'sefton-sscp';
const TEMPORAL = temporalChoice(args);
const TARGET_RATIO = 0.5;

async function noopPhase(stack: Stack, n: number, label: string) {
  const ids = Array.from({ length: n }, (_, i) => `bench-noop-${label}-${i}`);
  const startMs: number[] = [];
  const completedAt: number[] = [];
  const cpuBefore = stackCpu(stack);
  const t0 = Date.now();
  let startsDoneAt = 0;
  await pool(ids, C, async (workflowId) => {
    const s = performance.now();
    const handle = await stack.temporal.workflow.start('benchNoopWorkflow', {
      taskQueue: 'bench-noop',
      workflowId,
      args: [],
    });
    startMs.push(performance.now() - s);
    startsDoneAt = Date.now();
    await handle.result();
    completedAt.push(Date.now());
  });
  const end = Math.max(...completedAt);
  return {
    n,
    cpuSeconds: cpuDelta(cpuBefore, stackCpu(stack)),
    startCallMs: summarise(startMs),
    startsPerSecond: n / ((startsDoneAt - t0) / 1000),
    completedPerSecond: n / ((end - t0) / 1000),
    seconds: (end - t0) / 1000,
  };
}

async function escalationPhase(stack: Stack, n: number, label: string) {
  const protocol = getProtocol(protocolId);
  const partnershipId = protocol.partnership.id;
  const token = await stack.token(`${partnershipId}-csc-practitioner`);
  const refs = Array.from({ length: n }, (_, i) => `TP-${label.toUpperCase()}-${process.pid}-${i}`);
  const raiseMs: number[] = [];
  const failures: string[] = [];
  const ids = new Map<string, string>();
  const cpuBefore = stackCpu(stack);
  const t0 = Date.now();
  let raisesDoneAt = 0;
  const sentAt = new Map<string, number>();
  await pool(refs, C, async (reference) => {
    const sent = Date.now();
    const r = await stack.api.request('POST', '/escalations', {
      token,
      body: raiseBody(partnershipId, protocolId, protocol.categories[0].id, reference),
    });
    raiseMs.push(r.ms);
    raisesDoneAt = Date.now();
    if (r.status !== 201)
      failures.push(`${reference}: ${r.status} ${r.error ?? JSON.stringify(r.body).slice(0, 200)}`);
    else {
      ids.set(reference, r.body.id);
      sentAt.set(r.body.id, sent);
    }
  });
  // Wait (bounded) until every escalation's 'escalation-raised' email reached the SMTP server.
  const firstEmailAt = new Map<string, number>();
  const queuedAt = new Map<string, number>();
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    const rows: { escalation_id: string; delivery_key: string; created_at: Date }[] = await stack.db.query(
      `SELECT escalation_id, delivery_key, created_at FROM notification_delivery
        WHERE escalation_id = ANY($1::uuid[]) AND event = 'escalation-raised' AND channel = 'email'`,
      [[...ids.values()]],
    );
    for (const row of rows) {
      const q = queuedAt.get(row.escalation_id);
      const created = new Date(row.created_at).getTime();
      if (q === undefined || created < q) queuedAt.set(row.escalation_id, created);
      const mails = stack.smtp.byMessageId(messageIdFor(row.delivery_key));
      if (mails.length > 0) {
        const at = mails[0].receivedAt;
        const f = firstEmailAt.get(row.escalation_id);
        if (f === undefined || at < f) firstEmailAt.set(row.escalation_id, at);
      }
    }
    if (firstEmailAt.size >= ids.size) break;
    await sleep(250);
  }
  // When the first notification was queued in Temporal: the first ActivityTaskScheduled of
  // `notify` (or, since the patch notify-in-background, `notifyBatch`) in each workflow's history
  // (the notification is then durable, waiting for the notifier).
  const scheduledAt = new Map<string, number>();
  const workflowIds: { id: string; workflow_id: string }[] = await stack.db.query(
    `SELECT id, workflow_id FROM escalation WHERE id = ANY($1::uuid[])`,
    [[...ids.values()]],
  );
  await pool(workflowIds, 8, async ({ id, workflow_id }) => {
    const history = await stack.temporal.workflow.getHandle(workflow_id).fetchHistory();
    const event = history.events?.find((e) =>
      ['notify', 'notifyBatch'].includes(e.activityTaskScheduledEventAttributes?.activityType?.name ?? ''),
    );
    const t = event?.eventTime;
    if (t) scheduledAt.set(id, Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6));
  });
  const end = firstEmailAt.size ? Math.max(...firstEmailAt.values()) : Date.now();
  const latencyMs = [...firstEmailAt].map(([id, at]) => at - sentAt.get(id)!);
  const cpuSeconds = cpuDelta(cpuBefore, stackCpu(stack));
  return {
    n,
    cpuSeconds,
    raised: ids.size,
    failures,
    reachedFirstEmail: firstEmailAt.size,
    raiseCallMs: summarise(raiseMs),
    postToFirstEmailMs: summarise(latencyMs),
    raisesPerSecond: n / ((raisesDoneAt - t0) / 1000),
    endToEndPerSecond: firstEmailAt.size / ((end - t0) / 1000),
    firstScheduledPerSecond: scheduledAt.size
      ? scheduledAt.size / ((Math.max(...scheduledAt.values()) - t0) / 1000)
      : 0,
    postToFirstScheduledMs: summarise([...scheduledAt].map(([id, at]) => at - sentAt.get(id)!)),
    firstQueuedPerSecond: queuedAt.size ? queuedAt.size / ((Math.max(...queuedAt.values()) - t0) / 1000) : 0,
    seconds: (end - t0) / 1000,
  };
}

async function main() {
  let stack: Stack | null = null;
  watchdog(20 * 60_000, async () => stack?.stop());
  const quiet = await waitForQuiet(Number(args['max-load'] ?? 1.5), Number(args['quiet-wait'] ?? 600) * 1000);
  const loadAtStart = machine().load;
  stack = await startStack({ name: `throughput-${TEMPORAL}`, apiEntry: 'bench', temporal: TEMPORAL });
  const noopWorker = await Worker.create({
    connection: await (
      await import('@temporalio/worker')
    ).NativeConnection.connect({ address: stack.temporalAddress }),
    namespace: 'default',
    taskQueue: 'bench-noop',
    workflowsPath: path.join(__dirname, 'workflows', 'noop.ts'),
  });
  const noopRunning = noopWorker.run();
  try {
    console.log('warm-up (10 of each)');
    await noopPhase(stack, 10, 'warm');
    await escalationPhase(stack, 10, 'warm');
    const loadBefore = machine().load;
    console.log(`no-op workflows: ${N}, ${C} in flight`);
    const noop = await noopPhase(stack, N, 'run');
    console.log(`  ${fmt(noop.completedPerSecond)} workflows/s started and completed`);
    console.log(`escalations: ${N}, ${C} in flight`);
    const esc = await escalationPhase(stack, N, 'run');
    console.log(
      `  ${fmt(esc.endToEndPerSecond)} escalations/s to first email (${esc.reachedFirstEmail}/${N}); failures ${esc.failures.length}`,
    );
    const ratio = esc.endToEndPerSecond / noop.completedPerSecond;
    const ratioScheduled = esc.firstScheduledPerSecond / noop.completedPerSecond;
    const result = {
      benchmark: 'start-throughput',
      at: new Date().toISOString(),
      commit: gitCommit(),
      command: `node -r ./infra/runtime/register.js bench/start-throughput.ts --n ${N} --concurrency ${C} --protocol ${protocolId} --temporal ${TEMPORAL}`,
      machine: { ...machine(), loadAtStart, loadBefore, quietWait: quiet },
      setup: {
        protocol: protocolId,
        concurrency: C,
        api: 'bench/support/api-main.ts (main.ts wiring, rate limit lifted), own process',
        worker: 'services/worker/src/main.ts, own process',
        notifier: 'services/notifier/src/main.ts, own process (NOTIFIER_CONCURRENCY=10)',
        temporal: temporalLabel(TEMPORAL),
        postgres: 'embedded, fsync on',
        noop: 'bench/workflows/noop.ts on task queue bench-noop, worker in the benchmark process',
      },
      noop,
      escalations: esc,
      ratio,
      ratioScheduled,
      target: {
        ratio: TARGET_RATIO,
        metToFirstEmailSent: ratio >= TARGET_RATIO,
        metToFirstNotificationScheduled: ratioScheduled >= TARGET_RATIO,
      },
    };
    const md = `# start-throughput

${result.at} · commit ${result.commit} · ${result.machine.nproc} cores shared with other sessions · \`uptime\` load at start ${loadAtStart.join(' / ')}, before the measured phases ${loadBefore.join(' / ')}, at the end ${result.machine.load.join(' / ')}

\`${result.command}\`

${result.setup.temporal}.

| | count | rate /s | call p50 ms | call p99 ms |
| --- | --- | --- | --- | --- |
| no-op workflow: start → completed | ${noop.n} | **${fmt(noop.completedPerSecond)}** | ${fmt(noop.startCallMs.p50)} | ${fmt(noop.startCallMs.p99)} |
| no-op workflow: start calls only | ${noop.n} | ${fmt(noop.startsPerSecond)} | | |
| escalation: POST → first email accepted by SMTP | ${esc.reachedFirstEmail}/${N} | **${fmt(esc.endToEndPerSecond)}** | ${fmt(esc.raiseCallMs.p50)} | ${fmt(esc.raiseCallMs.p99)} |
| escalation: POST → first notification scheduled in Temporal | ${N} | **${fmt(esc.firstScheduledPerSecond)}** | | |
| escalation: POST → first delivery row written by the notifier | ${N} | ${fmt(esc.firstQueuedPerSecond)} | | |
| escalation: POST calls only | ${N} | ${fmt(esc.raisesPerSecond)} | | |

CPU seconds used during each phase: no-op ${JSON.stringify(noop.cpuSeconds)}; escalations ${JSON.stringify(esc.cpuSeconds)} (the escalation phase includes its wait for the emails).

Each escalation from its POST to its first email at the SMTP server: p50 ${fmt(esc.postToFirstEmailMs.p50)} ms, p99 ${fmt(esc.postToFirstEmailMs.p99)} ms, max ${fmt(esc.postToFirstEmailMs.max)} ms.

Ratio to the no-op rate, target ≥ ${TARGET_RATIO}:
- to the first notification scheduled (queued) in Temporal: **${fmt(ratioScheduled, 2)}** (${ratioScheduled >= TARGET_RATIO ? 'met' : 'missed'});
- to the first email accepted by the SMTP server: **${fmt(ratio, 2)}** (${ratio >= TARGET_RATIO ? 'met' : 'missed'}).

POST → first notification scheduled: p50 ${fmt(esc.postToFirstScheduledMs.p50)} ms, p99 ${fmt(esc.postToFirstScheduledMs.p99)} ms.
${esc.failures.length ? `\nFailures: ${esc.failures.length} (first: ${esc.failures[0]})\n` : ''}`;
    writeResults(
      args.out ?? (TEMPORAL === 'dev' ? 'start-throughput' : `start-throughput-${TEMPORAL}`),
      result,
      md,
    );
    console.log(md);
  } finally {
    noopWorker.shutdown();
    await noopRunning.catch(() => undefined);
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
