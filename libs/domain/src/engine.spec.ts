import { getProtocol } from '@resolve/protocols';
import { ActionRefused, type EscalationAction } from './actions';
import {
  applyAction,
  applyDeadline,
  fireTimers,
  nextWakeAt,
  startEscalation,
  validateAction,
} from './engine';
import type { Actor, EscalationState } from './types';

const T0 = new Date('2026-05-18T08:30:00Z');
const at = (iso: string) => new Date(iso);
const raiser: Actor = {
  personId: 'csc-practitioner',
  agencyId: 'csc',
  role: 'practitioner',
  side: 'raising',
};
const receiver: Actor = {
  personId: 'police-practitioner',
  agencyId: 'police',
  role: 'practitioner',
  side: 'receiving',
};
const chair: Actor = { personId: 'chair', agencyId: null, role: 'independent-chair', side: 'partnership' };

function start(protocolId: string, immediateRisk = false) {
  const protocol = getProtocol(protocolId);
  const { state, effects } = startEscalation(
    {
      escalationId: 'e1',
      reference: 'REF-1',
      partnershipId: protocol.partnership.id,
      protocol,
      raisedAt: T0.toISOString(),
      category: protocol.categories[0].id,
      immediateRisk,
      raisingAgencyId: 'csc',
      receivingAgencyId: 'police',
      raisedBy: raiser,
      actionId: 'a0',
    },
    // These cases run under the rules as first released (no `rules`); who-may-act.spec.ts
    // covers rules 2.
    T0,
  );
  return { protocol, state, effects };
}

function setDue(state: EscalationState, dueAt: string, now = T0) {
  applyDeadline(
    state,
    { tierKey: state.tier.key, dueAt, explanation: 'test', reminders: [], calendarVersion: 'v' },
    now,
  );
}

