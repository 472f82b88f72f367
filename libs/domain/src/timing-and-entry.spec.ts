import { getProtocol, parseProtocol, type Protocol } from '@resolve/protocols';
import { ActionRefused, type EscalationAction } from './actions';
import { availableActions } from './available-actions';
import {
  applyAction,
  applyDeadline,
  applyRecountedDeadline,
  deadlineRequest,
  fireTimers,
  nextWakeAt,
  startEscalation,
  validateAction,
} from './engine';
import { concernIdentifiedRefusal, protectiveDeadlineRefusal, tierEntryRefusal } from './raise-rules';
import type { Actor, EscalationStart } from './types';

const T0 = new Date('2026-05-18T08:30:00Z'); // Mon 18 May 2026 09:30 BST

/** Sutton 7.3 with the format features a partnership may write in, validated like a file. */
function suttonWith(change: (json: any) => void): Protocol {
  const json = JSON.parse(JSON.stringify(getProtocol('sutton-cp-conference')));
  json.id = 'sutton-variant';
  change(json);
  return parseProtocol(json, 'sutton-variant.json');
}

const withFeatures = suttonWith((json) => {
  json.tiers[1].entry = { roles: ['independent-chair', 'safeguarding-manager'] };
  json.tiers[0].protectiveDeadline = { setBy: ['line-manager', 'safeguarding-lead'] };
  json.counting.identifiedAtNoEarlierThanWorkingDays = 3;
});

const chair: Actor = {
  personId: 'chair',
  agencyId: null,
  role: 'independent-chair',
  side: 'partnership',
  heldRoles: ['independent-chair'],
};
const practitioner: Actor = {
  personId: 'p1',
  agencyId: 'csc',
  role: 'practitioner',
  side: 'raising',
  heldRoles: ['practitioner'],
};
const manager: Actor = { ...practitioner, personId: 'm1', role: 'line-manager', heldRoles: ['line-manager'] };

function raise(protocol: Protocol, extra: Partial<EscalationStart> = {}) {
  return startEscalation(
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
      raisedBy: practitioner,
      actionId: 'a0',
      rules: 2,
      ...extra,
    },
    T0,
  );
}

describe(tierEntryRefusal.name, () => {
  it('lets the named role start a case at the later tier', () => {
    expect(tierEntryRefusal(withFeatures, 2, ['independent-chair'])).toBeNull();
  });

  it('refuses anyone else, naming who may', () => {
    expect(tierEntryRefusal(withFeatures, 2, ['practitioner'])).toEqual({
      field: 'startAtTier',
      code: 'not-an-entry-role',
      message: expect.stringContaining(
        'only when raised by the independent chair or the safeguarding manager',
      ),
    });
  });

  it('refuses a tier the protocol does not open, and one it does not have', () => {
    expect(tierEntryRefusal(withFeatures, 3, ['independent-chair'])?.code).toBe('tier-entry-not-offered');
    expect(tierEntryRefusal(withFeatures, 9, ['independent-chair'])?.code).toBe('no-such-tier');
    expect(tierEntryRefusal(getProtocol('sutton-cp-conference'), 2, ['independent-chair'])?.code).toBe(
      'tier-entry-not-offered',
    );
  });
});

describe('entry at a later tier', () => {
  it('starts at the tier and records why it entered there, and in which role', () => {
    const { state, effects } = raise(withFeatures, { startAtTier: 2, raisedBy: chair });
    expect(state.tier.number).toBe(2);
    expect(state.tier.enteredBecause).toBe('entered-by-role');
    expect(state.timeline[0]).toMatchObject({
      type: 'raised',
      detail: { startAtTier: 2, enteredAs: 'independent-chair' },
    });
    expect(state.timeline[1]).toMatchObject({ type: 'tier-entered', detail: { because: 'entered-by-role' } });
    expect(effects).toContainEqual(expect.objectContaining({ type: 'compute-deadline', tierNumber: 2 }));
  });

  it('keeps the state of a case raised without the new fields exactly as before', () => {
    const { state } = raise(withFeatures);
    expect(state.tier.enteredBecause).toBe('raised');
    expect(state).not.toHaveProperty('concernIdentifiedAt');
    expect(state).not.toHaveProperty('protectiveDeadline');
    expect(Object.keys(state.timeline[0].detail).sort()).toEqual(
      ['category', 'immediateRisk', 'protocol', 'version'].sort(),
    );
    expect(deadlineRequest(state)).not.toHaveProperty('protectiveDeadline');
  });
});

