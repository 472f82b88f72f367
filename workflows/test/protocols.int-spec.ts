import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  calendarChangedSignal,
  snapshotQuery,
  type EscalationWorkflowResult,
  type NotifyRequest,
} from '@resolve/contracts';
import type { Actor } from '@resolve/domain';
import {
  computeTierDeadline,
  computeTimeline,
  getProtocol,
  routeOf,
  tierAt,
  type Protocol,
  type Tier,
  type TimelineTier,
} from '@resolve/protocols';
import { handWorkingDays } from './hand-calendar';
import {
  lastTierNumber,
  partnership,
  party,
  quiesce,
  raise,
  settle,
  sleepUntil,
  startHarness,
  tierActor,
  routeChoiceArgs,
  chairAppointment,
  tierByKey,
  update,
  type Case,
  type Harness,
  type UpdateName,
} from './harness';

/**
 * Every shipped protocol under the time-skipping server, table-driven: the real workflow, the real
 * bookkeeping activities against a real Postgres, and a notifier that records each NotifyRequest.
 *
 * The test server's clock starts at the machine's "now" and only moves forward, so each case
 * starts at whatever instant the server has reached (T0) and expects the schedule computed from
 * it: `computeTimeline` (the function the CLI uses) and, independently, the totals the documents
 * write, counted by hand in ./hand-calendar.ts. The absolute goldens of the documents' examples
 * are in libs/protocols (timeline.spec.ts) and libs/cli.
 */
jest.setTimeout(90_000);

const PROTOCOL_IDS = [
  'lincolnshire-lscp',
  'lincolnshire-joint-children',
  'lincolnshire-joint-adults',
  'lincolnshire-joint-s117',
  'sefton-sscp',
  'bscb',
  'sutton-lscp',
  'sutton-cp-conference',
  'sutton-strategic',
  'demo',
] as const;

/**
 * The documents' cumulative totals, written out by hand: working days after the day the
 * escalation was raised (or clock minutes for the demo protocol) at which each timed tier is
 * due if nobody acts. `fast`: the same under immediate risk (fast track), from its start tier.
 */
const TOTALS: Record<
  (typeof PROTOCOL_IDS)[number],
  { unit: 'working-days' | 'minutes'; normal: number[]; fast: number[] }
> = {
  // 000 / 001: step 1 "48 hours (2 working days)"; step 2 "within 5 working days of step 1";
  // step 3 2 working days from its start (7); step 4 non-urgent: learning referral, untimed.
  // Fast track: at most 1 working day per step, step 4 urgent meeting date "within 24 hours".
  'lincolnshire-lscp': { unit: 'working-days', normal: [2, 5, 7], fast: [1, 2, 3, 4] },
  'lincolnshire-joint-children': { unit: 'working-days', normal: [2, 5, 7], fast: [1, 2, 3, 4] },
  'lincolnshire-joint-adults': { unit: 'working-days', normal: [2, 5, 7], fast: [1, 2, 3, 4] },
  'lincolnshire-joint-s117': { unit: 'working-days', normal: [2, 5, 7], fast: [1, 2, 3, 4] },
  // 002: "2 working days", "(4 days total)", "(6 days total)", "(11 days total)".
  'sefton-sscp': { unit: 'working-days', normal: [2, 4, 6, 11], fast: [1, 2, 3, 4] },
  // 003: stages of 1, 2, 5 working days, then the Chair's acknowledgement within 2. Fast track
  // from stage 2 (senior management).
  bscb: { unit: 'working-days', normal: [1, 3, 8, 10], fast: [1, 2, 3] },
  // 004 (our timescales): 2, 2, 5, 5 / 1, 2, 2, 5 / 10, 10, untimed (fast track from tier 2).
  'sutton-lscp': { unit: 'working-days', normal: [2, 4, 9, 14], fast: [1, 2, 3, 4] },
  'sutton-cp-conference': { unit: 'working-days', normal: [1, 3, 5, 10], fast: [1, 2, 3, 4] },
  'sutton-strategic': { unit: 'working-days', normal: [10, 20], fast: [1] },
  // demo: 2 clock minutes per tier; fast track from tier 3 with 1 minute each.
  demo: { unit: 'minutes', normal: [2, 4, 6, 8], fast: [1, 2] },
};

const SECOND = 1000;

let h: Harness;
const open: Case[] = [];

beforeAll(async () => {
  h = await startHarness();
}, 120_000);

beforeEach(() => {
  if (process.env.TRACE_CASES)
    process.stderr.write(`>>> ${new Date().toISOString()} ${expect.getState().currentTestName}\n`);
});

afterEach(async () => {
  // A case that ends with its escalation still open (or fails half-way) must not leave timers
  // that would fire during the next case's clock skips.
  while (open.length > 0) {
    const c = open.pop()!;
    await c.handle.terminate('test case finished').catch(() => undefined);
  }
});

