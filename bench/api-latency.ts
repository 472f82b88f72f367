/**
 * API latency at a fixed request rate (open loop: request i is sent at t0 + i/rate whether or not
 * earlier ones have answered, so a slow server cannot slow the load down and hide its own delay).
 * Two phases: GET /escalations/:id of one escalation, then POST /escalations/:id/notes. Latency is
 * measured from the scheduled send instant (includes any queueing in the client) and, apart,
 * from the actual send.
 *
 *   node -r ./infra/runtime/register.js bench/api-latency.ts [--rate 100] [--seconds 30] [--note-targets 10]
 *     [--temporal dev|production] [--out name]
 *
 * The API runs in its own process from bench/support/api-main.ts: main.ts's wiring with the
 * per-client rate limit lifted (main.ts allows one client address 1,200 requests a minute).
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
import { pool, raiseBody, type HttpResult } from './lib/http';
import { cpuDelta, stackCpu, startStack, type Stack } from './lib/stack';
import { fmt, summarise } from './lib/stats';

const args = parseArgs();
const RATE = num(args, 'rate', 100);
const SECONDS = num(args, 'seconds', 30);
const NOTE_TARGETS = num(args, 'note-targets', 10);
const TEMPORAL = temporalChoice(args);
const TARGET_P99_MS = 50;

async function fixedRate(
  stack: Stack,
  rate: number,
  seconds: number,
  request: (i: number) => Promise<HttpResult>,
) {
  const cpuBefore = stackCpu(stack);
  const total = Math.round(rate * seconds);
  const fromSchedule: number[] = [];
  const fromSend: number[] = [];
  const statuses: Record<string, number> = {};
  const t0 = performance.now() + 50;
  const pending: Promise<void>[] = [];
  let lateSends = 0;
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    if (performance.now() - due > 5) lateSends += 1;
    pending.push(
      request(i).then((r) => {
        fromSend.push(r.ms);
        fromSchedule.push(performance.now() - due);
        const k = r.error ? `error: ${r.error}` : String(r.status);
        statuses[k] = (statuses[k] ?? 0) + 1;
      }),
    );
  }
  const sentIn = (performance.now() - t0) / 1000;
  await Promise.all(pending);
  const doneIn = (performance.now() - t0) / 1000;
  return {
    cpuSeconds: cpuDelta(cpuBefore, stackCpu(stack)),
    requests: total,
    targetRate: rate,
    achievedSendRate: total / sentIn,
    achievedCompletionRate: total / doneIn,
    lateSends,
    statuses,
    latencyMs: summarise(fromSchedule),
    serviceMs: summarise(fromSend),
  };
}

async function main() {
  let stack: Stack | null = null;
  watchdog(15 * 60_000, async () => stack?.stop());
  const quiet = await waitForQuiet(Number(args['max-load'] ?? 1.5), Number(args['quiet-wait'] ?? 600) * 1000);
  const loadAtStart = machine().load;
  stack = await startStack({ name: `latency-${TEMPORAL}`, apiEntry: 'bench', temporal: TEMPORAL });
  const s = stack;
  try {
    const token = await s.token('sefton-sscp-csc-practitioner');
    const raise = (ref: string) =>
      s.api.request('POST', '/escalations', {
        token,
        body: raiseBody('sefton-sscp', 'sefton-sscp', 'thresholds', ref),
      });
    const target = await raise(`LAT-READ-${process.pid}`);
    if (target.status !== 201)
      throw new Error(`raise failed: ${target.status} ${JSON.stringify(target.body)}`);
    const noteTargets = await pool(
      Array.from({ length: NOTE_TARGETS }, (_, i) => `LAT-NOTE-${process.pid}-${i}`),
      4,
      async (ref) => {
        const r = await raise(ref);
        if (r.status !== 201) throw new Error(`raise failed: ${r.status}`);
        return r.body.id as string;
      },
    );
    const id = target.body.id as string;
    // Warm up both paths (JIT, pools) and let the raises' notifications drain.
    for (let i = 0; i < 50; i++) await s.api.request('GET', `/escalations/${id}`, { token });
    for (let i = 0; i < 20; i++)
      await s.api.request('POST', `/escalations/${noteTargets[i % NOTE_TARGETS]}/notes`, {
        token,
        body: { text: `warm-up ${i}` },
      });
    await sleep(5000);
    const loadBefore = machine().load;
    console.log(`GET /escalations/:id at ${RATE}/s for ${SECONDS} s`);
    const read = await fixedRate(s, RATE, SECONDS, () =>
      s.api.request('GET', `/escalations/${id}`, { token }),
    );
    console.log(
      `  p50 ${fmt(read.latencyMs.p50)} ms, p99 ${fmt(read.latencyMs.p99)} ms, statuses ${JSON.stringify(read.statuses)}`,
    );
    await sleep(5000);
    console.log(`POST /escalations/:id/notes at ${RATE}/s for ${SECONDS} s over ${NOTE_TARGETS} escalations`);
    // When each note was answered (wall clock, as Postgres's), to time its way to the workflow.
    const answeredAt = new Map<string, number>();
    const note = await fixedRate(s, RATE, SECONDS, (i) =>
      s.api
        .request('POST', `/escalations/${noteTargets[i % NOTE_TARGETS]}/notes`, {
          token,
          body: { text: `Bench note ${i}: spoke to the duty manager.` },
        })
        .then((r) => {
          if (r.status === 200 && typeof r.body?.actionId === 'string')
            answeredAt.set(r.body.actionId, Date.now());
          return r;
        }),
    );
    console.log(
      `  p50 ${fmt(note.latencyMs.p50)} ms, p99 ${fmt(note.latencyMs.p99)} ms, statuses ${JSON.stringify(note.statuses)}`,
    );
    // Did every note reach its workflow and the timeline? (bounded wait)
    let noted = 0;
    for (let t = 0; t < 30; t++) {
      const [{ n }] = await s.db.query(
        `SELECT count(*)::int AS n FROM escalation_event WHERE type = 'note-added' AND escalation_id = ANY($1::uuid[])`,
        [noteTargets],
      );
      noted = n;
      if (t % 5 === 0) console.log(`  notes in timelines: ${noted}`);
      if (noted >= note.requests + 20) break;
      await sleep(2000);
    }
    // Compare with the workflows themselves: notes the workflow holds but Postgres does not show.
    let inWorkflows = 0;
    for (const target of noteTargets) {
      const [row] = await s.db.query(`SELECT workflow_id FROM escalation WHERE id = $1`, [target]);
      const snap = (await s.temporal.workflow.getHandle(row.workflow_id).query('snapshot')) as {
        timeline: { type: string }[];
      };
      inWorkflows += snap.timeline.filter((e) => e.type === 'note-added').length;
    }
    console.log(`  notes in the workflows' own state: ${inWorkflows}; in Postgres: ${noted}`);
    const delivery = await noteDelivery(s, answeredAt);
    console.log(
      `  answered -> signalled p50 ${fmt(delivery.signalledMs.p50)} / p99 ${fmt(delivery.signalledMs.p99)} ms; -> applied in the workflow p50 ${fmt(delivery.inWorkflowMs.p50)} / p99 ${fmt(delivery.inWorkflowMs.p99)} ms; -> in the Postgres timeline p50 ${fmt(delivery.inTimelineMs.p50)} / p99 ${fmt(delivery.inTimelineMs.p99)} ms`,
    );
    const loadAfter = machine().load;
    const [{ history }] = await s.db.query(
      `SELECT count(*)::int AS history FROM escalation_event WHERE escalation_id = $1`,
      [id],
    );
    const result = {
      benchmark: 'api-latency',
      at: new Date().toISOString(),
      commit: gitCommit(),
      command: `node -r ./infra/runtime/register.js bench/api-latency.ts --rate ${RATE} --seconds ${SECONDS} --note-targets ${NOTE_TARGETS} --temporal ${TEMPORAL}`,
      machine: { ...machine(), loadAtStart, loadBefore, loadAfter, quietWait: quiet },
      setup: {
        temporal: temporalLabel(TEMPORAL),
        api: 'bench/support/api-main.ts in its own process (main.ts wiring; rate limit lifted); every request is authenticated (ES256 JWT) and audited (hash-chained audit_log row)',
        readTarget: `one sefton-sscp escalation with ${history} timeline entries`,
        noteTargets: `${NOTE_TARGETS} sefton-sscp escalations, round robin`,
        client: 'open-loop fixed-rate generator in node (bench/api-latency.ts), keep-alive, up to 64 sockets',
      },
      read,
      note: {
        ...note,
        notesInTimelineAfterRun: noted,
        notesInWorkflowState: inWorkflows,
        notesSent: note.requests + 20,
        delivery,
      },
      target: {
        p99Ms: TARGET_P99_MS,
        readMet: read.latencyMs.p99 <= TARGET_P99_MS && read.achievedSendRate >= RATE * 0.95,
        noteMet: note.latencyMs.p99 <= TARGET_P99_MS && note.achievedSendRate >= RATE * 0.95,
      },
    };
    const line = (label: string, r: typeof read) =>
      `| ${label} | ${r.requests} | ${fmt(r.achievedSendRate)} | ${fmt(r.achievedCompletionRate)} | ${fmt(r.latencyMs.p50)} | ${fmt(r.latencyMs.p99)} | ${fmt(r.latencyMs.max)} | ${fmt(r.serviceMs.p99)} | ${Object.entries(
        r.statuses,
      )
        .map(([k, v]) => `${k}×${v}`)
        .join(', ')} |`;
    const md = `# api-latency

${result.at} · commit ${result.commit} · ${result.machine.nproc} cores shared with other sessions · \`uptime\` load at start ${loadAtStart.join(' / ')}, before the phases ${loadBefore.join(' / ')}, after ${loadAfter.join(' / ')}

\`${result.command}\`

${result.setup.temporal}.

Open loop at ${RATE} req/s for ${SECONDS} s per phase; latency from the scheduled send instant (ms).

| request | sent | achieved send /s | completed /s | p50 | p99 | max | p99 from actual send | statuses |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${line('GET /escalations/:id', read)}
${line('POST /escalations/:id/notes', note)}

Target p99 ≤ ${TARGET_P99_MS} ms at ${RATE} req/s: GET **${result.target.readMet ? 'met' : 'missed'}**, POST notes **${result.target.noteMet ? 'met' : 'missed'}**.
CPU seconds per phase (${SECONDS} s each): GET ${JSON.stringify(read.cpuSeconds)}; POST notes ${JSON.stringify(note.cpuSeconds)}.

Notes afterwards: ${note.requests + 20} sent (with the warm-up), ${inWorkflows} in the workflows' state, ${noted} in the Postgres timeline (escalation_event).

A note is answered once recorded; the relay signals it in the background. From each note's answer (ms, ${delivery.notes} notes answered 200${delivery.missing ? `; ${delivery.missing} not yet in a timeline, left out` : ''}):

| to | p50 | p99 | max |
| --- | --- | --- | --- |
| signalled and marked (action_record.relayed_at) | ${fmt(delivery.signalledMs.p50)} | ${fmt(delivery.signalledMs.p99)} | ${fmt(delivery.signalledMs.max)} |
| applied in the workflow (its timeline entry's workflow time) | ${fmt(delivery.inWorkflowMs.p50)} | ${fmt(delivery.inWorkflowMs.p99)} | ${fmt(delivery.inWorkflowMs.max)} |
| in the Postgres timeline (the projection's audit row) | ${fmt(delivery.inTimelineMs.p50)} | ${fmt(delivery.inTimelineMs.p99)} | ${fmt(delivery.inTimelineMs.max)} |
`;
    writeResults(args.out ?? (TEMPORAL === 'dev' ? 'api-latency' : `api-latency-${TEMPORAL}`), result, md);
    console.log(md);
  } finally {
    await s.stop();
  }
}

/**
 * How long each answered note took to reach its workflow (issue 16): from the answer to its mark
 * (relayed_at: the signal went), to the workflow's time of applying it (its timeline entry's
 * `at`), and to the commit of the projection that wrote it to Postgres (the timeline's audit row,
 * which fingerprints the entry's seq). One clock: client, API and Postgres share the machine.
 */