describe(concernIdentifiedRefusal.name, () => {
  it('accepts an instant up to the limit before the raise, across a bank holiday', () => {
    // Raised Tue 26 May 2026; Mon 25 May is the Spring bank holiday. Identified Wed 20 May:
    // 3 working days after it are Thu 21, Fri 22, Tue 26 (close of business), not yet passed.
    const raisedAt = new Date('2026-05-26T09:00:00Z');
    expect(concernIdentifiedRefusal(withFeatures, new Date('2026-05-20T10:00:00Z'), raisedAt)).toBeNull();
    expect(concernIdentifiedRefusal(withFeatures, new Date('2026-05-19T10:00:00Z'), raisedAt)).toEqual({
      field: 'concernIdentifiedAt',
      code: 'too-early',
      message: expect.stringContaining('no more than 3 working days before'),
    });
  });

  it('refuses an instant after the raise', () => {
    expect(concernIdentifiedRefusal(withFeatures, new Date('2026-05-18T09:00:00Z'), T0)?.code).toBe(
      'in-the-future',
    );
  });

  it('refuses it under a protocol that sets no limit', () => {
    expect(
      concernIdentifiedRefusal(getProtocol('sefton-sscp'), new Date('2026-05-18T08:00:00Z'), T0)?.code,
    ).toBe('not-offered');
  });
});

describe('the clock starting when the concern was identified', () => {
  it('carries the instant to the deadline request and the raise record', () => {
    const { state, effects } = raise(withFeatures, { concernIdentifiedAt: '2026-05-15T09:00:00.000Z' });
    expect(state.timeline[0].detail.concernIdentifiedAt).toBe('2026-05-15T09:00:00.000Z');
    expect(effects).toContainEqual(
      expect.objectContaining({ type: 'compute-deadline', concernIdentifiedAt: '2026-05-15T09:00:00.000Z' }),
    );
  });
});

