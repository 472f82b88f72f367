/**
 * Chaos run: N `demo` escalations (4 tiers of 2 minutes, unanswered, so each breaches 4 times in
 * 8 minutes) move through their tiers while the worker, the notifier, the API, the Temporal dev
 * server (SQLite file) and Postgres (fsync on) are killed with SIGKILL at random moments, one at a
 * time and then all together, and restarted. Then, once everything has settled, it checks:
 *
 *   1. every escalation row agrees with its workflow (status, tier, breaches, deadline, timeline);
 *   2. no row without its workflow, no workflow without its row, each reference raised once;
 *   3. every expected email was delivered exactly once: the expected (event, tier, person) set
 *      comes from running the domain engine and the notifier's recipient rules for an unanswered
 *      demo escalation, independently of the run; each delivery row's Message-ID
 *      (sha256(delivery key)) must have reached the SMTP server once;
 *   4. the audit chain verifies (GET /audit/verify).
 *
 * A loss or an unexplained duplicate fails the run (exit 1). SMTP is at-least-once across a crash
 * between the server's 250 and the status update (docs/notifications.md): such duplicates are
 * reported apart, with the kill that explains them.
 *
 *   node -r ./infra/runtime/register.js bench/chaos.ts [--n 500] [--raise-seconds 60] [--seed 1]
 *        [--gap-min 20 --gap-max 60]   seconds between kills
 *        [--settle-minutes 30]         bound on the whole run before the checks
 *        [--temporal dev|production]   production: the Postgres-backed server of
 *                                      infra/temporal-server/, its databases on the stack's
 *                                      Postgres, so a Postgres kill takes Temporal's storage too;
 *                                      its kill -9 is restarted by `temporal-server.sh up` on the
 *                                      same databases
 */
import { getProtocol } from '@resolve/protocols';
import {
  applyDeadline,
  fireTimers,
  nextWakeAt,
  startEscalation,
  type Effect,
  type EscalationState,
} from '@resolve/domain';
import type { Audience } from '@resolve/domain';
import { createDeadlineActivities } from '../services/worker/src/activities/deadlines';
import { loadDirectorySnapshot, loadEscalationFacts } from '../services/notifier/src/directory';
import { resolveRecipients } from '../services/notifier/src/recipients';
import {
  gitCommit,
  machine,
  num,
  parseArgs,
  sleep,
  temporalChoice,
  temporalLabel,
  watchdog,
  writeResults,
} from './lib/cli';
import { pool, raiseBody } from './lib/http';
import { messageIdFor } from './lib/smtp';
import { startStack, type ComponentName, type Stack } from './lib/stack';

const args = parseArgs();
const N = num(args, 'n', 500);
const RAISE_SECONDS = num(args, 'raise-seconds', 60);
const SEED = num(args, 'seed', Date.now() % 1_000_000);
const SETTLE_MINUTES = num(args, 'settle-minutes', 30);
const GAP_MIN = num(args, 'gap-min', 20);
const GAP_MAX = num(args, 'gap-max', 60);
const TEMPORAL = temporalChoice(args);
const COMPONENTS: ComponentName[] = ['worker', 'notifier', 'api', 'temporal', 'postgres'];

