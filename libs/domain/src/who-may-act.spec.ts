import {
  AGENCY_ROLES,
  getProtocol,
  getProtocolVersion,
  listProtocols,
  type Protocol,
  type Tier,
} from '@resolve/protocols';
import { ActionRefused, type EscalationAction } from './actions';
import { availableActions } from './available-actions';
import { applyAction, applyDeadline, fireTimers, startEscalation, validateAction } from './engine';
import type { Actor, EscalationState } from './types';

const T0 = new Date('2026-05-18T08:30:00Z');
const LATER = '2026-06-30T16:00:00.000Z';

function start(protocol: Protocol, immediateRisk = false): EscalationState {
  return startEscalation(
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
      raisedBy: agencyActor('raising', protocol.tiers[0].roles.raising[0]),
      actionId: 'a0',
      rules: 2,
    },
    T0,
  ).state;
}

function agencyActor(side: 'raising' | 'receiving', role: Actor['role'], held?: Actor['role'][]): Actor {
  const agencyId = side === 'raising' ? 'csc' : 'police';
  return { personId: `${agencyId}-${role}`, agencyId, role, side, ...(held ? { heldRoles: held } : {}) };
}
const partnershipActor = (role: Actor['role'], personId = `p-${role}`): Actor => ({
  personId,
  agencyId: null,
  role,
  side: 'partnership',
});

function act(protocol: Protocol, state: EscalationState, action: EscalationAction, now = T0) {
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
  return 'accepted';
}

/** Moves a fresh case to tier n through the acting roles' own escalations. */
function reach(protocol: Protocol, n: number, route?: string): EscalationState {
  const state = start(protocol);
  let i = 0;
  while (state.tier.number < n) {
    const tier = protocol.tiers.find((t) => t.key === state.tier.key)!;
    const last = state.tier.number + 1 === n;
    act(protocol, state, {
      kind: 'escalate',
      reasonGiven: true,
      actor: agencyActor('raising', tier.roles.raising[0]),
      actionId: `esc-${i++}`,
      ...(last && route ? { route } : {}),
    });
  }
  return state;
}

const tierOf = (protocol: Protocol, state: EscalationState): Tier =>
  protocol.tiers.find((t) => t.key === state.tier.key)!;

