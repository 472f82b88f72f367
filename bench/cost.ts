/**
 * The cost of one whole escalation, per protocol: K escalations of each protocol raised through
 * the API and left unanswered, so that every tier's deadline passes and the case climbs to its
 * last tier (where that tier has a deadline, until it too has lapsed), then withdrawn by the
 * raiser so the workflow completes. For each protocol in turn, on an otherwise idle stack:
 *
 * - CPU seconds of each process and its children (API, worker, notifier, Temporal server,
 *   Postgres's postmaster with every backend), read from /proc before and after. CPU time,
 *   unlike wall time, hardly depends on what else the shared machine runs. The stack's idle
 *   CPU (pollers, the API's relay, the server's own timers), measured first, is subtracted for
 *   the window's length ("net"); both figures are kept.
 * - The workflow's history from the server: events (by type) and bytes (the History message
 *   encoded, payloads as stored, that is encrypted).
 * - Postgres: rows inserted, updated, deleted and relation bytes added in every database of the
 *   cluster (on the Postgres-backed server its persistence and visibility databases too), and
 *   WAL bytes.
 * - Emails accepted by the SMTP server and SMS written to the outbox (notification_delivery).
 *
 * Real protocols count working days, so the worker runs from bench/support/worker-main.ts,
 * which makes every tier due --tier-seconds after it began (reminders keep their places);
 * nothing else differs from services/worker/src/main.ts.
 *
 *   node -r ./infra/runtime/register.js bench/cost.ts [--temporal dev|production] [--k 3]
 *     [--tier-seconds 15] [--idle-seconds 30] [--protocols sefton-sscp,bscb,...]
 */
import { temporal as proto } from '@temporalio/proto';
import { listProtocols, lastTierNumber, type Protocol } from '@resolve/protocols';
import { gitCommit, machine, num, parseArgs, sleep, watchdog, writeResults } from './lib/cli';
import {
  PostgresMeter,
  postgresDelta,
  processTreeCpuSeconds,
  type PostgresSnapshot,
} from './lib/cost-meters';
import { pool, raiseBody } from './lib/http';
import { startStack, type Stack } from './lib/stack';
import { fmt } from './lib/stats';

const args = parseArgs();
const K = num(args, 'k', 3);
const TIER_SECONDS = num(args, 'tier-seconds', 15);
const IDLE_SECONDS = num(args, 'idle-seconds', 30);
const TEMPORAL = args.temporal === 'production' ? 'production' : 'dev';
if (args.temporal && !['dev', 'production'].includes(args.temporal))
  throw new Error(`--temporal must be 'dev' or 'production', not '${args.temporal}'`);
const ALL = listProtocols();
const PROTOCOLS: Protocol[] = args.protocols
  ? args.protocols.split(',').map((id) => {
      const p = ALL.find((q) => q.id === id);
      if (!p) throw new Error(`--protocols: no protocol '${id}' (known: ${ALL.map((q) => q.id).join(', ')})`);
      return p;
    })
  : ALL;

const COMPONENTS = ['api', 'worker', 'notifier', 'temporal', 'postgres'] as const;
type Component = (typeof COMPONENTS)[number];

function cpuNow(stack: Stack): Record<Component | 'bench', number> {
  const pidOf: Record<Component, number | null> = {
    api: stack.services.api?.pid ?? null,
    worker: stack.services.worker?.pid ?? null,
    notifier: stack.services.notifier?.pid ?? null,
    temporal: stack.temporalPid(),
    postgres: stack.postgresPid(),
  };
  const out = {} as Record<Component | 'bench', number>;
  for (const c of COMPONENTS) {
    const v = processTreeCpuSeconds(pidOf[c]);
    if (v === null) throw new Error(`cannot read the CPU time of ${c} (pid ${pidOf[c]})`);
    out[c] = v;
  }
  const self = process.cpuUsage();
  out.bench = (self.user + self.system) / 1e6;
  return out;
}