afterAll(async () => {
  if (process.env.TRACE_CASES && h)
    process.stderr.write(
      `test server clock at the end: ${new Date(await h.env.currentTimeMs()).toISOString()}\n`,
    );
  await h?.stop();
});

// -----------------------------------------------------------------------------------------------
// Helpers

let refSeq = 0;
async function raiseCase(protocolId: string, options: { immediateRisk?: boolean } = {}): Promise<Case> {
  refSeq += 1;
  const c = await raise(h, protocolId, `PT-${protocolId}-${String(refSeq).padStart(3, '0')}`, options);
  open.push(c);
  return c;
}

const ms = (iso: string | null | undefined) => {
  if (!iso) throw new Error(`expected an instant, got ${String(iso)}`);
  return Date.parse(iso);
};

/** `actual` is at or up to 1 s after `expected` (timers fire a few milliseconds late). */
function expectJustAfter(actual: string | null | undefined, expected: string | number, what: string) {
  const late = ms(actual) - (typeof expected === 'number' ? expected : ms(expected));
  if (!(late >= 0 && late < SECOND)) {
    throw new Error(
      `${what}: ${actual} is ${late} ms after the expected ${new Date(expected).toISOString()}`,
    );
  }
}

function agencyRolesOf(tier: Tier): string[] {
  return [...new Set([...tier.roles.raising, ...tier.roles.receiving])];
}

const sorted = (xs: readonly string[]) => [...xs].sort();

/** The tier-entered alert for `tier` and the `informed` notices its protocol requires. */
function expectTierAlerts(c: Case, tier: Tier) {
  const requests = c.requests();
  const alert = requests.find(
    (r) => r.event === 'tier-entered' && r.tier === tier.number && r.key.endsWith(`:${tier.key}`),
  );
  if (!alert) throw new Error(`no tier-entered request for ${c.protocol.id} tier ${tier.key}`);
  const roles = agencyRolesOf(tier);
  expect(sorted(alert.audience.agencyRoles)).toEqual(sorted(roles.filter((r) => r !== 'practitioner')));
  expect(alert.audience.parties).toBe(roles.includes('practitioner'));
  expect(alert.audience.sides).toEqual(['raising', 'receiving']);
  expect(alert.audience.partnershipRoles).toEqual(expect.arrayContaining(tier.partnershipRoles));
  const route = routeOf(c.protocol, tier);
  for (const inform of tier.inform) {
    if (route?.kind === 'learning-referral') {
      // The learning-referral step is the referral itself: the sub-group chair is told by it.
      const referred = requests.find((r) => r.event === 'learning-referred');
      expect(referred?.audience.partnershipRoles).toEqual(expect.arrayContaining([inform.partnershipRole]));
      continue;
    }
    const informed = requests.find(
      (r) =>
        r.event === 'informed' &&
        r.tier === tier.number &&
        r.key.endsWith(`:${tier.key}:${inform.partnershipRole}`),
    );
    if (!informed)
      throw new Error(`${c.protocol.id} tier ${tier.key}: ${inform.partnershipRole} not informed`);
    expect(informed.audience).toEqual({
      parties: false,
      agencyRoles: [],
      sides: [],
      partnershipRoles: [inform.partnershipRole],
    });
  }
}

/** The totals of TOTALS as instants from t0. */
function handDueAts(
  protocolId: (typeof PROTOCOL_IDS)[number],
  t0: number,
  which: 'normal' | 'fast',
): number[] {
  const t = TOTALS[protocolId];
  return t[which].map((n) => (t.unit === 'minutes' ? t0 + n * 60_000 : handWorkingDays(t0, n)));
}

/**
 * Lets the clock run through `schedule` with nobody acting: at each tier, checks it was entered
 * at the instant the schedule says and alerted the right people; just before its deadline (a minute,
 * or a quarter of a minute-scale tier) nothing has moved; 1 s after, the next tier has been entered (or, at an alert-only last tier, the
 * breach recorded). Returns the state at the last tier reached, or at the last tier before its
 * deadline when `stopAtLast`.
 */
