/**
 * Deadline to alert: N escalations on the `demo` protocol (tiers of 2 plain clock minutes), raised
 * at a steady rate through the API, so that their tier-1 deadlines fall due at that rate on the
 * real dev server. For every breach, the delay from the deadline's due instant (detail.dueAt of
 * the 'deadline-breached' timeline entry) to the SMTP server accepting the alert email(s) of that
 * breach (Message-ID ↔ delivery key). Breaches of later tiers that fall inside the run are
 * measured too and reported apart.
 *
 *   node -r ./infra/runtime/register.js bench/deadline-to-alert.ts [--n 1000] [--rate 5] [--concurrency 8] [--out name]
 */
import { gitCommit, machine, num, parseArgs, sleep, waitForQuiet, watchdog, writeResults } from './lib/cli';
import { raiseBody } from './lib/http';
import { messageIdFor } from './lib/smtp';
import { cpuDelta, stackCpu, startStack, type Stack } from './lib/stack';
import { fmt, summarise, type Summary } from './lib/stats';

const args = parseArgs();
const N = num(args, 'n', 1000);
const RATE = num(args, 'rate', 5);
const C = num(args, 'concurrency', 8);
const NOTIFIER_CONCURRENCY = num(args, 'notifier-concurrency', 10);
const TARGET_P99_MS = 1000;

interface Breach {
  escalationId: string;
  tier: number;
  dueAt: number;
  firedAt: number;
  firstEmailAt: number | null;
  lastEmailAt: number | null;
  emails: number;
  expectedEmails: number;
}

async function collect(stack: Stack, ids: string[]): Promise<Breach[]> {
  const events: { escalation_id: string; tier: number; at: Date; due_at: string }[] = await stack.db.query(
    `SELECT escalation_id, tier, at, detail->>'dueAt' AS due_at FROM escalation_event
      WHERE type = 'deadline-breached' AND escalation_id = ANY($1::uuid[])`,
    [ids],
  );
  const deliveries: { escalation_id: string; tier: number; delivery_key: string }[] = await stack.db.query(
    `SELECT escalation_id, tier, delivery_key FROM notification_delivery
      WHERE event = 'deadline-breached' AND channel = 'email' AND escalation_id = ANY($1::uuid[])`,
    [ids],
  );
  const byBreach = new Map<string, string[]>();
  for (const d of deliveries) {
    const k = `${d.escalation_id}:${d.tier}`;
    byBreach.set(k, [...(byBreach.get(k) ?? []), d.delivery_key]);
  }
  return events.map((e) => {
    const keys = byBreach.get(`${e.escalation_id}:${e.tier}`) ?? [];
    const times = keys.flatMap((k) => stack.smtp.byMessageId(messageIdFor(k)).map((m) => m.receivedAt));
    return {
      escalationId: e.escalation_id,
      tier: e.tier,
      dueAt: Date.parse(e.due_at),
      firedAt: new Date(e.at).getTime(),
      firstEmailAt: times.length ? Math.min(...times) : null,
      lastEmailAt: times.length ? Math.max(...times) : null,
      emails: times.length,
      expectedEmails: keys.length,
    };
  });
}

function stats(breaches: Breach[]) {
  const done = breaches.filter((b) => b.firstEmailAt !== null);
  return {
    breaches: breaches.length,
    alerted: done.length,
    firstEmailMs: summarise(done.map((b) => b.firstEmailAt! - b.dueAt)),
    lastEmailMs: summarise(
      done.filter((b) => b.emails >= b.expectedEmails).map((b) => b.lastEmailAt! - b.dueAt),
    ),
    timerFiredMs: summarise(breaches.map((b) => b.firedAt - b.dueAt)),
    firedToFirstEmailMs: summarise(done.map((b) => b.firstEmailAt! - b.firedAt)),
  };
}

const row = (label: string, s: Summary) =>
  `| ${label} | ${s.count} | ${fmt(s.p50, 0)} | ${fmt(s.p90, 0)} | ${fmt(s.p99, 0)} | ${fmt(s.max, 0)} |`;