function act(protocolId: string, state: EscalationState, action: EscalationAction, now = T0) {
  const protocol = getProtocol(protocolId);
  validateAction(protocol, state, action, now);
  return applyAction(protocol, state, action, now);
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ActionRefused) return err.code;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('escalation engine', () => {
  it('starts at tier 1, asks for its deadline and tells the two parties', () => {
    const { state, effects } = start('sefton-sscp');
    expect(state.tier.number).toBe(1);
    expect(effects.map((e) => e.type)).toEqual(['notify', 'compute-deadline', 'notify']);
    const tierEntered = effects.find((e) => e.type === 'notify' && e.event === 'tier-entered');
    expect(tierEntered).toMatchObject({ audience: { parties: true, agencyRoles: [] } });
  });

  it('advances to tier 2 when the deadline passes unanswered, alerting the managers', () => {
    const { protocol, state } = start('sefton-sscp');
    setDue(state, '2026-05-20T16:00:00.000Z');
    expect(nextWakeAt(state)).toBe('2026-05-20T16:00:00.000Z');
    expect(fireTimers(protocol, state, at('2026-05-20T15:59:00Z'))).toEqual([]);
    const effects = fireTimers(protocol, state, at('2026-05-20T16:00:00Z'));
    expect(state.tier.number).toBe(2);
    expect(state.breaches).toBe(1);
    expect(state.previousDeadline).toBe('2026-05-20T16:00:00.000Z');
    expect(effects).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'notify', event: 'deadline-breached' }),
        expect.objectContaining({
          type: 'compute-deadline',
          tierNumber: 2,
          previousDeadline: '2026-05-20T16:00:00.000Z',
        }),
        expect.objectContaining({
          type: 'notify',
          event: 'tier-entered',
          audience: expect.objectContaining({ agencyRoles: ['line-manager'] }),
        }),
      ]),
    );
  });

  it('alerts only, and stays, when the final tier breaches', () => {
    const { protocol, state } = start('sefton-sscp');
    for (const due of ['2026-05-20T16:00:00.000Z', '2026-05-22T16:00:00.000Z', '2026-05-27T16:00:00.000Z']) {
      setDue(state, due);
      fireTimers(protocol, state, at(due));
    }
    expect(state.tier.number).toBe(4);
    setDue(state, '2026-06-03T16:00:00.000Z');
    const effects = fireTimers(protocol, state, at('2026-06-03T16:00:00Z'));
    expect(state.tier.number).toBe(4);
    expect(state.status).toBe('open');
    expect(effects).toEqual([expect.objectContaining({ event: 'deadline-breached' })]);
    expect(nextWakeAt(state)).toBeNull();
  });

  it("resolves only when both agencies confirm, where the protocol says 'to both agencies' satisfaction'", () => {
    const { state } = start('bscb');
    act('bscb', state, { kind: 'resolve', actor: raiser, actionId: 'a1' });
    expect(state.status).toBe('open');
    expect(refusal(() => act('bscb', state, { kind: 'resolve', actor: raiser, actionId: 'a2' }))).toBe(
      'already-confirmed',
    );
    const effects = act('bscb', state, { kind: 'resolve', actor: receiver, actionId: 'a3' });
    expect(state.status).toBe('resolved');
    expect(effects.at(-1)).toEqual({ type: 'close' });
  });

  it('refuses what the protocol does not allow now, leaving the state unchanged', () => {
    const { protocol, state } = start('sefton-sscp');
    const before = JSON.stringify(state);
    expect(
      refusal(() =>
        validateAction(protocol, state, { kind: 'record-decision', actor: raiser, actionId: 'x' }, T0),
      ),
    ).toBe('not-the-chair');
    expect(
      refusal(() =>
        validateAction(protocol, state, { kind: 'record-decision', actor: chair, actionId: 'x' }, T0),
      ),
    ).toBe('not-final-tier');
    expect(
      refusal(() =>
        validateAction(protocol, state, { kind: 'withdraw', actor: receiver, actionId: 'x' }, T0),
      ),
    ).toBe('not-the-raiser');
    expect(
      refusal(() => validateAction(protocol, state, { kind: 'resolve', actor: chair, actionId: 'x' }, T0)),
    ).toBe('wrong-side');
    expect(
      refusal(() =>
        validateAction(
          protocol,
          state,
          {
            kind: 'agree-plan',
            actor: raiser,
            actionId: 'x',
            items: [{ itemId: 'i', ownerAgencyId: 'csc', dueAt: '2020-01-01T00:00:00Z' }],
          },
          T0,
        ),
      ),
    ).toBe('plan-item-in-past');
    expect(JSON.stringify(state)).toBe(before);
  });

  it('refuses to escalate without a reason, and records nothing', () => {
    const { state } = start('sefton-sscp');
    const before = state.timeline.length;
    expect(
      refusal(() => act('sefton-sscp', state, { kind: 'escalate', actor: raiser, actionId: 'e-no-reason' })),
    ).toBe('reason-required');
    expect(state.tier.number).toBe(1);
    expect(state.timeline).toHaveLength(before);
  });

  it('escalates now on request, and refuses beyond the final step', () => {
    const { state } = start('sefton-sscp');
    for (let i = 0; i < 3; i++)
      act('sefton-sscp', state, { kind: 'escalate', reasonGiven: true, actor: raiser, actionId: `e${i}` });
    expect(state.tier.number).toBe(4);
    expect(state.tier.enteredBecause).toBe('escalated');
    expect(
      refusal(() =>
        act('sefton-sscp', state, { kind: 'escalate', reasonGiven: true, actor: raiser, actionId: 'e9' }),
      ),
    ).toBe('final-tier');
  });

  it('records the final decision from the chair only, communicates it to all and closes', () => {
    const { state } = start('sefton-sscp');
    for (let i = 0; i < 3; i++)
      act('sefton-sscp', state, { kind: 'escalate', reasonGiven: true, actor: raiser, actionId: `e${i}` });
    const effects = act('sefton-sscp', state, {
      kind: 'record-decision',
      actor: chair,
      actionId: 'd1',
      referLearning: true,
    });
    expect(state.status).toBe('decided');
    expect(state.learningReferredAt).not.toBeNull();
    expect(effects.map((e) => (e.type === 'notify' ? e.event : e.type))).toEqual([
      'final-decision',
      'learning-referred',
      'closed',
      'close',
    ]);
  });

  it('fast-tracks immediate risk to the protocol’s fast-track tier', () => {
    const { protocol, state } = start('bscb');
    const effects = act('bscb', state, { kind: 'flag-immediate-risk', actor: raiser, actionId: 'r1' });
    expect(state.immediateRisk).toBe(true);
    expect(state.tier.number).toBe(protocol.fastTrack.startAtTier);
    expect(effects).toEqual(
      expect.arrayContaining([expect.objectContaining({ event: 'immediate-risk-flagged' })]),
    );
  });

  it('lets the receiving agency propose a longer timetable that the escalating agency agrees (BSCB)', () => {
    const { protocol, state } = start('bscb');
    setDue(state, '2026-05-19T16:00:00.000Z');
    expect(
      refusal(() =>
        act('bscb', state, {
          kind: 'propose-extension',
          actor: raiser,
          actionId: 'x1',
          dueAt: '2026-05-26T16:00:00.000Z',
        }),
      ),
    ).toBe('wrong-side');
    act('bscb', state, {
      kind: 'propose-extension',
      actor: receiver,
      actionId: 'x2',
      dueAt: '2026-05-26T16:00:00.000Z',
    });
    act('bscb', state, { kind: 'accept-extension', actor: raiser, actionId: 'x3' });
    expect(state.tier.dueAt).toBe('2026-05-26T16:00:00.000Z');
    expect(
      fireTimers(protocol, state, at('2026-05-19T16:00:00Z')).some(
        (e) => e.type === 'notify' && e.event === 'deadline-breached',
      ),
    ).toBe(false);
  });

  it('reminds and then alerts on an overdue plan item', () => {
    const { protocol, state } = start('sefton-sscp');
    act('sefton-sscp', state, {
      kind: 'agree-plan',
      actor: raiser,
      actionId: 'p1',
      items: [{ itemId: 'i1', ownerAgencyId: 'police', dueAt: '2026-05-19T08:30:00.000Z' }],
    });
    expect(state.tier.metAt).not.toBeNull();
    const reminder = fireTimers(protocol, state, at('2026-05-18T20:30:00Z'));
    expect(reminder).toEqual([
      expect.objectContaining({
        event: 'plan-item-due',
        audience: expect.objectContaining({ onlyAgencyIds: ['police'] }),
      }),
    ]);
    const overdue = fireTimers(protocol, state, at('2026-05-19T08:30:00Z'));
    expect(overdue).toEqual([expect.objectContaining({ event: 'plan-item-overdue' })]);
  });

  it('routes a non-urgent Lincolnshire case to the learning referral at step 4', () => {
    const { state } = start('lincolnshire-lscp');
    for (let i = 0; i < 3; i++)
      act('lincolnshire-lscp', state, {
        kind: 'escalate',
        reasonGiven: true,
        actor: raiser,
        actionId: `e${i}`,
      });
    expect(state.status).toBe('referred-for-learning');
    expect(state.learningReferredAt).not.toBeNull();
  });
});