async function runThrough(c: Case, schedule: TimelineTier[], options: { stopAtLast?: boolean } = {}) {
  let state = await settle(c);
  for (let i = 0; i < schedule.length; i++) {
    const step = schedule[i];
    if (process.env.TRACE_CASES) process.stderr.write(`>>> ${new Date().toISOString()} step ${step.key}\n`);
    const tier = tierByKey(c.protocol, step.key);
    const last = i === schedule.length - 1;
    state = await settle(c, (s) => s.tier.key === step.key);
    expect({ tier: state.tier.number, key: state.tier.key, breaches: state.breaches }).toEqual({
      tier: step.tier,
      key: step.key,
      breaches: i,
    });
    expectJustAfter(state.tier.startedAt, step.startsAt, `${c.protocol.id} tier ${step.key} startedAt`);
    expectTierAlerts(c, tier);
    if (step.dueAt === null) {
      expect(state.tier.dueAt).toBeNull();
      return state;
    }
    // Minute-scale tiers count from the tier's actual start, a few ms after the schedule's.
    expectJustAfter(state.tier.dueAt, step.dueAt, `${c.protocol.id} tier ${step.key} dueAt`);
    if (last && options.stopAtLast) return state;

    const due = ms(state.tier.dueAt);
    // "Just before": far enough that the server's clock, which runs at real pace between skips,
    // cannot reach the deadline while a slow machine checks the state.
    await sleepUntil(h, due - Math.min(60 * SECOND, Math.floor((due - ms(state.tier.startedAt)) / 4)));
    state = await settle(c);
    expect({ key: state.tier.key, breaches: state.breaches, status: state.status }).toEqual({
      key: step.key,
      breaches: i,
      status: 'open',
    });

    await sleepUntil(h, due + SECOND);
    if (!last) {
      state = await settle(c, (s) => s.tier.key === schedule[i + 1].key);
      continue;
    }
    // The last tier is alert-only: the breach is reported (to the business manager too) and the
    // case stays where it is.
    state = await settle(c, (s) => s.breaches === i + 1);
    expect({ key: state.tier.key, breaches: state.breaches, status: state.status }).toEqual({
      key: step.key,
      breaches: i + 1,
      status: 'open',
    });
    expectJustAfter(state.tier.breachedAt, due, `${c.protocol.id} tier ${step.key} breachedAt`);
    const breached = c
      .requests()
      .find(
        (r) =>
          (r.event === 'deadline-breached' || r.event === 'route-choice-needed') &&
          r.key.endsWith(`:${step.key}`),
      );
    expect(breached?.audience.partnershipRoles).toEqual(expect.arrayContaining(['business-manager']));
    return state;
  }
  return state;
}

const act = update;

/** The update is refused by its validator with the protocol's reason, and nothing changes. */
async function expectRefused(
  c: Case,
  kind: UpdateName,
  args: Record<string, unknown>,
  code: string,
  reason: RegExp,
) {
  await quiesce(c);
  const before = await c.handle.query(snapshotQuery);
  const err = await act(c, kind, args).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  expect((cause as ApplicationFailure).type).toBe('ActionRefused');
  expect((cause as ApplicationFailure).message).toMatch(reason);
  expect((cause as ApplicationFailure).details).toEqual([code]);
  expect(await c.handle.query(snapshotQuery)).toEqual(before);
}

async function expectResult(c: Case, status: string): Promise<EscalationWorkflowResult> {
  const result = (await c.handle.result()) as EscalationWorkflowResult;
  expect(result.summary.status).toBe(status);
  return result;
}

function requestsOf(c: Case, event: NotifyRequest['event']) {
  return c.requests().filter((r) => r.event === event);
}

async function projectedRow(c: Case) {
  const [row] = await h.db.dataSource.query(
    `SELECT status, tier_number, tier_key, breaches, immediate_risk FROM escalation WHERE id = $1`,
    [c.input.escalationId],
  );
  return row;
}

// -----------------------------------------------------------------------------------------------