describe('who may act at each tier (rules 2)', () => {
  // The role table: at every tier of every protocol, each acting role of each side may respond
  // or confirm a resolution, and a role the tier does not name for that side is refused.
  for (const protocol of listProtocols()) {
    describe(protocol.id, () => {
      const numbers = [...new Set(protocol.tiers.map((t) => t.number))];
      for (const n of numbers.filter((x) => !protocol.tiers.some((t) => t.number === x && t.route))) {
        const tier = protocol.tiers.find((t) => t.number === n)!;
        for (const side of ['raising', 'receiving'] as const) {
          it(`tier ${n}: the ${side} side acts through ${tier.roles[side].join(', ')} and no one else`, () => {
            for (const role of AGENCY_ROLES) {
              const state = reach(protocol, n);
              const acts = tier.roles[side].includes(role) || tier.deputies[side].includes(role);
              const outcome = refusal(() =>
                act(protocol, state, {
                  kind: 'resolve',
                  actor: agencyActor(side, role),
                  actionId: `r-${role}`,
                }),
              );
              expect({ role, outcome }).toEqual({ role, outcome: acts ? 'accepted' : 'not-your-tier' });
            }
          });
        }
      }
    });
  }

  it('lets a person act through any role they hold on that side, and records the acting one', () => {
    const protocol = getProtocol('sefton-sscp');
    const state = reach(protocol, 2);
    // Most senior role "head-of-service", but they are also a line manager, who acts at step 2.
    const actor = agencyActor('raising', 'head-of-service', ['head-of-service', 'line-manager']);
    act(protocol, state, { kind: 'resolve', actor, actionId: 'r1' });
    const entry = state.timeline.find((e) => e.type === 'resolution-confirmed')!;
    expect(entry.actor).toEqual({
      personId: actor.personId,
      agencyId: 'csc',
      role: 'line-manager',
      side: 'raising',
    });
  });

  it('honours the deputies a tier names', () => {
    const base = getProtocol('sefton-sscp');
    const protocol: Protocol = {
      ...base,
      tiers: base.tiers.map((t) =>
        t.number === 2
          ? { ...t, deputies: { raising: ['safeguarding-lead'], receiving: [], partnership: [] } }
          : t,
      ),
    };
    const state = reach(protocol, 2);
    expect(
      refusal(() =>
        act(protocol, state, {
          kind: 'resolve',
          actor: agencyActor('raising', 'safeguarding-lead'),
          actionId: 'r1',
        }),
      ),
    ).toBe('accepted');
    expect(
      refusal(() =>
        act(protocol, state, {
          kind: 'resolve',
          actor: agencyActor('receiving', 'safeguarding-lead'),
          actionId: 'r2',
        }),
      ),
    ).toBe('not-your-tier');
  });

  it('at a step that says "their line manager", only the professional\'s own line manager acts when the directory records one', () => {
    // Sefton and Lincolnshire step 2: "each professional should discuss the issue with their line
    // manager". The API says whether the directory records the caller as that line manager.
    const protocol = getProtocol('sefton-sscp');
    expect(protocol.tiers[1].ownLineManager).toBe(true);
    const state = reach(protocol, 2);
    const lineManager = (side: 'raising' | 'receiving', managesPractitioner?: boolean): Actor => ({
      ...agencyActor(side, 'line-manager'),
      ...(managesPractitioner === undefined ? {} : { managesPractitioner }),
    });
    const resolve = (actor: Actor) =>
      refusal(() => validateAction(protocol, state, { kind: 'resolve', actor, actionId: 'r1' }, T0));

    const outcomes = {
      ownRaising: resolve(lineManager('raising', true)),
      someoneElsesRaising: resolve(lineManager('raising', false)),
      unrecordedRaising: resolve(lineManager('raising')),
      someoneElsesReceiving: resolve(lineManager('receiving', false)),
      ownReceiving: resolve(lineManager('receiving', true)),
    };
    expect(outcomes).toEqual({
      ownRaising: 'accepted',
      someoneElsesRaising: 'not-your-tier',
      unrecordedRaising: 'accepted',
      someoneElsesReceiving: 'not-your-tier',
      ownReceiving: 'accepted',
    });
    expect(() =>
      validateAction(
        protocol,
        state,
        { kind: 'resolve', actor: lineManager('receiving', false), actionId: 'r2' },
        T0,
      ),
    ).toThrow(
      /own line manager of the professional it was raised with, and the directory records another person/,
    );
    // What the engine offers follows the same rule.
    expect(availableActions(protocol, state, lineManager('raising', false), T0)).not.toContain('resolve');
    expect(availableActions(protocol, state, lineManager('raising', true), T0)).toContain('resolve');
    // A head of service who is also someone else's line manager still acts where heads of
    // service do, and not here as a line manager.
    expect(
      resolve({ ...lineManager('raising', false), heldRoles: ['line-manager', 'head-of-service'] }),
    ).toBe('not-your-tier');
  });

  it('keeps "any line manager of the agency" for a case raised under an earlier protocol version', () => {
    const protocol = getProtocolVersion('sefton-sscp', 2);
    const state = reach(protocol, 2);
    const actor: Actor = { ...agencyActor('raising', 'line-manager'), managesPractitioner: false };
    expect(
      refusal(() => validateAction(protocol, state, { kind: 'resolve', actor, actionId: 'r1' }, T0)),
    ).toBe('accepted');
  });

  it('keeps the first rules for a case raised under them (no `rules` given)', () => {
    const protocol = getProtocol('sefton-sscp');
    const { state } = startEscalation(
      {
        escalationId: 'e1',
        reference: 'REF-1',
        partnershipId: protocol.partnership.id,
        protocol,
        raisedAt: T0.toISOString(),
        category: protocol.categories[0].id,
        immediateRisk: false,
        raisingAgencyId: 'csc',
        receivingAgencyId: 'police',
        raisedBy: agencyActor('raising', 'practitioner'),
        actionId: 'a0',
      },
      T0,
    );
    expect(state.ruleset).toBeUndefined();
    // Under the first rules a head of service could confirm a resolution at step 1.
    expect(
      refusal(() =>
        act(protocol, state, {
          kind: 'resolve',
          actor: agencyActor('raising', 'head-of-service'),
          actionId: 'r',
        }),
      ),
    ).toBe('accepted');
  });
});

describe('acknowledgement', () => {
  it('belongs to the receiving side: the raiser cannot acknowledge their own escalation', () => {
    const protocol = getProtocol('lincolnshire-lscp');
    const state = start(protocol);
    expect(
      refusal(() =>
        act(protocol, state, {
          kind: 'acknowledge',
          actor: agencyActor('raising', 'practitioner'),
          actionId: 'k1',
        }),
      ),
    ).toBe('wrong-side');
    expect(state.tier.acknowledgedAt).toBeNull();
    act(protocol, state, {
      kind: 'acknowledge',
      actor: agencyActor('receiving', 'practitioner'),
      actionId: 'k2',
    });
    expect(state.tier.acknowledgedAt).toBe(T0.toISOString());
  });

  it('by the BSCB chair at stage 4 sets the timescale for resolution as the deadline', () => {
    const protocol = getProtocol('bscb');
    const state = reach(protocol, 4);
    expect(
      refusal(() =>
        act(protocol, state, {
          kind: 'acknowledge',
          actor: agencyActor('receiving', 'board-member'),
          actionId: 'k0',
          resolveBy: LATER,
        }),
      ),
    ).toBe('no-timescale-here');
    act(protocol, state, {
      kind: 'acknowledge',
      actor: partnershipActor('independent-chair'),
      actionId: 'k1',
      resolveBy: LATER,
    });
    expect(state.tier.dueAt).toBe(LATER);
    expect(state.tier.metAt).toBeNull();
    expect(state.tier.explanation).toMatch(/timescale for resolution set by the chair/);
  });
});