/** mulberry32: a small seeded PRNG, so a run can be repeated with --seed. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(SEED);
const between = (lo: number, hi: number) => lo + random() * (hi - lo);

const t0 = Date.now();
const log = (s: string) =>
  console.log(`[chaos +${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${s}`);

interface Kill {
  component: ComponentName | 'all';
  killedAt: number;
  restartedAt: number | null;
  downMs: number;
}

// ------------------------------------------------------------------------------------------------
// Raising through the API, through every failure: each reference with its own Idempotency-Key.

async function raiseAll(stack: Stack, refs: string[], stopAt: number) {
  const token = await stack.token('demo-csc-practitioner');
  const outcome = new Map<string, { id: string | null; attempts: number; statuses: string[] }>();
  const start = Date.now();
  await pool(refs, 8, async (reference, i) => {
    const due = start + (i * RAISE_SECONDS * 1000) / refs.length;
    if (Date.now() < due) await sleep(due - Date.now());
    const o = { id: null as string | null, attempts: 0, statuses: [] as string[] };
    outcome.set(reference, o);
    while (Date.now() < stopAt) {
      o.attempts += 1;
      const r = await stack.api.request('POST', '/escalations', {
        token,
        body: raiseBody('demo', 'demo', 'thresholds', reference),
        headers: { 'idempotency-key': `chaos-${reference}` },
        timeoutMs: 20_000,
      });
      const status = r.error ? `error:${r.error.slice(0, 40)}` : String(r.status);
      if (o.statuses[o.statuses.length - 1] !== status) o.statuses.push(status);
      if (r.status === 201) {
        o.id = r.body.id;
        return;
      }
      await sleep(Math.min(5000, 500 * o.attempts));
    }
  });
  return outcome;
}

// ------------------------------------------------------------------------------------------------
// The kills.

/** The Temporal server's exits that nobody asked for (e.g. when Postgres went away under it). */
const temporalExits: { at: number; after: string }[] = [];

async function restartWithRetry(stack: Stack, c: ComponentName, temporalKilledToo = false) {
  for (let attempt = 1; ; attempt++) {
    try {
      await stack.restart(c);
      // The stack does not supervise the Temporal server: if it died with another component
      // (not killed by us), say so and start it again, so the run can go on and the note shows it.
      if (c !== 'temporal' && !temporalKilledToo && !stack.temporalPid()) {
        log(`the Temporal server is gone after the ${c} kill: restarting it`);
        temporalExits.push({ at: Date.now(), after: c });
        await stack.restart('temporal');
      }
      return;
    } catch (err) {
      log(`restart of ${c} failed (attempt ${attempt}): ${String((err as Error).message).slice(0, 200)}`);
      if (attempt >= 5) throw err;
      await sleep(3000);
    }
  }
}

async function chaos(stack: Stack, kills: Kill[]) {
  const order = [...COMPONENTS].sort(() => random() - 0.5);
  await sleep(between(10_000, GAP_MAX * 1000));
  for (const c of order) {
    const downMs = between(1000, 6000);
    log(`kill -9 ${c}`);
    const k: Kill = { component: c, killedAt: Date.now(), restartedAt: null, downMs };
    kills.push(k);
    stack.kill9(c);
    await sleep(downMs);
    await restartWithRetry(stack, c);
    k.restartedAt = Date.now();
    log(`${c} back after ${((k.restartedAt - k.killedAt) / 1000).toFixed(1)} s`);
    await sleep(between(GAP_MIN * 1000, GAP_MAX * 1000));
  }
  const downMs = between(2000, 6000);
  log('kill -9 all five together');
  const k: Kill = { component: 'all', killedAt: Date.now(), restartedAt: null, downMs };
  kills.push(k);
  for (const c of [...COMPONENTS].sort(() => random() - 0.5)) stack.kill9(c);
  await sleep(downMs);
  await restartWithRetry(stack, 'postgres', true);
  await restartWithRetry(stack, 'temporal');
  await Promise.all((['worker', 'notifier', 'api'] as const).map((c) => restartWithRetry(stack, c)));
  k.restartedAt = Date.now();
  log(`all back after ${((k.restartedAt - k.killedAt) / 1000).toFixed(1)} s`);
}

// ------------------------------------------------------------------------------------------------
// The oracle: which emails an unanswered demo escalation must produce, from the domain engine and
// the notifier's recipient rules, run here without the stack.