describe.each(PROTOCOL_IDS.map((id) => [id]))('%s under the time-skipping server', (protocolId) => {
  const protocol: Protocol = getProtocol(protocolId);
  const last = lastTierNumber(protocol);
  const chair = (c: Case): Actor => partnership(c.input, protocol.finalDecision.by);

  it('nobody acts: each tier is reached at its golden instant and its people are alerted', async () => {
    const c = await raiseCase(protocolId);
    const preview = computeTimeline(protocol, new Date(c.t0), { urgent: false }).tiers;
    // Where people choose the last step's route (Lincolnshire step 4 under ruleset 2), nobody
    // acting means the case waits at the step before, alerted, for their choice.
    const peopleChoose = protocol.finalRouteChosenBy === 'people';
    const schedule = peopleChoose ? preview.filter((s) => !s.route) : preview;
    expect(schedule[0]).toMatchObject({ tier: 1, startsAt: new Date(c.t0).toISOString() });
    // The schedule agrees with the totals counted by hand.
    expect(preview.filter((s) => s.dueAt).map((s) => new Date(ms(s.dueAt)).toISOString())).toEqual(
      handDueAts(protocolId, c.t0, 'normal').map((x) => new Date(x).toISOString()),
    );
    expect(requestsOf(c, 'escalation-raised')).toHaveLength(1);

    const state = await runThrough(c, schedule);
    const end = schedule[schedule.length - 1];
    const endTier = tierByKey(protocol, end.key);
    if (peopleChoose) {
      // The lapse of step 3 neither closes the case nor chooses for the SLOs: it alerts them.
      expect(state.status).toBe('open');
      expect(state.timeline.map((e) => e.type)).toContain('route-choice-awaited');
      expect(requestsOf(c, 'route-choice-needed')).toHaveLength(1);
      expect(requestsOf(c, 'closed')).toHaveLength(0);
    } else if (routeOf(protocol, endTier)?.kind === 'learning-referral') {
      // Lincolnshire step 4, non-urgent: referred to the sub-group for learning, which closes it.
      expect(state.status).toBe('referred-for-learning');
      expect(state.tier.deadlinePending).toBe(false); // no deadline to compute for a referral
      expectJustAfter(state.closedAt, end.startsAt, 'closedAt');
      expectJustAfter(state.learningReferredAt, end.startsAt, 'learningReferredAt');
      expect(requestsOf(c, 'learning-referred')[0].audience.partnershipRoles).toEqual(
        expect.arrayContaining(['sub-group-chair', 'business-manager']),
      );
      expect(requestsOf(c, 'closed')).toHaveLength(1);
      await expectResult(c, 'referred-for-learning');
    } else if (end.dueAt === null) {
      // An untimed last tier waits for a person: nothing more is scheduled.
      expect(state.status).toBe('open');
      await sleepUntil(h, (await h.env.currentTimeMs()) + 30 * 24 * 3600 * SECOND);
      const later = await settle(c);
      expect({ key: later.tier.key, breaches: later.breaches, timeline: later.timeline.length }).toEqual({
        key: end.key,
        breaches: state.breaches,
        timeline: state.timeline.length,
      });
    } else {
      expect(state.breaches).toBe(schedule.length);
    }
    const row = await projectedRow(c);
    expect(row).toMatchObject({
      status: state.status,
      tier_number: state.tier.number,
      tier_key: state.tier.key,
      breaches: state.breaches,
    });
  });

  it('resolves at tier 1 when both sides confirm', async () => {
    const c = await raiseCase(protocolId);
    const tier = tierAt(protocol, 1);
    const first = await act(c, 'resolve', { actor: tierActor(c.input, tier, 'raising') });
    expect(first.status).toBe(protocol.resolutionNeedsBothSides ? 'open' : 'resolved');
    if (protocol.resolutionNeedsBothSides) {
      // The same side cannot confirm twice.
      await expectRefused(
        c,
        'resolve',
        { actor: tierActor(c.input, tier, 'raising') },
        'already-confirmed',
        /already confirmed/,
      );
      const second = await act(c, 'resolve', { actor: tierActor(c.input, tier, 'receiving') });
      expect(second.status).toBe('resolved');
    }
    const result = await expectResult(c, 'resolved');
    expect(result.summary).toMatchObject({ tier: 1, breaches: 0 });
    expect(requestsOf(c, 'closed')).toHaveLength(1);
    expect((await projectedRow(c)).status).toBe('resolved');
  });

  it('resolves at tier 2 after an escalation by the raising side', async () => {
    const c = await raiseCase(protocolId);
    const before = await settle(c);
    const t1 = tierAt(protocol, 1);
    // Half-way through tier 1, the raising side escalates.
    await sleepUntil(h, c.t0 + Math.floor((ms(before.tier.dueAt) - c.t0) / 2));
    const answer = await act(c, 'escalate', { reasonGiven: true, actor: tierActor(c.input, t1, 'raising') });
    expect(answer.tier).toBe(2);
    const state = await settle(c);
    const t2 = tierAt(protocol, 2);
    expect(state.tier).toMatchObject({ key: t2.key, enteredBecause: 'escalated' });
    expect(state.breaches).toBe(0);
    const expected = computeTierDeadline(protocol, t2, {
      escalationStartedAt: new Date(c.t0),
      tierStartedAt: new Date(state.tier.startedAt),
      previousDeadline: new Date(ms(before.tier.dueAt)),
      immediateRisk: false,
    });
    expect(state.tier.dueAt).toBe(expected.dueAt?.toISOString() ?? null);
    expectTierAlerts(c, t2);

    await act(c, 'resolve', { actor: tierActor(c.input, t2, 'raising') });
    const done = await act(c, 'resolve', { actor: tierActor(c.input, t2, 'receiving') });
    expect(done).toMatchObject({ status: 'resolved', tier: 2 });
    await expectResult(c, 'resolved');
  });

  it('urgent fast track: starts at the fast-track tier with shortened deadlines; the chair decides at the last tier', async () => {
    const c = await raiseCase(protocolId, { immediateRisk: true });
    const schedule = computeTimeline(protocol, new Date(c.t0), { immediateRisk: true }).tiers;
    expect(schedule[0].tier).toBe(protocol.fastTrack.startAtTier);
    expect(schedule.filter((s) => s.dueAt).map((s) => new Date(ms(s.dueAt)).toISOString())).toEqual(
      handDueAts(protocolId, c.t0, 'fast').map((x) => new Date(x).toISOString()),
    );
    const start = await settle(c);
    expect(start).toMatchObject({
      urgent: true,
      immediateRisk: true,
      tier: { number: protocol.fastTrack.startAtTier, enteredBecause: 'raised' },
    });
    expect(requestsOf(c, 'immediate-risk-flagged')).toHaveLength(1);
    expect(c.requests().every((r) => r.urgent)).toBe(true);

    const state = await runThrough(c, schedule, { stopAtLast: true });
    expect(state.tier.number).toBe(last);
    const finalTier = tierByKey(protocol, state.tier.key);
    const route = routeOf(protocol, finalTier);
    if (protocol.finalRoutes.some((r) => r.when === 'urgent')) expect(route?.when).toBe('urgent'); // Lincolnshire 4a
    if (finalTier.expects === 'meeting-date') {
      // Lincolnshire 4a: the timed obligation is setting the meeting date.
      const meeting = await act(c, 'schedule-meeting', {
        actor: chair(c),
        meetingKind: 'independently-chaired',
        at: new Date((await h.env.currentTimeMs()) + 3600 * SECOND).toISOString(),
      });
      expect(meeting.dueAt).toBeNull(); // met
      expect(requestsOf(c, 'meeting-scheduled')).toHaveLength(1);
    }
    await expectRefused(
      c,
      'escalate',
      { reasonGiven: true, actor: tierActor(c.input, finalTier, 'raising') },
      'final-tier',
      /is the final step/,
    );
    const appointment = chairAppointment(c.input, protocol);
    if (appointment) await act(c, 'appoint-chair', appointment);
    const decided = await act(c, 'record-decision', {
      actor: chair(c),
      ...(finalTier.outcomes.length ? { outcome: finalTier.outcomes[0] } : {}),
    });
    expect(decided.status).toBe('decided');
    const final = requestsOf(c, 'final-decision');
    expect(final).toHaveLength(1);
    expect(final[0]).toMatchObject({ tier: last, urgent: true, audience: { parties: true } });
    expect(final[0].audience.partnershipRoles).toEqual(expect.arrayContaining(finalTier.partnershipRoles));
    const result = await expectResult(c, 'decided');
    expect(result.summary.immediateRisk).toBe(true);
  });

  it('flag-immediate-risk part-way through tier 1 shortens the deadline or jumps to the fast-track tier', async () => {
    const c = await raiseCase(protocolId);
    const before = await settle(c);
    await sleepUntil(h, c.t0 + 60 * SECOND);
    const flaggedAt = await h.env.currentTimeMs();
    const answer = await act(c, 'flag-immediate-risk', {
      actor: tierActor(c.input, tierAt(protocol, 1), 'raising'),
    });
    expect(answer).toMatchObject({ urgent: true, immediateRisk: true });
    let state = await settle(c);
    expect(requestsOf(c, 'immediate-risk-flagged')).toHaveLength(1);
    await expectRefused(
      c,
      'flag-immediate-risk',
      { actor: tierActor(c.input, tierAt(protocol, 1), 'receiving') },
      'already-flagged',
      /already flagged/,
    );

    const fastTier = tierAt(protocol, protocol.fastTrack.startAtTier, { immediateRisk: true });
    if (protocol.fastTrack.startAtTier > 1) {
      // BSCB 2.1 "quicker escalation through the stages to senior management" (and alike).
      expect(state.tier).toMatchObject({ key: fastTier.key, enteredBecause: 'immediate-risk' });
      expectJustAfter(state.tier.startedAt, flaggedAt, 'fast-track tier startedAt');
      const expected = computeTierDeadline(protocol, fastTier, {
        escalationStartedAt: new Date(c.t0),
        tierStartedAt: new Date(state.tier.startedAt),
        previousDeadline: new Date(ms(before.tier.dueAt)),
        immediateRisk: true,
      });
      expect(state.tier.dueAt).toBe(expected.dueAt!.toISOString());
      expectTierAlerts(c, fastTier);
    } else {
      // Same tier, its deadline recomputed on the fast track (never later than before).
      expect(state.tier).toMatchObject({ key: before.tier.key, startedAt: before.tier.startedAt });
      const expected = computeTierDeadline(protocol, tierAt(protocol, 1), {
        escalationStartedAt: new Date(c.t0),
        tierStartedAt: new Date(c.t0),
        previousDeadline: null,
        immediateRisk: true,
      });
      expect(state.tier.dueAt).toBe(expected.dueAt!.toISOString());
      expect(ms(state.tier.dueAt)).toBeLessThanOrEqual(ms(before.tier.dueAt));
    }
    if (TOTALS[protocolId].unit === 'working-days') {
      expect(ms(state.tier.dueAt)).toBeLessThanOrEqual(handWorkingDays(ms(state.tier.startedAt), 1));
    }

    // Nobody acts: at the (shortened) deadline the next tier is entered, also on the fast track.
    const due = ms(state.tier.dueAt);
    const from = state.tier.number;
    await sleepUntil(h, due + SECOND);
    state = await settle(c, (s) => s.tier.number === from + 1);
    expect(state.tier.number).toBe(from + 1);
    expect(state.breaches).toBe(1);
    expectJustAfter(state.tier.startedAt, due, 'next tier startedAt');
    const next = tierAt(protocol, from + 1, { immediateRisk: true });
    expect(state.tier.key).toBe(next.key);
    const nextDue = computeTierDeadline(protocol, next, {
      escalationStartedAt: new Date(c.t0),
      tierStartedAt: new Date(state.tier.startedAt),
      previousDeadline: new Date(due),
      immediateRisk: true,
    });
    expect(state.tier.dueAt).toBe(nextDue.dueAt?.toISOString() ?? null);

    // The parties escalate to the end: the urgent route is taken where the last step branches.
    while (state.tier.number < last) {
      const tier = tierByKey(protocol, state.tier.key);
      await act(c, 'escalate', {
        reasonGiven: true,
        actor: tierActor(c.input, tier, 'raising'),
        ...routeChoiceArgs(protocol, state),
      });
      state = await settle(c);
    }
    expect(state.status).toBe('open');
    expect(state.tier.key).toBe(tierAt(protocol, last, { immediateRisk: true }).key);
    expect((await projectedRow(c)).immediate_risk).toBe(true);
  });

  if (protocol.extensions.allowed) {
    it(`extension proposed by the ${protocol.extensions.proposedBy} side and agreed: the deadline moves, no breach at the old one`, async () => {
      const c = await raiseCase(protocolId);
      let state = await settle(c);
      const tier = tierAt(protocol, 1);
      const oldDue = ms(state.tier.dueAt);
      const proposer: 'raising' | 'receiving' =
        protocol.extensions.proposedBy === 'receiving' ? 'receiving' : 'raising';
      const answerer = proposer === 'raising' ? 'receiving' : 'raising';
      const newDue = oldDue + (TOTALS[protocolId].unit === 'minutes' ? 3 * 60_000 : 2 * 24 * 3600 * SECOND);

      if (protocol.extensions.proposedBy === 'receiving') {
        await expectRefused(
          c,
          'propose-extension',
          { actor: tierActor(c.input, tier, 'raising'), dueAt: new Date(newDue).toISOString() },
          'wrong-side',
          /receiving/,
        );
      }
      await expectRefused(
        c,
        'propose-extension',
        { actor: tierActor(c.input, tier, proposer), dueAt: new Date(oldDue).toISOString() },
        'not-later',
        /not later/,
      );
      await expectRefused(
        c,
        'accept-extension',
        { actor: tierActor(c.input, tier, answerer) },
        'no-extension',
        /no extension/,
      );

      const proposed = await act(c, 'propose-extension', {
        actor: tierActor(c.input, tier, proposer),
        dueAt: new Date(newDue).toISOString(),
      });
      expect(proposed.dueAt).toBe(new Date(oldDue).toISOString());
      expect(requestsOf(c, 'extension-proposed')).toHaveLength(1);
      await expectRefused(
        c,
        'accept-extension',
        { actor: tierActor(c.input, tier, proposer) },
        'wrong-side',
        /other agency/,
      );
      const agreed = await act(c, 'accept-extension', { actor: tierActor(c.input, tier, answerer) });
      expect(agreed.dueAt).toBe(new Date(newDue).toISOString());
      state = await settle(c);
      expect(state.tier).toMatchObject({
        extendedFrom: new Date(oldDue).toISOString(),
        dueAt: new Date(newDue).toISOString(),
      });
      expect(requestsOf(c, 'extension-agreed')).toHaveLength(1);

      await sleepUntil(h, oldDue + SECOND);
      state = await settle(c);
      expect({ tier: state.tier.number, breaches: state.breaches }).toEqual({ tier: 1, breaches: 0 });
      expect(requestsOf(c, 'deadline-breached')).toHaveLength(0);

      await sleepUntil(h, newDue - 60 * SECOND);
      expect((await settle(c)).tier.number).toBe(1);
      await sleepUntil(h, newDue + SECOND);
      state = await settle(c, (s) => s.tier.number === 2);
      expect({ tier: state.tier.number, breaches: state.breaches }).toEqual({ tier: 2, breaches: 1 });
      expectJustAfter(state.tier.startedAt, newDue, 'tier 2 startedAt after the extension');
      expect(state.previousDeadline).toBe(new Date(newDue).toISOString());
    });
  } else {
    it('refuses an extension: the protocol sets no extended timetable', async () => {
      const c = await raiseCase(protocolId);
      const state = await settle(c);
      await expectRefused(
        c,
        'propose-extension',
        {
          actor: tierActor(c.input, tierAt(protocol, 1), 'receiving'),
          dueAt: new Date(ms(state.tier.dueAt) + 86_400_000).toISOString(),
        },
        'extensions-not-allowed',
        /sets no extended timetable/,
      );
    });
  }

  it('escalated by the parties to the last step, which refuses escalation and is closed by the chair (or a learning referral)', async () => {
    const c = await raiseCase(protocolId);
    let state = await settle(c);
    while (state.tier.number < last) {
      const from = tierByKey(protocol, state.tier.key);
      await act(c, 'escalate', {
        reasonGiven: true,
        actor: tierActor(c.input, from, 'raising'),
        ...routeChoiceArgs(protocol, state),
      });
      state = await settle(c);
      expect(state.tier.number).toBe(from.number + 1);
      expect(state.tier.enteredBecause).toBe('escalated');
      expectTierAlerts(c, tierByKey(protocol, state.tier.key));
    }
    const finalTier = tierByKey(protocol, state.tier.key);
    if (routeOf(protocol, finalTier)?.kind === 'learning-referral') {
      // Lincolnshire, non-urgent: step 4 is the learning referral, which closes the case.
      expect(state.status).toBe('referred-for-learning');
      expect(requestsOf(c, 'learning-referred')).toHaveLength(1);
      await expectResult(c, 'referred-for-learning');
      return;
    }
    await expectRefused(
      c,
      'escalate',
      { reasonGiven: true, actor: tierActor(c.input, finalTier, 'raising') },
      'final-tier',
      /is the final step/,
    );
    await expectRefused(
      c,
      'record-decision',
      { actor: party(c.input, 'raising', 'practitioner') },
      'not-the-chair',
      /only the independent chair/,
    );
    await expectRefused(
      c,
      'record-decision',
      { actor: partnership(c.input, 'business-manager') },
      'not-the-chair',
      /only the independent chair/,
    );
    const appointment = chairAppointment(c.input, protocol);
    if (appointment) {
      // The chair is appointed on the case: before that nobody decides, after it only that person.
      await expectRefused(
        c,
        'record-decision',
        { actor: chair(c) },
        'no-chair-appointed',
        /no chair has been appointed/,
      );
      await expectRefused(
        c,
        'appoint-chair',
        { actor: party(c.input, 'raising', finalTier.roles.raising[0]), chairPersonId: chair(c).personId },
        'not-the-appointer',
        /the chair is appointed by/,
      );
      await act(c, 'appoint-chair', appointment);
      await expectRefused(
        c,
        'record-decision',
        { actor: { ...chair(c), personId: 'another-independent-chair' } },
        'not-the-appointed-chair',
        /only the chair appointed for this case/,
      );
    }
    if (finalTier.outcomes.length) {
      await expectRefused(
        c,
        'record-decision',
        { actor: chair(c), outcome: 'no-such-outcome' },
        'unknown-outcome',
        /outcome must be one of/,
      );
    }
    const decided = await act(c, 'record-decision', {
      actor: chair(c),
      ...(finalTier.outcomes.length ? { outcome: finalTier.outcomes[finalTier.outcomes.length - 1] } : {}),
    });
    expect(decided).toMatchObject({ status: 'decided', tier: last });
    const final = requestsOf(c, 'final-decision');
    expect(final).toHaveLength(1);
    expect(final[0].audience.partnershipRoles).toEqual(expect.arrayContaining(finalTier.partnershipRoles));
    expect(final[0].audience.parties).toBe(true);
    const result = await expectResult(c, 'decided');
    expect(result.closedAt).not.toBeNull();
    const row = await projectedRow(c);
    expect(row).toMatchObject({ status: 'decided', tier_number: last });
  });

  it('refuses what the protocol does not allow, changing nothing, then the raiser withdraws', async () => {
    const c = await raiseCase(protocolId);
    await settle(c);
    const tier1 = tierAt(protocol, 1);
    await expectRefused(
      c,
      'record-decision',
      { actor: party(c.input, 'raising', 'practitioner') },
      'not-the-chair',
      /only the independent chair/,
    );
    if (last > 1) {
      await expectRefused(
        c,
        'record-decision',
        { actor: chair(c) },
        'not-final-tier',
        /final decision is made at tier/,
      );
    }
    await expectRefused(
      c,
      'withdraw',
      { actor: party(c.input, 'receiving', 'practitioner') },
      'not-the-raiser',
      /only the person who raised it/,
    );
    await expectRefused(
      c,
      'withdraw',
      { actor: party(c.input, 'raising', 'line-manager') },
      'not-the-raiser',
      /only the person who raised it/,
    );
    // Who may act: at tier 1 the partnership takes no part (ruleset 2 names the tier's roles).
    await expectRefused(
      c,
      'resolve',
      { actor: chair(c) },
      'not-your-tier',
      /the partnership (takes no part|acts through the sub group chair); you hold independent chair/,
    );
    // Where the tier names who judges an unsatisfactory answer (escalatedBy, Sutton 7.3), only they escalate.
    const judged = tier1.escalatedBy !== undefined;
    await expectRefused(
      c,
      'escalate',
      { reasonGiven: true, actor: partnership(c.input, 'business-manager') },
      judged ? 'not-the-judge' : 'not-your-tier',
      judged
        ? /whether the answer is unsatisfactory, and the case escalates, is judged by/
        : /the partnership (takes no part|acts through the sub group chair); you hold business manager/,
    );
    // Nor does someone on a side who holds none of the tier's roles for that side.
    const outsider = (['chief-executive', 'board-member'] as const).find(
      (r) => !tier1.roles.raising.includes(r) && !tier1.deputies.raising.includes(r),
    )!;
    await expectRefused(
      c,
      'escalate',
      { reasonGiven: true, actor: party(c.input, 'raising', outsider) },
      judged ? 'not-the-judge' : 'not-your-tier',
      judged ? /is judged by the raising agency's/ : /so you cannot escalate here/,
    );
    // The raiser does not acknowledge their own escalation.
    await expectRefused(
      c,
      'acknowledge',
      { actor: tierActor(c.input, tier1, 'raising') },
      'wrong-side',
      /not the raising agency/,
    );
    if (tier1.expects !== 'meeting-date' && tier1.partnershipRoles.length === 0) {
      await expectRefused(
        c,
        'schedule-meeting',
        {
          actor: tierActor(c.input, tier1, 'raising'),
          meetingKind: 'x',
          at: new Date(c.t0 + 86_400_000).toISOString(),
        },
        'no-meeting-here',
        /has no chaired meeting or panel/,
      );
    }
    // A refused update is rejected by its validator: it is never accepted into the history.
    const accepted = (await c.handle.fetchHistory()).events!.filter(
      (e) => e.workflowExecutionUpdateAcceptedEventAttributes,
    );
    expect(accepted).toHaveLength(0);

    const withdrawn = await act(c, 'withdraw', { actor: c.input.raisedBy });
    expect(withdrawn.status).toBe('withdrawn');
    await expectResult(c, 'withdrawn');
    expect(requestsOf(c, 'closed')).toHaveLength(1);
  });
});