const minus = (a: Record<string, number>, b: Record<string, number>) =>
  Object.fromEntries(Object.keys(a).map((k) => [k, a[k] - (b[k] ?? 0)]));

interface Progress {
  id: string;
  status: string;
  tier_number: number;
  current_due_at: Date | null;
  workflow_id: string;
  breached_here: string;
}

/** Where the escalations stand, from Postgres (not the API, whose reads would add to the cost). */
async function progressOf(stack: Stack, ids: string[]): Promise<Progress[]> {
  return stack.db.query(
    `SELECT e.id, e.status, e.tier_number, e.current_due_at, e.workflow_id,
            (SELECT count(*) FROM escalation_event v
              WHERE v.escalation_id = e.id AND v.type = 'deadline-breached' AND v.tier = e.tier_number) AS breached_here
       FROM escalation e WHERE e.id = ANY($1::uuid[])`,
    [ids],
  );
}

async function deliveriesOf(stack: Stack, ids: string[]) {
  const rows: { channel: string; status: string; n: string }[] = await stack.db.query(
    `SELECT channel, status, count(*) AS n FROM notification_delivery
      WHERE escalation_id = ANY($1::uuid[]) GROUP BY channel, status`,
    [ids],
  );
  const byChannel: Record<string, number> = {};
  let unfinished = 0;
  for (const r of rows) {
    byChannel[r.channel] = (byChannel[r.channel] ?? 0) + Number(r.n);
    if (['queued', 'sending'].includes(r.status)) unfinished += Number(r.n);
  }
  return { byChannel, unfinished, rows: rows.map((r) => ({ ...r, n: Number(r.n) })) };
}

async function historyOf(stack: Stack, workflowId: string) {
  const history = await stack.temporal.workflow.getHandle(workflowId).fetchHistory();
  const byType: Record<string, number> = {};
  for (const e of history.events ?? []) {
    const name = (proto.api.enums.v1.EventType[e.eventType ?? 0] ?? String(e.eventType)).replace(
      /^EVENT_TYPE_/,
      '',
    );
    byType[name] = (byType[name] ?? 0) + 1;
  }
  return {
    events: history.events?.length ?? 0,
    bytes: proto.api.history.v1.History.encode(history).finish().length,
    byType,
  };
}