describe('a mutually agreed plan of action', () => {
  const item = { itemId: 'i1', ownerAgencyId: 'police', dueAt: '2026-05-25T16:00:00.000Z' };

  it("one side's plan does not stop the clock; the other side's agreement does", () => {
    const protocol = getProtocol('sefton-sscp');
    const state = start(protocol);
    applyDeadline(
      state,
      {
        tierKey: state.tier.key,
        dueAt: '2026-05-20T16:00:00.000Z',
        explanation: 't',
        reminders: [],
        calendarVersion: 'v',
      },
      T0,
    );
    const effects = act(protocol, state, {
      kind: 'agree-plan',
      actor: agencyActor('raising', 'practitioner'),
      actionId: 'p1',
      items: [item],
    });
    expect(state.tier.metAt).toBeNull();
    expect(state.planItems).toHaveLength(0);
    expect(state.planProposal).toMatchObject({ side: 'raising', items: [item] });
    // The notice goes to the other side: it is their move.
    expect(effects).toEqual([
      expect.objectContaining({
        event: 'plan-proposed',
        audience: expect.objectContaining({ sides: ['receiving'] }),
      }),
    ]);
    // The proposer cannot agree their own plan.
    expect(
      refusal(() =>
        act(protocol, state, {
          kind: 'accept-plan',
          actor: agencyActor('raising', 'practitioner'),
          actionId: 'p2',
        }),
      ),
    ).toBe('wrong-side');
    act(protocol, state, {
      kind: 'accept-plan',
      actor: agencyActor('receiving', 'practitioner'),
      actionId: 'p3',
    });
    expect(state.tier.metAt).toBe(T0.toISOString());
    expect(state.planItems.map((i) => i.itemId)).toEqual(['i1']);
    expect(state.planProposal).toBeNull();
    // With the plan agreed the tier's deadline no longer breaches.
    expect(
      fireTimers(protocol, state, new Date('2026-05-21T09:00:00Z')).filter(
        (e) => e.type === 'notify' && e.event === 'deadline-breached',
      ),
    ).toEqual([]);
  });

  it('a counter-proposal replaces the plan waiting, and the clock keeps running until agreed', () => {
    const protocol = getProtocol('sefton-sscp');
    const state = start(protocol);
    applyDeadline(
      state,
      {
        tierKey: state.tier.key,
        dueAt: '2026-05-20T16:00:00.000Z',
        explanation: 't',
        reminders: [],
        calendarVersion: 'v',
      },
      T0,
    );
    act(protocol, state, {
      kind: 'agree-plan',
      actor: agencyActor('raising', 'practitioner'),
      actionId: 'p1',
      items: [item],
    });
    act(protocol, state, {
      kind: 'agree-plan',
      actor: agencyActor('receiving', 'practitioner'),
      actionId: 'p2',
      items: [{ ...item, itemId: 'i2' }],
    });
    expect(state.planProposal).toMatchObject({ side: 'receiving', actionId: 'p2' });
    const effects = fireTimers(protocol, state, new Date('2026-05-20T16:00:01Z'));
    expect(state.breaches).toBe(1);
    expect(state.tier.number).toBe(2);
    expect(state.planProposal).toBeNull(); // the new tier needs its own plan
    expect(effects.some((e) => e.type === 'notify' && e.event === 'deadline-breached')).toBe(true);
  });
});