describe('setting or changing the protective timescale after the raise', () => {
  /** A case at tier 1 whose deadline (Wed 20 May 17:00) is computed. */
  function openCase(extra: Partial<EscalationStart> = {}) {
    const { state } = raise(withFeatures, extra);
    applyDeadline(
      state,
      {
        tierKey: state.tier.key,
        dueAt: '2026-05-20T16:00:00.000Z',
        explanation: 'fixed',
        reminders: [],
        calendarVersion: 'v',
      },
      T0,
    );
    return state;
  }
  const setIt = (actor: Actor, dueAt: string, reasonGiven = true): EscalationAction => ({
    kind: 'set-protective-deadline',
    actor,
    actionId: 'a1',
    dueAt,
    reasonGiven,
  });
  const act = (state: ReturnType<typeof openCase>, action: EscalationAction, now = T0) => {
    validateAction(withFeatures, state, action, now);
    return applyAction(withFeatures, state, action, now);
  };

  it('lets a role the tier names set it, and asks for the deadline to be counted again', () => {
    const state = openCase();
    const effects = act(state, setIt(manager, '2026-05-19T12:00:00Z'));
    expect(state.protectiveDeadline).toBe('2026-05-19T12:00:00.000Z');
    expect(state.tier.deadlinePending).toBe(true);
    expect(effects).toEqual([
      {
        type: 'recount-deadline',
        because: 'protective-deadline',
        request: expect.objectContaining({
          tierKey: state.tier.key,
          protectiveDeadline: '2026-05-19T12:00:00.000Z',
        }),
      },
    ]);
    expect(state.timeline.at(-1)).toMatchObject({
      type: 'protective-deadline-set',
      actionId: 'a1',
      detail: {
        dueAt: '2026-05-19T12:00:00.000Z',
        previous: null,
        setAs: 'line-manager',
        appliesTo: 'this-tier',
      },
    });
  });

  it('records the recount, with the date before and why, and wakes for the new date', () => {
    const state = openCase();
    act(state, setIt(manager, '2026-05-19T12:00:00Z'));
    applyRecountedDeadline(
      state,
      {
        tierKey: state.tier.key,
        dueAt: '2026-05-19T12:00:00.000Z',
        explanation: 'protective, earlier',
        reminders: [],
        calendarVersion: 'v',
      },
      'protective-deadline',
      T0,
    );
    expect(state.tier).toMatchObject({ dueAt: '2026-05-19T12:00:00.000Z', deadlinePending: false });
    expect(state.timeline.at(-1)).toMatchObject({
      type: 'deadline-recomputed',
      detail: {
        from: '2026-05-20T16:00:00.000Z',
        dueAt: '2026-05-19T12:00:00.000Z',
        because: 'protective-deadline',
      },
    });
    expect(nextWakeAt(state)).toBe('2026-05-19T12:00:00.000Z');
  });

  it('changes a protective date given on the raise, keeping the earlier one in the record', () => {
    const state = openCase({ protectiveDeadline: '2026-05-19T12:00:00.000Z' });
    act(state, setIt(manager, '2026-05-19T15:00:00Z'));
    expect(state.timeline.at(-1)?.detail).toMatchObject({
      dueAt: '2026-05-19T15:00:00.000Z',
      previous: '2026-05-19T12:00:00.000Z',
    });
  });

  it('replaces an agreed later date only when the protective date is earlier, without a recount', () => {
    const state = openCase();
    state.tier.extendedFrom = state.tier.dueAt;
    state.tier.dueAt = '2026-05-27T16:00:00.000Z';
    expect(act(state, setIt(manager, '2026-05-28T12:00:00Z'))).toEqual([]);
    expect(state.tier.dueAt).toBe('2026-05-27T16:00:00.000Z');
    expect(act(state, setIt(manager, '2026-05-22T12:00:00Z'))).toEqual([]);
    expect(state.tier.dueAt).toBe('2026-05-22T12:00:00.000Z');
    expect(state.timeline.at(-1)).toMatchObject({
      type: 'deadline-recomputed',
      detail: { from: '2026-05-27T16:00:00.000Z', because: 'protective-deadline' },
    });
  });

  it('leaves a met tier alone: the date governs later tiers', () => {
    const state = openCase();
    state.tier.metAt = T0.toISOString();
    expect(act(state, setIt(manager, '2026-05-19T12:00:00Z'))).toEqual([]);
    expect(state.tier.dueAt).toBe('2026-05-20T16:00:00.000Z');
    expect(state.timeline.at(-1)?.detail.appliesTo).toBe('later-tiers');
  });

  it('ignores a recount that arrives after the case moved on', () => {
    const state = openCase();
    act(state, setIt(manager, '2026-05-19T12:00:00Z'));
    const before = state.timeline.length;
    applyRecountedDeadline(
      state,
      { tierKey: 'another-tier', dueAt: null, explanation: 'x', reminders: [], calendarVersion: 'v' },
      'protective-deadline',
      T0,
    );
    expect(state.timeline).toHaveLength(before);
  });

  it('refuses a role the tier does not name, with the reason, and changes nothing', () => {
    const state = openCase();
    expect(() => act(state, setIt(practitioner, '2026-05-19T12:00:00Z'))).toThrow(
      /dueAt: at tier 1 .* a protective timescale is set by the line manager or the safeguarding lead/,
    );
    expect(state).not.toHaveProperty('protectiveDeadline');
  });

  it('asks for a reason', () => {
    const state = openCase();
    expect(() => act(state, setIt(manager, '2026-05-19T12:00:00Z', false))).toThrow(
      expect.objectContaining({ code: 'reason-required' }),
    );
  });

  it('is offered to the roles the tier names, and only to them', () => {
    const state = openCase();
    expect(availableActions(withFeatures, state, manager, T0)).toContain('set-protective-deadline');
    expect(availableActions(withFeatures, state, practitioner, T0)).not.toContain('set-protective-deadline');
    const { state: sutton } = raise(getProtocol('sutton-cp-conference'));
    expect(availableActions(getProtocol('sutton-cp-conference'), sutton, manager, T0)).not.toContain(
      'set-protective-deadline',
    );
  });

  it('refuses a date already past, and a tier that takes none', () => {
    const state = openCase();
    expect(() => act(state, setIt(manager, '2026-05-18T08:00:00Z'))).toThrow(
      expect.objectContaining({ code: 'in-the-past' }),
    );
    expect(() => act(state, setIt(manager, 'not a date'))).toThrow(ActionRefused);
    const tier = withFeatures.tiers[0];
    expect(
      protectiveDeadlineRefusal(tier, ['line-manager'], new Date('2026-05-18T08:00:00Z'), T0)?.code,
    ).toBe('in-the-past');
    expect(
      protectiveDeadlineRefusal(withFeatures.tiers[1], ['line-manager'], new Date('2026-06-01T08:00:00Z'), T0)
        ?.code,
    ).toBe('not-offered');
  });
});

describe('"without delay" as an alert-only tier', () => {
  it('alerts at the short deadline and waits for a person to escalate', () => {
    const protocol = suttonWith((json) => {
      json.tiers[0].timescale = {
        kind: 'immediately',
        enforcedWorkingDays: 0,
        enforcedClockHours: 2,
        asWritten: 'without delay',
      };
      json.tiers[0].onBreach = 'alert-only';
    });
    const { state } = raise(protocol);
    applyDeadline(
      state,
      {
        tierKey: state.tier.key,
        dueAt: '2026-05-18T10:30:00.000Z',
        explanation: 'x',
        reminders: [],
        calendarVersion: 'v',
      },
      T0,
    );
    const effects = fireTimers(protocol, state, new Date('2026-05-18T10:30:00Z'));
    expect(state.tier.number).toBe(1);
    expect(state.tier.breachedAt).toBe('2026-05-18T10:30:00.000Z');
    expect(effects).toContainEqual(expect.objectContaining({ type: 'notify', event: 'deadline-breached' }));
  });
});