async function runProtocol(
  stack: Stack,
  meter: PostgresMeter,
  protocol: Protocol,
  idleRate: Record<string, number>,
) {
  const partnershipId = protocol.partnership.id;
  const raiser = `${partnershipId}-csc-practitioner`;
  const last = lastTierNumber(protocol);
  const actions: string[] = [];
  const failures: string[] = [];
  await sleep(3000); // let the previous protocol's stragglers settle
  const pgBefore: PostgresSnapshot = await meter.snapshot();
  const mailsBefore = stack.smtp.mails.length;
  const cpuBefore = cpuNow(stack);
  const t0 = Date.now();

  // References are capital letters, digits and hyphens (no protocol ids): COST-<pid>-<protocol #>-<i>.
  const refs = Array.from(
    { length: K },
    (_, i) => `COST-${process.pid}-${ALL.indexOf(protocol) + 1}-${i + 1}`,
  );
  const ids = (
    await pool(refs, K, async (reference) => {
      const r = await stack.api.request('POST', '/escalations', {
        token: await stack.token(raiser),
        body: raiseBody(partnershipId, protocol.id, protocol.categories[0].id, reference),
        headers: { 'idempotency-key': `cost-${reference}` },
      });
      actions.push('raise');
      if (r.status !== 201) {
        failures.push(`raise ${reference}: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
        return null;
      }
      return r.body.id as string;
    })
  ).filter((id): id is string => !!id);

  // Leave each case unanswered; step in only where the protocol waits for a person below the
  // last tier (an alert-only lapse or a tier without a timescale), and close it at the last.
  const acted = new Set<string>();
  const enteredAt = new Map<string, number>();
  const give = Date.now() + (last * TIER_SECONDS * 3 + 120) * 1000;
  const tiersReached: number[] = [];
  for (;;) {
    const rows = await progressOf(stack, ids);
    const open = rows.filter((r) => r.status === 'open');
    for (const r of open) {
      const key = `${r.id}@${r.tier_number}`;
      if (!enteredAt.has(key)) enteredAt.set(key, Date.now());
      if (acted.has(key)) continue;
      const lapsed = Number(r.breached_here) > 0;
      const noDeadlineFor = r.current_due_at === null ? Date.now() - enteredAt.get(key)! : 0;
      const token = await stack.token(raiser);
      if (r.tier_number === last && (lapsed || noDeadlineFor > 3000)) {
        acted.add(key);
        tiersReached.push(r.tier_number);
        const w = await stack.api.request('POST', `/escalations/${r.id}/withdraw`, {
          token,
          body: { reason: 'cost benchmark: climbed to its last tier' },
          headers: { 'idempotency-key': `cost-withdraw-${r.id}` },
        });
        actions.push('withdraw');
        if (w.status !== 200)
          failures.push(`withdraw ${r.id}: ${w.status} ${JSON.stringify(w.body).slice(0, 200)}`);
      } else if (r.tier_number < last && (lapsed || noDeadlineFor > 3000)) {
        acted.add(key);
        const tier = protocol.tiers.find((t) => t.number === r.tier_number)!;
        // Where people choose the final stage's route (Lincolnshire step 4), the chaired meeting.
        const branches = protocol.tiers.filter((t) => t.number === r.tier_number + 1 && t.route);
        const route =
          branches.length > 1 && protocol.finalRouteChosenBy === 'people'
            ? (branches.find((t) => t.route === 'urgent-chaired-meeting') ?? branches[0]).route
            : undefined;
        const e = await stack.api.request('POST', `/escalations/${r.id}/escalate`, {
          token: await stack.token(`${partnershipId}-csc-${tier.roles.raising[0]}`),
          body: { reason: 'cost benchmark: the tier lapsed', ...(route ? { route } : {}) },
          headers: { 'idempotency-key': `cost-escalate-${key}` },
        });
        actions.push('escalate');
        if (e.status !== 200)
          failures.push(`escalate ${key}: ${e.status} ${JSON.stringify(e.body).slice(0, 200)}`);
      }
    }
    if (open.length === 0) break;
    if (Date.now() > give) {
      failures.push(`${open.length} still open after ${Math.round((Date.now() - t0) / 1000)} s`);
      break;
    }
    await sleep(1000);
  }
  const closedAt = Date.now();
  const rows = await progressOf(stack, ids);
  // The workflow completes once its last notices are handed over; then the notifier's work ends.
  await Promise.all(
    rows.map((r) =>
      Promise.race([stack.temporal.workflow.getHandle(r.workflow_id).result(), sleep(120_000)]).catch((err) =>
        failures.push(`workflow ${r.workflow_id}: ${String(err?.message ?? err).slice(0, 200)}`),
      ),
    ),
  );
  let deliveries = await deliveriesOf(stack, ids);
  for (let stable = 0, seen = -1; stable < 3 && Date.now() < closedAt + 120_000;) {
    await sleep(1000);
    deliveries = await deliveriesOf(stack, ids);
    const now = stack.smtp.mails.length;
    stable = deliveries.unfinished === 0 && now === seen ? stable + 1 : 0;
    seen = now;
  }
  await sleep(5000); // Postgres publishes its statistics within a second or so of each transaction
  const cpuAfter = cpuNow(stack);
  const pgAfter = await meter.snapshot();
  const windowSeconds = (Date.now() - t0) / 1000;
  const gross = minus(cpuAfter, cpuBefore);
  const net = Object.fromEntries(
    Object.entries(gross).map(([k, v]) => [k, k === 'bench' ? v : v - (idleRate[k] ?? 0) * windowSeconds]),
  );
  const histories = await Promise.all(rows.map((r) => historyOf(stack, r.workflow_id)));
  const pg = postgresDelta(pgBefore, pgAfter);
  const walBytes = await meter.walBytesBetween(pgBefore, pgAfter);
  const per = (v: number) => v / Math.max(1, ids.length);
  const eventTypes: Record<string, number> = {};
  for (const h of histories)
    for (const [t, n] of Object.entries(h.byType))
      eventTypes[t] = (eventTypes[t] ?? 0) + n / histories.length;
  const emails = stack.smtp.mails.length - mailsBefore;
  const result = {
    protocol: protocol.id,
    partnership: partnershipId,
    tiers: last,
    escalations: ids.length,
    tiersReachedBeforeClose: tiersReached,
    windowSeconds,
    raiseToClosedSeconds: (closedAt - t0) / 1000,
    apiActions: actions.reduce<Record<string, number>>((a, k) => ({ ...a, [k]: (a[k] ?? 0) + 1 }), {}),
    failures,
    perEscalation: {
      cpuMsGross: Object.fromEntries(Object.entries(gross).map(([k, v]) => [k, Math.round(per(v) * 1000)])),
      cpuMsNet: Object.fromEntries(Object.entries(net).map(([k, v]) => [k, Math.round(per(v) * 1000)])),
      historyEvents: per(histories.reduce((a, h) => a + h.events, 0)),
      historyBytes: Math.round(per(histories.reduce((a, h) => a + h.bytes, 0))),
      historyEventTypes: Object.fromEntries(
        Object.entries(eventTypes).map(([k, v]) => [k, Math.round(v * 10) / 10]),
      ),
      postgres: Object.fromEntries(
        Object.entries(pg).map(([db, d]) => [
          db,
          {
            inserted: per(d.total.inserted),
            updated: per(d.total.updated),
            deleted: per(d.total.deleted),
            bytes: Math.round(per(d.total.bytes)),
          },
        ]),
      ),
      walBytes: Math.round(per(walBytes)),
      /** WAL fsyncs (each a write I/O the disk must finish before a commit returns), cluster-wide. */
      walSyncs: per(pgAfter.wal.syncs - pgBefore.wal.syncs),
      walRecords: per(pgAfter.wal.records - pgBefore.wal.records),
      /** Transactions committed per database (the meter's own reads included: a handful). */
      commits: Object.fromEntries(
        Object.entries(pgAfter.commits).map(([db, n]) => [db, per(n - (pgBefore.commits[db] ?? 0))]),
      ),
      emails: per(emails),
      sms: per(deliveries.byChannel.sms ?? 0),
    },
    histories: histories.map((h) => ({ events: h.events, bytes: h.bytes })),
    deliveries: deliveries.rows,
    postgresTables: pg,
    load: machine().load,
  };
  return result;
}

async function main() {
  let stack: Stack | null = null;
  let meter: PostgresMeter | null = null;
  watchdog(60 * 60_000, async () => {
    await meter?.close();
    await stack?.stop();
  });
  const loadAtStart = machine().load;
  stack = await startStack({
    name: `cost-${TEMPORAL}`,
    apiEntry: 'bench',
    workerEntry: 'bench',
    benchTierSeconds: TIER_SECONDS,
    temporal: TEMPORAL,
  });
  const s = stack;
  try {
    meter = await PostgresMeter.open(s.databaseUrl);
    console.log(`measuring Postgres databases: ${meter.databaseNames.join(', ')}`);
    // Warm-up: one escalation raised and withdrawn, so first-use costs (JIT, module loading,
    // connection pools) are not charged to the first protocol.
    const warmToken = await s.token('sefton-sscp-csc-practitioner');
    const warm = await s.api.request('POST', '/escalations', {
      token: warmToken,
      body: raiseBody('sefton-sscp', 'sefton-sscp', 'thresholds', `COST-WARMUP-${process.pid}`),
    });
    if (warm.status !== 201) throw new Error(`warm-up raise: ${warm.status} ${JSON.stringify(warm.body)}`);
    await sleep(3000);
    await s.api.request('POST', `/escalations/${warm.body.id}/withdraw`, { token: warmToken, body: {} });
    await sleep(10_000);

    // The stack's idle CPU: pollers and timers that run whatever the escalations do. Read before
    // the protocols and again after them; the lower of the two (the settled floor) is subtracted.
    const measureIdle = async () => {
      const idle0 = cpuNow(s);
      const idleT0 = Date.now();
      await sleep(IDLE_SECONDS * 1000);
      const idleSpan = (Date.now() - idleT0) / 1000;
      const rate = Object.fromEntries(
        Object.entries(minus(cpuNow(s), idle0)).map(([k, v]) => [k, v / idleSpan]),
      );
      console.log(
        `idle CPU (ms per second): ${Object.entries(rate)
          .map(([k, v]) => `${k} ${fmt(v * 1000)}`)
          .join(', ')}`,
      );
      return rate;
    };
    const idleBefore = await measureIdle();
    const idleRate = idleBefore;
    const results: Awaited<ReturnType<typeof runProtocol>>[] = [];
    for (const p of PROTOCOLS) {
      const r = await runProtocol(s, meter, p, idleRate);
      results.push(r);
      const c = r.perEscalation.cpuMsNet;
      console.log(
        `${p.id}: ${r.escalations} in ${fmt(r.windowSeconds, 0)} s; per escalation net CPU ms api ${c.api} worker ${c.worker} notifier ${c.notifier} temporal ${c.temporal} postgres ${c.postgres}; history ${r.perEscalation.historyEvents} events ${r.perEscalation.historyBytes} B; emails ${r.perEscalation.emails}; failures ${r.failures.length}${r.failures.length ? ` (${r.failures[0]})` : ''}`,
      );
    }
    await sleep(10_000);
    const idleAfter = await measureIdle();
    const idleFloor = Object.fromEntries(
      Object.keys(idleBefore).map((k) => [k, Math.min(idleBefore[k], idleAfter[k] ?? idleBefore[k])]),
    );
    for (const r of results)
      r.perEscalation.cpuMsNet = Object.fromEntries(
        Object.entries(r.perEscalation.cpuMsGross).map(([k, ms]) => [
          k,
          k === 'bench'
            ? ms
            : Math.round(ms - ((idleFloor[k] ?? 0) * r.windowSeconds * 1000) / Math.max(1, r.escalations)),
        ]),
      );
    const serverLabel =
      TEMPORAL === 'production'
        ? 'Temporal server v1.29.1 on Postgres (infra/temporal-server/, 4 history shards, its databases on the stack Postgres)'
        : 'Temporal CLI dev server (SQLite file)';
    const command = `node -r ./infra/runtime/register.js bench/cost.ts --temporal ${TEMPORAL} --k ${K} --tier-seconds ${TIER_SECONDS} --idle-seconds ${IDLE_SECONDS}${args.protocols ? ` --protocols ${args.protocols}` : ''}`;
    const result = {
      benchmark: 'cost',
      at: new Date().toISOString(),
      commit: gitCommit(),
      command,
      machine: { ...machine(), loadAtStart },
      setup: {
        temporal: serverLabel,
        escalationsPerProtocol: K,
        tierSeconds: TIER_SECONDS,
        processes:
          'API (bench/support/api-main.ts), worker (bench/support/worker-main.ts: tiers due after --tier-seconds), notifier (its main.ts), each its own process; Postgres fsync on',
        idleCpuMsPerSecond: Object.fromEntries(
          Object.entries(idleFloor).map(([k, v]) => [k, Math.round(v * 10000) / 10]),
        ),
        idleCpuMsPerSecondBefore: Object.fromEntries(
          Object.entries(idleBefore).map(([k, v]) => [k, Math.round(v * 10000) / 10]),
        ),
        idleCpuMsPerSecondAfter: Object.fromEntries(
          Object.entries(idleAfter).map(([k, v]) => [k, Math.round(v * 10000) / 10]),
        ),
        postgresDatabases: meter.databaseNames,
      },
      definitions: {
        cpuMsGross:
          'CPU ms of the process and its children over the protocol window, divided by the escalations',
        cpuMsNet:
          'cpuMsGross less the idle rate (measured first) times the window, divided by the escalations',
        historyBytes:
          'temporal.api.history.v1.History encoded, as fetched from the server (payloads encrypted)',
        postgres:
          'per database: pg_stat_user_tables n_tup_ins/upd/del and pg_total_relation_size deltas, divided by the escalations',
        walBytes: 'pg_current_wal_lsn delta for the whole cluster, divided by the escalations',
      },
      protocols: results,
    };
    const dbNames = meter.databaseNames;
    const rowsOf = (r: (typeof results)[number]) =>
      dbNames.map((db) => `${r.perEscalation.postgres[db]?.inserted ?? 0}`).join(' / ');
    const bytesOf = (r: (typeof results)[number]) =>
      dbNames.map((db) => fmt((r.perEscalation.postgres[db]?.bytes ?? 0) / 1024, 0)).join(' / ');
    const md = `# cost per escalation (${TEMPORAL} server)

${result.at} · commit ${result.commit} · ${result.machine.nproc} cores shared with other sessions · load at start ${loadAtStart.join(' / ')}, at the end ${machine().load.join(' / ')}

\`${command}\`

${serverLabel}. ${K} escalations per protocol, raised through the API, left unanswered so every deadline lapses (each tier due ${TIER_SECONDS} s after it began), withdrawn by the raiser once the last tier is reached (and its deadline, if any, has lapsed). Idle CPU, subtracted for "net" (ms per second, the lower of before and after the protocols): ${JSON.stringify(result.setup.idleCpuMsPerSecond)}.

Per escalation, net CPU ms (gross in brackets):

| protocol | tiers | API | worker | notifier | Temporal | Postgres | all five | history events | history KiB | emails | SMS | failures |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${results
  .map((r) => {
    const n = r.perEscalation.cpuMsNet;
    const g = r.perEscalation.cpuMsGross;
    const all = COMPONENTS.reduce((a, c) => a + n[c], 0);
    const allG = COMPONENTS.reduce((a, c) => a + g[c], 0);
    return `| ${r.protocol} | ${r.tiers} | ${COMPONENTS.map((c) => `${n[c]} (${g[c]})`).join(' | ')} | **${all}** (${allG}) | ${fmt(r.perEscalation.historyEvents, 0)} | ${fmt(r.perEscalation.historyBytes / 1024, 1)} | ${fmt(r.perEscalation.emails, 1)} | ${fmt(r.perEscalation.sms, 1)} | ${r.failures.length} |`;
  })
  .join('\n')}

Postgres per escalation, rows inserted and KiB added by database (${dbNames.join(' / ')}), and WAL:

| protocol | rows inserted | rows updated (all databases) | KiB added | WAL KiB | WAL fsyncs | commits (all databases, reads included) |
| --- | --- | --- | --- | --- | --- | --- |
${results
  .map(
    (r) =>
      `| ${r.protocol} | ${rowsOf(r)} | ${Object.values(r.perEscalation.postgres).reduce((a, d) => a + d.updated, 0)} | ${bytesOf(r)} | ${fmt(r.perEscalation.walBytes / 1024, 0)} | ${fmt(r.perEscalation.walSyncs, 0)} | ${fmt(
        Object.values(r.perEscalation.commits).reduce((a, n) => a + n, 0),
        0,
      )} |`,
  )
  .join('\n')}

Relation sizes grow in 8 KiB pages (and indexes in whole pages too), so "KiB added" over ${K} escalations is coarse; rows and WAL are exact.
`;
    writeResults(args.out ?? `cost-${TEMPORAL}`, result, md);
    console.log(md);
  } finally {
    await meter?.close();
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