async function noteDelivery(s: Stack, answeredAt: Map<string, number>) {
  const rows = (await s.db.query(
    `SELECT a.id,
            extract(epoch FROM a.relayed_at) * 1000 AS relayed,
            extract(epoch FROM e.at) * 1000 AS applied,
            (SELECT extract(epoch FROM min(l.at)) * 1000 FROM audit_log l
              WHERE l.escalation_id = e.escalation_id AND l.action = 'case-record.timeline'
                AND l.detail -> 'fingerprints' ? e.seq::text) AS projected
       FROM action_record a LEFT JOIN escalation_event e ON e.action_id = a.id
      WHERE a.id = ANY($1::uuid[])`,
    [[...answeredAt.keys()]],
  )) as { id: string; relayed: number | null; applied: number | null; projected: number | null }[];
  const since = (r: { id: string }, t: number | null) =>
    t === null ? null : Number(t) - answeredAt.get(r.id)!;
  const of = (pick: (r: (typeof rows)[number]) => number | null) =>
    summarise(rows.map(pick).filter((v): v is number => v !== null));
  return {
    notes: answeredAt.size,
    missing: rows.filter((r) => r.projected === null).length,
    signalledMs: of((r) => since(r, r.relayed)),
    inWorkflowMs: of((r) => since(r, r.applied)),
    inTimelineMs: of((r) => since(r, r.projected)),
  };
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