describe('Lincolnshire step 4: the SLOs choose', () => {
  const protocol = getProtocol('lincolnshire-lscp');

  it('escalating from step 3 needs the SLOs to name the route', () => {
    const state = reach(protocol, 3);
    const slo = agencyActor('raising', 'senior-liaison-officer');
    expect(
      refusal(() => act(protocol, state, { kind: 'escalate', reasonGiven: true, actor: slo, actionId: 'x' })),
    ).toBe('route-required');
    expect(
      refusal(() =>
        act(protocol, state, {
          kind: 'escalate',
          reasonGiven: true,
          actor: slo,
          actionId: 'x',
          route: 'nope',
        }),
      ),
    ).toBe('unknown-route');
    act(protocol, state, {
      kind: 'escalate',
      reasonGiven: true,
      actor: slo,
      actionId: 'x',
      route: 'urgent-chaired-meeting',
    });
    expect(state.tier).toMatchObject({ number: 4, route: 'urgent-chaired-meeting' });
    expect(state.status).toBe('open');
  });

  it('a lapse of step 3 neither closes the case nor chooses: it alerts the SLOs and the business manager', () => {
    const state = reach(protocol, 3);
    applyDeadline(
      state,
      {
        tierKey: state.tier.key,
        dueAt: '2026-05-20T16:00:00.000Z',
        explanation: 't',
        reminders: [],
        calendarVersion: 'v',
      },
      T0,
    );
    const effects = fireTimers(protocol, state, new Date('2026-05-20T16:00:01Z'));
    expect(state).toMatchObject({ status: 'open', breaches: 1, tier: { number: 3 } });
    expect(state.timeline.map((e) => e.type)).toContain('route-choice-awaited');
    const notice = effects.find((e) => e.type === 'notify' && e.event === 'route-choice-needed');
    expect(notice).toMatchObject({
      audience: expect.objectContaining({
        agencyRoles: expect.arrayContaining(['senior-liaison-officer']),
        partnershipRoles: expect.arrayContaining(['business-manager']),
      }),
    });
    // The SLOs then choose the learning referral, which closes the case for learning.
    act(protocol, state, {
      kind: 'escalate',
      reasonGiven: true,
      actor: agencyActor('receiving', 'senior-liaison-officer'),
      actionId: 'y',
      route: 'learning-referral',
    });
    expect(state.status).toBe('referred-for-learning');
  });

  it('immediate risk keeps the urgent route without waiting for a choice', () => {
    const state = start(protocol, true);
    while (state.tier.number < 4) {
      const tier = tierOf(protocol, state);
      act(protocol, state, {
        kind: 'escalate',
        reasonGiven: true,
        actor: agencyActor('raising', tier.roles.raising[0]),
        actionId: `u${state.tier.number}`,
      });
    }
    expect(state.tier.route).toBe('urgent-chaired-meeting');
  });
});

describe('the chair appointed on the case decides', () => {
  const protocol = getProtocol('sefton-sscp');

  it('is appointed by the named roles, and only that person records the decision', () => {
    const state = reach(protocol, 4);
    const chair = partnershipActor('independent-chair', 'chair-a');
    expect(
      refusal(() => act(protocol, state, { kind: 'record-decision', actor: chair, actionId: 'd0' })),
    ).toBe('no-chair-appointed');
    expect(
      refusal(() =>
        act(protocol, state, {
          kind: 'appoint-chair',
          actor: partnershipActor('independent-chair'),
          chairPersonId: 'chair-a',
          actionId: 'c0',
        }),
      ),
    ).toBe('not-the-appointer');
    act(protocol, state, {
      kind: 'appoint-chair',
      actor: partnershipActor('senior-leadership-team'),
      chairPersonId: 'chair-a',
      actionId: 'c1',
    });
    const other = partnershipActor('independent-chair', 'chair-b');
    expect(
      refusal(() => act(protocol, state, { kind: 'record-decision', actor: other, actionId: 'd1' })),
    ).toBe('not-the-appointed-chair');
    act(protocol, state, { kind: 'record-decision', actor: chair, actionId: 'd2' });
    expect(state.status).toBe('decided');
  });
});

describe('availableActions', () => {
  it('offers each person only what the engine would accept from them now', () => {
    const protocol = getProtocol('sefton-sscp');
    const state = start(protocol);
    const raiserNow = availableActions(protocol, state, agencyActor('raising', 'practitioner'), T0);
    const receiverNow = availableActions(protocol, state, agencyActor('receiving', 'practitioner'), T0);
    const headNow = availableActions(protocol, state, agencyActor('receiving', 'head-of-service'), T0);
    expect(raiserNow).toEqual(
      expect.arrayContaining(['agree-plan', 'resolve', 'escalate', 'withdraw', 'add-note']),
    );
    expect(raiserNow).not.toContain('acknowledge');
    expect(raiserNow).not.toContain('accept-plan');
    expect(receiverNow).toEqual(expect.arrayContaining(['acknowledge', 'respond', 'agree-plan']));
    expect(receiverNow).not.toContain('withdraw');
    // A head of service takes no part at step 1: a note and an immediate-risk flag only.
    expect(headNow.sort()).toEqual(['add-note', 'flag-immediate-risk']);
    act(protocol, state, {
      kind: 'agree-plan',
      actor: agencyActor('raising', 'practitioner'),
      actionId: 'p1',
      items: [{ itemId: 'i1', ownerAgencyId: 'police', dueAt: '2026-05-25T16:00:00.000Z' }],
    });
    expect(availableActions(protocol, state, agencyActor('receiving', 'practitioner'), T0)).toContain(
      'accept-plan',
    );
  });
});
