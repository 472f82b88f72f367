import type { Actor } from '@resolve/domain';
import { CaseDriver } from '../test/support/case-driver';
import { explanationOnly, factsFrom, loadNoticeFacts, noticeCause } from './notice-facts';

const ID = '7d1f0c52-3b7e-4d59-9a0e-2d5c4f6e8a11';
const raiser: Actor = { personId: 'p-police', agencyId: 'police', role: 'practitioner', side: 'raising' };
const chair: Actor = { personId: 'p-chair', agencyId: null, role: 'independent-chair', side: 'partnership' };
/** Monday 30 November 2026, 09:00. */
const RAISED = new Date('2026-11-30T09:00:00Z');

const raise = () =>
  CaseDriver.raise({
    escalationId: ID,
    reference: 'SEF-2026-0099',
    protocolId: 'sefton-sscp',
    raisingAgencyId: 'police',
    receivingAgencyId: 'csc',
    raisedBy: raiser,
    at: RAISED,
  });

describe('noticeCause', () => {
  it('is the discriminator of the domain key, colons included', () => {
    expect(
      noticeCause({
        escalationId: ID,
        event: 'deadline-reminder',
        tier: 1,
        key: `${ID}:deadline-reminder:t1:2026-12-01T12:00:00.000Z`,
      }),
    ).toBe('2026-12-01T12:00:00.000Z');
    expect(
      noticeCause({ escalationId: ID, event: 'tier-entered', tier: 2, key: 'some-other-key' }),
    ).toBeNull();
  });
});

describe('factsFrom: the projection as the notifier reads it', () => {
  it('a notice before its step is projected has no facts (the previous tier must not be quoted)', () => {
    const driver = raise();
    const atTier1 = driver.snapshot();
    driver.advanceTo(2);
    const entered = driver.last('tier-entered');
    expect(entered.tier).toBe(2);
    expect(factsFrom(atTier1, entered, RAISED).current).toBe(false);
    expect(factsFrom(null, entered, RAISED).current).toBe(false);
    // A projection written while the new tier's deadline was still being computed: not yet.
    const pending = driver.snapshot();
    pending.tier.deadlinePending = true;
    expect(factsFrom(pending, entered, RAISED).current).toBe(false);

    const facts = factsFrom(driver.snapshot(), entered, RAISED);
    expect(facts.current).toBe(true);
    expect(facts.tierNumber).toBe(2);
    expect(facts.deadline?.dueAt).toBe(driver.state.tier.dueAt);
    // The explanation without the protocol heading (quoted separately in the message).
    expect(facts.deadline?.explanation).toMatch(
      /^counted as 2 working days from the previous tier's deadline/,
    );
  });

  it("a breach names the missed deadline and the next tier's", () => {
    const driver = raise();
    const tier1Due = driver.state.tier.dueAt!;
    driver.advanceTo(2);
    const breach = driver.last('deadline-breached');
    const facts = factsFrom(driver.snapshot(), breach, RAISED);
    expect(facts.missedDeadline?.dueAt).toBe(tier1Due);
    expect(facts.deadline?.dueAt).toBe(driver.state.tier.dueAt);
    expect(facts.tierNumber).toBe(2);
  });

  it('meeting dates of one tier are one meeting: SEQUENCE counts the changes; closing cancels it', () => {
    const driver = raise().advanceTo(4);
    const now = new Date(Date.parse(driver.state.tier.startedAt) + 3_600_000);
    driver.act(
      {
        kind: 'schedule-meeting',
        meetingKind: 'chaired-meeting',
        at: '2027-01-08T14:00:00.000Z',
        actor: chair,
        actionId: 'm-1',
      },
      now,
    );
    const first = factsFrom(driver.snapshot(), driver.last('meeting-scheduled'), now);
    expect(first.meeting).toEqual({
      kind: 'chaired-meeting',
      at: '2027-01-08T14:00:00.000Z',
      tierNumber: 4,
      sequence: 0,
    });

    driver.act(
      {
        kind: 'schedule-meeting',
        meetingKind: 'chaired-meeting',
        at: '2027-01-11T10:30:00.000Z',
        actor: chair,
        actionId: 'm-2',
      },
      now,
    );
    const second = driver.last('meeting-scheduled');
    expect(factsFrom(driver.snapshot(), second, now).meeting).toMatchObject({
      at: '2027-01-11T10:30:00.000Z',
      sequence: 1,
    });
    // The first notice, retried after the second date was projected, still describes its own date.
    expect(
      factsFrom(driver.snapshot(), { ...second, key: `${ID}:meeting-scheduled:t4:m-1` }, now).meeting,
    ).toMatchObject({
      at: '2027-01-08T14:00:00.000Z',
      sequence: 0,
    });

    driver.act({ kind: 'withdraw', actor: raiser, actionId: 'w-1' }, now);
    const closed = factsFrom(driver.snapshot(), driver.last('closed'), now);
    expect(closed.meetingToCancel).toMatchObject({
      at: '2027-01-11T10:30:00.000Z',
      tierNumber: 4,
      sequence: 2,
    });
    // A meeting already held is not cancelled.
    expect(
      factsFrom(driver.snapshot(), driver.last('closed'), new Date('2027-01-12T00:00:00Z')).meetingToCancel,
    ).toBeNull();
  });
});

describe('loadNoticeFacts', () => {
  it('waits for the projection to catch up, then answers at once', async () => {
    const driver = raise();
    const before = driver.snapshot();
    driver.advanceTo(2);
    const after = driver.snapshot();
    const rows = [before, before, after];
    let reads = 0;
    const facts = await loadNoticeFacts(
      {
        projectedCase: async () => ({
          id: ID,
          state: rows[Math.min(reads++, rows.length - 1)],
          stateSeq: 0,
          status: 'open',
          closedAt: null,
        }),
      },
      driver.last('tier-entered'),
      { now: () => RAISED, waitMs: 5_000, pollMs: 1 },
    );
    expect(facts.current).toBe(true);
    expect(reads).toBe(3);
  });

  it('gives up after the wait and answers without facts', async () => {
    const driver = raise();
    const stale = driver.snapshot();
    driver.advanceTo(2);
    const started = Date.now();
    const facts = await loadNoticeFacts(
      { projectedCase: async () => ({ id: ID, state: stale, stateSeq: 0, status: 'open', closedAt: null }) },
      driver.last('tier-entered'),
      { now: () => RAISED, waitMs: 50, pollMs: 5 },
    );
    expect(facts.current).toBe(false);
    expect(facts.deadline).toBeNull();
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

it('explanationOnly drops the protocol heading and keeps an explanation without one', () => {
  expect(explanationOnly('Step 1 (002 Step 1, "within 2 working days"): counted as 2 working days')).toBe(
    'counted as 2 working days',
  );
  expect(explanationOnly('due Tue 29 Dec 17:00')).toBe('due Tue 29 Dec 17:00');
  expect(explanationOnly(null)).toBeNull();
});