describe('calendar-changed signal', () => {
  it('recomputes a live deadline, and leaves a met tier alone without stalling the workflow', async () => {
    const c = await raiseCase('sefton-sscp');
    const before = await settle(c);
    await quiesce(c);
    await c.handle.signal(calendarChangedSignal, { version: 'same-data' });
    // Same bank-holiday data: the deadline is recomputed to the same instant.
    let state = await settle(c);
    expect(state.tier.dueAt).toBe(before.tier.dueAt);

    const tier = tierAt(c.protocol, 1);
    await act(c, 'agree-plan', {
      actor: tierActor(c.input, tier, 'raising'),
      items: [
        {
          itemId: '00000000-0000-4000-b000-0000000000aa',
          ownerAgencyId: c.input.receivingAgencyId,
          dueAt: new Date(c.t0 + 3 * 86_400_000).toISOString(),
        },
      ],
    });
    // "Mutually agreed": one side's plan stops nothing until the other side agrees it.
    state = await settle(c);
    expect(state.tier.metAt).toBeNull();
    expect(state.planProposal).toMatchObject({ side: 'raising' });
    await act(c, 'accept-plan', { actor: tierActor(c.input, tier, 'receiving') });
    state = await settle(c);
    expect(state.tier.metAt).not.toBeNull();
    expect(state.planItems).toHaveLength(1);
    // Nothing to recompute now: the workflow must still answer (it used to spin on the flag).
    await quiesce(c);
    await c.handle.signal(calendarChangedSignal, { version: 'same-data-again' });
    await act(c, 'resolve', { actor: tierActor(c.input, tier, 'raising') });
    const done = await act(c, 'resolve', { actor: tierActor(c.input, tier, 'receiving') });
    expect(done.status).toBe('resolved');
    await expectResult(c, 'resolved');
  });
});