async function expectedEmails(
  stack: Stack,
  sampleEscalationId: string,
): Promise<{ all: Map<string, number>; byEvent: Map<string, string[]> }> {
  const protocol = getProtocol('demo');
  const deadlines = createDeadlineActivities();
  const raisedAt = new Date('2030-01-07T10:00:00Z');
  const { state, effects } = startEscalation(
    {
      escalationId: sampleEscalationId,
      reference: 'ORACLE-1',
      partnershipId: 'demo',
      protocol,
      raisedAt: raisedAt.toISOString(),
      category: 'thresholds',
      immediateRisk: false,
      raisingAgencyId: 'demo-csc',
      receivingAgencyId: 'demo-police',
      raisedBy: {
        personId: 'demo-csc-practitioner',
        agencyId: 'demo-csc',
        role: 'practitioner',
        side: 'raising',
      },
      actionId: '00000000-0000-4000-a000-000000000000',
    } as Parameters<typeof startEscalation>[0],
    raisedAt,
  );
  const notifies: { event: string; tier: number; audience: Audience }[] = [];
  const queue: Effect[] = [...effects];
  let now = raisedAt;
  for (let step = 0; step < 100; step++) {
    while (queue.length) {
      const e = queue.shift()!;
      if (e.type === 'compute-deadline') {
        const { type: _t, ...request } = e;
        queue.push(
          ...applyDeadline(
            state as EscalationState,
            await deadlines.computeDeadline({ ...request, protocol }),
            now,
          ),
        );
      } else if (e.type === 'notify') {
        notifies.push({ event: e.event, tier: e.tier, audience: e.audience });
      }
    }
    const wake = nextWakeAt(state);
    if (!wake) break;
    now = new Date(wake);
    queue.push(...fireTimers(protocol, state, now));
  }
  const facts = await loadEscalationFacts(stack.db, sampleEscalationId);
  if (!facts) throw new Error('oracle: sample escalation not found');
  const directory = await loadDirectorySnapshot(stack.db, facts);
  const all = new Map<string, number>();
  const byEvent = new Map<string, string[]>();
  for (const n of notifies) {
    const people = resolveRecipients(directory, facts, n.audience).map((r) => r.person.id);
    byEvent.set(`${n.event}|t${n.tier}`, people);
    for (const personId of people) {
      const k = `${n.event}|t${n.tier}|${personId}`;
      all.set(k, (all.get(k) ?? 0) + 1);
    }
  }
  return { all, byEvent };
}

/** Timeline entry types that carry a notification, and the notification's event. */
const NOTIFYING: Record<string, string> = {
  raised: 'escalation-raised',
  'tier-entered': 'tier-entered',
  informed: 'informed',
  'deadline-reminder': 'deadline-reminder',
  'deadline-breached': 'deadline-breached',
};

// ------------------------------------------------------------------------------------------------

async function settle(stack: Stack, ids: string[], deadline: number) {
  let last = '';
  let stableRows = -1;
  while (Date.now() < deadline) {
    try {
      const [{ done }] = await stack.db.query(
        `SELECT count(*)::int AS done FROM escalation WHERE id = ANY($1::uuid[]) AND breaches >= 4`,
        [ids],
      );
      const [{ rows, sent }] = await stack.db.query(
        `SELECT count(*)::int AS rows, count(*) FILTER (WHERE status IN ('sent', 'delivered'))::int AS sent
           FROM notification_delivery WHERE escalation_id = ANY($1::uuid[])`,
        [ids],
      );
      const state = `escalations through tier 4: ${done}/${ids.length}; delivery rows ${rows}, sent ${sent}; SMTP accepted ${stack.smtp.mails.length}`;
      if (state !== last) log(state);
      last = state;
      // Settled: every escalation past its last breach, every row sent, and no new row for a poll.
      if (done >= ids.length && sent >= rows && rows === stableRows) {
        await sleep(15_000); // anything still in flight (a retried activity) lands
        return true;
      }
      stableRows = done >= ids.length && sent >= rows ? rows : -1;
    } catch (err) {
      log(`settle poll failed: ${String((err as Error).message).slice(0, 120)}`);
    }
    await sleep(10_000);
  }
  return false;
}