async function main() {
  let stack: Stack | null = null;
  watchdog(30 * 60_000, async () => stack?.stop());
  const quiet = await waitForQuiet(Number(args['max-load'] ?? 1.5), Number(args['quiet-wait'] ?? 600) * 1000);
  stack = await startStack({
    name: 'deadline',
    apiEntry: 'bench',
    notifierConcurrency: NOTIFIER_CONCURRENCY,
  });
  const s = stack;
  try {
    const token = await s.token('demo-csc-practitioner');
    const loadBefore = machine().load;
    const ids: string[] = [];
    const failures: string[] = [];
    const cpuBefore = stackCpu(s);
    const t0 = Date.now();
    console.log(`raising ${N} demo escalations at ${RATE}/s (${Math.round(N / RATE)} s)`);
    // Fixed-rate schedule: request i is sent at t0 + i/RATE (at most C in flight).
    let inFlight = 0;
    const pending: Promise<void>[] = [];
    for (let i = 0; i < N; i++) {
      const at = t0 + (i * 1000) / RATE;
      while (Date.now() < at || inFlight >= C) await sleep(Math.max(1, Math.min(20, at - Date.now())));
      inFlight += 1;
      const reference = `DA-${process.pid}-${i}`;
      pending.push(
        (async () => {
          for (let attempt = 1; attempt <= 3; attempt++) {
            const r = await s.api.request('POST', '/escalations', {
              token,
              body: raiseBody('demo', 'demo', 'thresholds', reference),
              headers: { 'idempotency-key': `bench-${reference}` },
            });
            if (r.status === 201) {
              ids.push(r.body.id);
              return;
            }
            if (attempt === 3)
              failures.push(`${reference}: ${r.status} ${r.error ?? JSON.stringify(r.body).slice(0, 200)}`);
            await sleep(500);
          }
        })().finally(() => (inFlight -= 1)),
      );
      if (i % 100 === 99) console.log(`  ${i + 1} raised (${Math.round((Date.now() - t0) / 1000)} s)`);
    }
    await Promise.all(pending);
    const raisedIn = (Date.now() - t0) / 1000;
    console.log(
      `raised ${ids.length} in ${raisedIn.toFixed(1)} s; waiting for every tier-1 breach and its alert`,
    );
    // Until every escalation's tier-1 breach has all its alert emails (bounded).
    const deadline = Date.now() + 120_000 + raisedIn * 1000 + 300_000;
    let breaches: Breach[] = [];
    for (;;) {
      await sleep(5000);
      breaches = await collect(s, ids);
      const t1 = breaches.filter((b) => b.tier === 1);
      const complete = t1.filter((b) => b.expectedEmails > 0 && b.emails >= b.expectedEmails).length;
      console.log(
        `  ${Math.round((Date.now() - t0) / 1000)} s: tier-1 breaches ${t1.length}/${ids.length}, fully alerted ${complete}; load ${machine().load[0]}`,
      );
      if (complete >= ids.length || Date.now() > deadline) break;
    }
    const runSeconds = (Date.now() - t0) / 1000;
    const cpuSeconds = cpuDelta(cpuBefore, stackCpu(s));
    const loadAfter = machine().load;
    const tier1 = stats(breaches.filter((b) => b.tier === 1));
    const later = stats(breaches.filter((b) => b.tier > 1));
    const all = stats(breaches);
    const p99 = tier1.lastEmailMs.p99;
    const result = {
      benchmark: 'deadline-to-alert',
      at: new Date().toISOString(),
      commit: gitCommit(),
      command: `${process.env.WORKER_MAX_CACHED_WORKFLOWS ? `WORKER_MAX_CACHED_WORKFLOWS=${process.env.WORKER_MAX_CACHED_WORKFLOWS} ` : ''}node -r ./infra/runtime/register.js bench/deadline-to-alert.ts --n ${N} --rate ${RATE} --concurrency ${C} --notifier-concurrency ${NOTIFIER_CONCURRENCY}${args.out ? ` --out ${args.out}` : ''}`,
      machine: { ...machine(), loadBefore, loadAfter, quietWait: quiet },
      setup: {
        protocol: 'demo (2-minute tiers, halfway reminders)',
        raised: ids.length,
        raiseFailures: failures,
        raiseRatePerSecond: RATE,
        raisedInSeconds: raisedIn,
        runSeconds,
        cpuSeconds,
        emailsAccepted: s.smtp.mails.length,
        notifierConcurrency: NOTIFIER_CONCURRENCY,
        processes:
          'API (bench/support/api-main.ts), worker and notifier (their main.ts) in own processes; Temporal dev server (SQLite file); Postgres fsync on',
      },
      definitions: {
        lastEmailMs:
          'due instant → SMTP accepted the LAST of the breach alert emails (every recipient alerted); the headline',
        firstEmailMs: 'due instant → SMTP accepted the FIRST alert email of the breach',
        timerFiredMs: "due instant → the workflow's timer fired (timeline entry 'at', workflow task time)",
        firedToFirstEmailMs: 'timer fired → first alert email accepted',
      },
      tier1,
      laterTiers: later,
      all,
      target: { p99Ms: TARGET_P99_MS, measured: 'tier1.lastEmailMs.p99', met: p99 <= TARGET_P99_MS },
    };
    const md = `# deadline-to-alert

${result.at} · commit ${result.commit} · ${result.machine.nproc} cores · load before ${loadBefore.join(' / ')}, after ${loadAfter.join(' / ')}

\`${result.command}\`

${ids.length} demo escalations raised at ${RATE}/s in ${raisedIn.toFixed(0)} s, so ${RATE} tier-1 deadlines fell due per second; run ${runSeconds.toFixed(0)} s.
Delay in ms from the due instant:

| | breaches | p50 | p90 | p99 | max |
| --- | --- | --- | --- | --- | --- |
${row('tier 1: last alert email accepted (all recipients)', tier1.lastEmailMs)}
${row('tier 1: first alert email accepted', tier1.firstEmailMs)}
${row('tier 1: timer fired', tier1.timerFiredMs)}
${row('tier 1: timer fired → first email', tier1.firedToFirstEmailMs)}
${row('later tiers: last alert email accepted', later.lastEmailMs)}

CPU seconds over the run: ${JSON.stringify(cpuSeconds)}; ${s.smtp.mails.length} emails accepted in all.

Tier-1 breaches ${tier1.breaches}/${ids.length}, alerted ${tier1.alerted}. Target p99 ≤ ${TARGET_P99_MS} ms (tier 1, last email): **${p99 <= TARGET_P99_MS ? 'met' : 'missed'}** (${fmt(p99, 0)} ms).
`;
    writeResults(args.out ?? 'deadline-to-alert', result, md);
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
