import { getProtocol, parseProtocol, type Protocol } from '@resolve/protocols';
import { applyDeadline, deadlineRequest, fireTimers, setProtectiveDeadline, startEscalation } from './engine';
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

describe(setProtectiveDeadline.name, () => {
  it('lets a role the tier names set it, recounting the deadline with it', () => {
    const { state } = raise(withFeatures);
    applyDeadline(
      state,
      {
        tierKey: state.tier.key,
        dueAt: '2026-05-20T16:00:00.000Z',
        explanation: 'x',
        reminders: [],
        calendarVersion: 'v',
      },
      T0,
    );
    const effects = setProtectiveDeadline(
      withFeatures,
      state,
      { actor: manager, actionId: 'a1', dueAt: '2026-05-19T12:00:00Z' },
      T0,
    );
    expect(state.protectiveDeadline).toBe('2026-05-19T12:00:00.000Z');
    expect(state.tier.deadlinePending).toBe(true);
    expect(effects).toEqual([
      expect.objectContaining({ type: 'compute-deadline', protectiveDeadline: '2026-05-19T12:00:00.000Z' }),
    ]);
    expect(state.timeline.at(-1)).toMatchObject({ type: 'protective-deadline-set', actionId: 'a1' });
  });

  it('refuses a role the tier does not name, with the reason', () => {
    const { state } = raise(withFeatures);
    expect(() =>
      setProtectiveDeadline(
        withFeatures,
        state,
        { actor: practitioner, actionId: 'a1', dueAt: '2026-05-19T12:00:00Z' },
        T0,
      ),
    ).toThrow(/a protective timescale is set by the line manager or the safeguarding lead/);
    expect(state).not.toHaveProperty('protectiveDeadline');
  });

  it('refuses a date already past, and a tier that takes none', () => {
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