async function main() {
  let stack: Stack | null = null;
  watchdog((SETTLE_MINUTES + 20) * 60_000, async () => stack?.stop());
  log(`seed ${SEED}; ${N} demo escalations over ${RAISE_SECONDS} s`);
  const loadAtStart = machine().load;
  stack = await startStack({
    name: `chaos-${TEMPORAL}`,
    temporal: TEMPORAL,
    apiEntry: 'main',
    supervise: true,
    durable: true,
    temporalDb: true,
    log,
  });
  const s = stack;
  const failures: string[] = [];
  const notes: string[] = [];
  const kills: Kill[] = [];
  try {
    const refs = Array.from({ length: N }, (_, i) => `CH-${SEED}-${i}`);
    const hardStop = Date.now() + SETTLE_MINUTES * 60_000;
    const [outcome] = await Promise.all([raiseAll(s, refs, hardStop), chaos(s, kills)]);
    const notRaised = refs.filter((r) => !outcome.get(r)?.id);
    if (notRaised.length)
      failures.push(`${notRaised.length} references never got a 201 (first: ${notRaised[0]})`);
    const retried = [...outcome.values()].filter((o) => o.attempts > 1);
    log(`raised ${N - notRaised.length}/${N}; ${retried.length} needed retries`);

    // The row ids come from Postgres (a raise answered by nobody still wrote its row).
    const rows: { id: string; reference: string; workflow_id: string }[] = await s.db.query(
      `SELECT id, reference, workflow_id FROM escalation WHERE partnership_id = 'demo' AND reference LIKE $1`,
      [`CH-${SEED}-%`],
    );
    const ids = rows.map((r) => r.id);
    const oracle = await expectedEmails(s, ids[0]);
    const expected = oracle.all;
    const perEscalation = [...expected.values()].reduce((a, b) => a + b, 0);
    log(
      `oracle: ${perEscalation} emails per unanswered demo escalation when every reminder fires (${expected.size} distinct event/tier/person)`,
    );
    const settled = await settle(s, ids, hardStop);
    if (!settled) failures.push(`did not settle within ${SETTLE_MINUTES} minutes`);

    // ---- 2. rows ↔ workflows
    log('checking rows against workflows');
    const byRef = new Map<string, number>();
    for (const r of rows) byRef.set(r.reference, (byRef.get(r.reference) ?? 0) + 1);
    for (const ref of refs)
      if ((byRef.get(ref) ?? 0) !== 1) failures.push(`reference ${ref}: ${byRef.get(ref) ?? 0} rows`);
    const workflowIds = new Set<string>();
    for await (const wf of s.temporal.workflow.list({ query: `WorkflowType = "escalationWorkflow"` }))
      workflowIds.add(wf.workflowId);
    const rowWorkflowIds = new Set(rows.map((r) => r.workflow_id));
    const orphanWorkflows = [...workflowIds].filter(
      (w) => w.startsWith(`escalation-demo-CH-${SEED}-`) && !rowWorkflowIds.has(w),
    );
    if (orphanWorkflows.length)
      failures.push(`${orphanWorkflows.length} workflows without a row (first: ${orphanWorkflows[0]})`);

    // ---- 1. each row against its workflow's own state
    const mismatches: string[] = [];
    const rowsWithoutWorkflow: string[] = [];
    const dbRows: Record<string, Record<string, unknown>> = {};
    const snapshots = new Map<string, EscalationState>();
    for (const r of await s.db.query(
      `SELECT e.id, e.status, e.tier_number, e.breaches, e.current_due_at, e.state_seq, e.workflow_state, e.workflow_id,
              (SELECT count(*)::int FROM escalation_event v WHERE v.escalation_id = e.id) AS events
         FROM escalation e WHERE e.id = ANY($1::uuid[])`,
      [ids],
    ))
      dbRows[r.id] = r;
    await pool(rows, 8, async (r) => {
      const row = dbRows[r.id];
      const handle = s.temporal.workflow.getHandle(r.workflow_id);
      let snap: EscalationState;
      try {
        const d = await handle.describe();
        if (d.status.name !== 'RUNNING') mismatches.push(`${r.reference}: workflow ${d.status.name}`);
        snap = (await handle.query('snapshot')) as EscalationState;
        snapshots.set(r.id, snap);
      } catch (err) {
        rowsWithoutWorkflow.push(`${r.reference}: ${String((err as Error).message).slice(0, 100)}`);
        return;
      }
      const dueAt = snap.tier.metAt || snap.closedAt ? null : snap.tier.dueAt;
      const rowDue = row.current_due_at ? new Date(row.current_due_at as string).toISOString() : null;
      const diffs: string[] = [];
      if (row.status !== snap.status) diffs.push(`status ${row.status}≠${snap.status}`);
      if (row.tier_number !== snap.tier.number) diffs.push(`tier ${row.tier_number}≠${snap.tier.number}`);
      if (row.breaches !== snap.breaches) diffs.push(`breaches ${row.breaches}≠${snap.breaches}`);
      if (rowDue !== dueAt) diffs.push(`dueAt ${rowDue}≠${dueAt}`);
      if (Number(row.state_seq) !== snap.timeline.length)
        diffs.push(`state_seq ${row.state_seq}≠${snap.timeline.length}`);
      if (row.events !== snap.timeline.length)
        diffs.push(`timeline rows ${row.events}≠${snap.timeline.length}`);
      if (row.workflow_state !== 'started') diffs.push(`workflow_state ${row.workflow_state}`);
      if (snap.breaches !== 4) diffs.push(`workflow has ${snap.breaches} breaches, not 4`);
      if (diffs.length) mismatches.push(`${r.reference}: ${diffs.join(', ')}`);
    });
    if (rowsWithoutWorkflow.length)
      failures.push(
        `${rowsWithoutWorkflow.length} rows without a workflow (first: ${rowsWithoutWorkflow[0]})`,
      );
    if (mismatches.length)
      failures.push(`${mismatches.length} rows disagree with their workflow (first: ${mismatches[0]})`);

    // ---- 3. emails
    log('checking emails');
    const deliveries: {
      escalation_id: string;
      delivery_key: string;
      event: string;
      tier: number;
      recipient_person_id: string;
      channel: string;
      status: string;
      attempts: number;
      updated_at: Date;
    }[] = await s.db.query(
      `SELECT escalation_id, delivery_key, event, tier, recipient_person_id, channel, status, attempts, updated_at
           FROM notification_delivery WHERE escalation_id = ANY($1::uuid[])`,
      [ids],
    );
    const missing: string[] = [];
    const extra: string[] = [];
    const notSent: string[] = [];
    const lost: string[] = [];
    const documentedDuplicates: { key: string; times: number; attempts: number; cause: string }[] = [];
    const unexplainedDuplicates: string[] = [];
    const perEsc = new Map<string, Map<string, number>>();
    const knownIds = new Set<string>();
    for (const d of deliveries) {
      const m = perEsc.get(d.escalation_id) ?? new Map<string, number>();
      const k = `${d.event}|t${d.tier}|${d.recipient_person_id}`;
      m.set(k, (m.get(k) ?? 0) + 1);
      perEsc.set(d.escalation_id, m);
      if (d.channel !== 'email') continue;
      const mid = messageIdFor(d.delivery_key);
      knownIds.add(mid);
      const received = s.smtp.byMessageId(mid);
      if (d.status !== 'sent' && d.status !== 'delivered') notSent.push(`${d.delivery_key} (${d.status})`);
      if (received.length === 0) lost.push(d.delivery_key);
      if (received.length > 1) {
        // Documented at-least-once: a kill of the notifier or Postgres between the two receipts.
        const first = received[0].receivedAt;
        const last = received[received.length - 1].receivedAt;
        const cause = kills.find(
          (k) =>
            ['notifier', 'postgres', 'all'].includes(k.component) &&
            k.killedAt >= first - 1000 &&
            k.killedAt <= last,
        );
        if (cause && d.attempts > 1) {
          documentedDuplicates.push({
            key: d.delivery_key,
            times: received.length,
            attempts: d.attempts,
            cause: `kill -9 ${cause.component} at +${((cause.killedAt - t0) / 1000).toFixed(1)} s (${cause.killedAt - first} ms from the first 250); sent again on attempt ${d.attempts}`,
          });
        } else {
          unexplainedDuplicates.push(`${d.delivery_key} ×${received.length} (attempts ${d.attempts})`);
        }
      }
    }
    // What each escalation must have sent: the oracle's recipients for every notifying entry of
    // the workflow's own timeline. The engine drops a halfway reminder in two cases, both by
    // design (a reminder that the deadline is near, sent after it passed, would mislead):
    //   - its instant had passed when the tier's deadline was computed (applyDeadline keeps only
    //     future reminders);
    //   - the workflow first ran after the reminder's instant only at or after the deadline
    //     (fireTimers records the breach instead): its timer fired on time, but the workflow task
    //     waited for a worker (killed, or busy) until the deadline had passed.
    // Each skip is checked against these two, the second from the workflow's own history (the
    // start time of the first completed workflow task at or after the reminder's instant, which
    // is the workflow's clock); any other missing reminder is a loss.
    let expectedTotal = 0;
    let remindersSkipped = 0;
    const skipReasons = {
      'deadline computed after the reminder instant': 0,
      'first workflow task after the reminder instant ran at or after the deadline': 0,
    };
    const unexplainedSkips: string[] = [];
    const firstTaskAtOrAfter = async (workflowId: string, atMs: number): Promise<number | null> => {
      const events = (await s.temporal.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
      const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
        Number(String(t?.seconds ?? 0)) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);
      const startedAt = new Map<string, number>();
      for (const e of events) {
        if (e.workflowTaskStartedEventAttributes) startedAt.set(String(e.eventId), ms(e.eventTime));
        const done = e.workflowTaskCompletedEventAttributes;
        if (done) {
          const t = startedAt.get(String(done.startedEventId));
          if (t !== undefined && t >= atMs) return t;
        }
      }
      return null;
    };
    for (const id of ids) {
      const snap = snapshots.get(id);
      if (!snap) continue;
      const want = new Map<string, number>();
      for (const e of snap.timeline) {
        const event = NOTIFYING[e.type];
        if (!event) continue;
        for (const personId of oracle.byEvent.get(`${event}|t${e.tier}`) ?? []) {
          const k = `${event}|t${e.tier}|${personId}`;
          want.set(k, (want.get(k) ?? 0) + 1);
        }
      }
      for (let tier = 1; tier <= 4; tier++) {
        if (snap.timeline.some((e) => e.type === 'deadline-reminder' && e.tier === tier)) continue;
        remindersSkipped += 1;
        const entered = snap.timeline.find((e) => e.type === 'tier-entered' && e.tier === tier);
        const set = snap.timeline.find((e) => e.type === 'deadline-set' && e.tier === tier);
        const due = set ? Date.parse(String((set.detail as { dueAt?: string }).dueAt)) : NaN;
        const halfway = entered ? Date.parse(entered.at) + (due - Date.parse(entered.at)) / 2 : NaN;
        if (set && Date.parse(set.at) >= halfway) {
          skipReasons['deadline computed after the reminder instant'] += 1;
          continue;
        }
        const ranAt = set ? await firstTaskAtOrAfter(String(dbRows[id].workflow_id), halfway) : null;
        if (ranAt !== null && ranAt >= due)
          skipReasons['first workflow task after the reminder instant ran at or after the deadline'] += 1;
        else
          unexplainedSkips.push(
            `${id} tier ${tier} (first task after the reminder instant at ${ranAt === null ? 'none' : new Date(ranAt).toISOString()}, due ${new Date(due).toISOString()})`,
          );
      }
      expectedTotal += [...want.values()].reduce((a, b) => a + b, 0);
      const got = perEsc.get(id) ?? new Map<string, number>();
      for (const [k, n] of want) if ((got.get(k) ?? 0) < n) missing.push(`${id} ${k}`);
      for (const [k, n] of got) if (n > (want.get(k) ?? 0)) extra.push(`${id} ${k} ×${n}`);
    }
    if (unexplainedSkips.length)
      failures.push(
        `${unexplainedSkips.length} halfway reminders missing from timelines for no reason the engine has (first: ${unexplainedSkips[0]})`,
      );
    if (remindersSkipped) {
      const why = Object.entries(skipReasons)
        .filter(([, n]) => n > 0)
        .map(([reason, n]) => `${n}: ${reason}`)
        .join('; ');
      notes.push(
        `${remindersSkipped} of ${ids.length * 4} halfway reminders were dropped by the engine's rules (${why}); their emails are not expected`,
      );
    }
    const strangers = s.smtp.mails.filter((m) => !knownIds.has(m.messageId));
    if (missing.length)
      failures.push(`${missing.length} expected emails with no delivery row (first: ${missing[0]})`);
    if (extra.length) failures.push(`${extra.length} unexpected delivery rows (first: ${extra[0]})`);
    if (notSent.length) failures.push(`${notSent.length} delivery rows not sent (first: ${notSent[0]})`);
    if (lost.length)
      failures.push(`${lost.length} deliveries marked but never received by SMTP (first: ${lost[0]})`);
    if (unexplainedDuplicates.length)
      failures.push(
        `${unexplainedDuplicates.length} unexplained duplicate emails (first: ${unexplainedDuplicates[0]})`,
      );
    if (strangers.length)
      failures.push(
        `${strangers.length} emails at SMTP with no delivery row (first: ${strangers[0].messageId} "${strangers[0].subject}")`,
      );
    if (documentedDuplicates.length) {
      notes.push(
        `${documentedDuplicates.length} documented SMTP at-least-once duplicate(s) (crash between the 250 reply and the status update; docs/notifications.md)`,
      );
    }

    // ---- 4. audit chain
    let audit: unknown = null;
    const verify = await s.api.request('GET', '/audit/verify', {
      token: await s.token('demo-business-manager'),
      timeoutMs: 120_000,
    });
    if (verify.status === 404) notes.push('GET /audit/verify not present: audit chain not checked');
    else if (verify.status !== 200)
      failures.push(
        `GET /audit/verify answered ${verify.status}: ${JSON.stringify(verify.body).slice(0, 200)}`,
      );
    else {
      audit = verify.body;
      if (!verify.body.ok) failures.push(`audit chain broken: ${JSON.stringify(verify.body)}`);
    }

    const exitedByThemselves = s.events.filter((e) => e.what === 'exited');
    if (exitedByThemselves.length) {
      notes.push(
        `services that exited by themselves and were restarted by the supervisor: ${exitedByThemselves.map((e) => `${e.service} at +${((e.at - t0) / 1000).toFixed(0)} s (${e.detail})`).join('; ')}`,
      );
    }
    if (temporalExits.length)
      notes.push(
        `the Temporal server exited by itself (not killed by the run) and was started again: ${temporalExits.map((e) => `after the ${e.after} kill, at +${((e.at - t0) / 1000).toFixed(0)} s`).join('; ')}`,
      );
    const result = {
      benchmark: 'chaos',
      at: new Date().toISOString(),
      commit: gitCommit(),
      command: `node -r ./infra/runtime/register.js bench/chaos.ts --n ${N} --raise-seconds ${RAISE_SECONDS} --seed ${SEED} --gap-min ${GAP_MIN} --gap-max ${GAP_MAX} --temporal ${TEMPORAL}`,
      machine: { ...machine(), loadAtStart },
      temporal: temporalLabel(TEMPORAL),
      passed: failures.length === 0,
      failures,
      notes,
      escalations: { wanted: N, rows: rows.length, raiseRetries: retried.length, settled },
      oracle: {
        emailsPerEscalationWhenEveryReminderFires: perEscalation,
        expectedFromTimelines: expectedTotal,
        remindersSkipped,
        skipReasons,
        recipients: Object.fromEntries(oracle.byEvent),
      },
      emails: {
        deliveryRows: deliveries.length,
        smtpAccepted: s.smtp.mails.length,
        missing: missing.slice(0, 20),
        extra: extra.slice(0, 20),
        notSent: notSent.slice(0, 20),
        lost: lost.slice(0, 20),
        documentedDuplicates,
        unexplainedDuplicates: unexplainedDuplicates.slice(0, 20),
        strangers: strangers.length,
      },
      rows: {
        mismatches: mismatches.slice(0, 20),
        rowsWithoutWorkflow: rowsWithoutWorkflow.slice(0, 20),
        orphanWorkflows: orphanWorkflows.slice(0, 20),
      },
      audit,
      kills: kills.map((k) => ({
        ...k,
        killedAtS: (k.killedAt - t0) / 1000,
        backAfterS: k.restartedAt ? (k.restartedAt - k.killedAt) / 1000 : null,
      })),
      events: s.events.map((e) => ({ ...e, atS: (e.at - t0) / 1000 })),
      seconds: (Date.now() - t0) / 1000,
    };
    const md = `# chaos

${result.at} · commit ${result.commit} · ${result.machine.nproc} cores shared with other sessions · \`uptime\` load at start ${loadAtStart.join(' / ')}, at the end ${result.machine.load.join(' / ')} · seed ${SEED}

\`${result.command}\`

${result.temporal}.

**${result.passed ? 'PASSED' : 'FAILED'}** in ${result.seconds.toFixed(0)} s: ${rows.length}/${N} demo escalations, each through 4 breaches; ${deliveries.length} delivery rows (${expectedTotal} expected from the workflows' timelines; ${perEscalation} per escalation when every reminder fires), ${s.smtp.mails.length} emails accepted by SMTP.

| kill -9 | at | back after |
| --- | --- | --- |
${result.kills.map((k) => `| ${k.component} | +${k.killedAtS.toFixed(0)} s | ${k.backAfterS?.toFixed(1) ?? 'never'} s |`).join('\n')}

| check | result |
| --- | --- |
| each reference raised exactly once | ${refs.filter((r) => byRef.get(r) !== 1).length === 0 ? 'yes' : 'NO'} (${retried.length} raises needed retries) |
| rows agree with their workflows | ${mismatches.length === 0 ? 'yes' : `NO: ${mismatches.length}`} |
| rows without workflow / workflows without row | ${rowsWithoutWorkflow.length} / ${orphanWorkflows.length} |
| expected emails missing | ${missing.length} |
| unexpected delivery rows | ${extra.length} |
| rows not sent / never received | ${notSent.length} / ${lost.length} |
| duplicates: documented SMTP at-least-once | ${documentedDuplicates.length} |
| duplicates: unexplained | ${unexplainedDuplicates.length} |
| audit chain | ${audit ? JSON.stringify(audit) : verify.status === 404 ? 'no /audit/verify' : `answered ${verify.status}`} |

${failures.length ? `Failures:\n${failures.map((f) => `- ${f}`).join('\n')}\n` : ''}${notes.length ? `\nNotes:\n${notes.map((f) => `- ${f}`).join('\n')}\n` : ''}${documentedDuplicates.length ? `\nDocumented duplicates:\n${documentedDuplicates.map((d) => `- ${d.key} ×${d.times}: ${d.cause}`).join('\n')}\n` : ''}`;
    writeResults(args.out ?? (TEMPORAL === 'dev' ? 'chaos' : `chaos-${TEMPORAL}`), result, md);
    console.log(md);
  } finally {
    await s.stop();
  }
  process.exit(failures.length === 0 ? 0 : 1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
