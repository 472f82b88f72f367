import { DEFAULT_HOLIDAYS, type HolidaySet } from '@resolve/calendar';
import { getProtocol, parseProtocol } from './registry';
import type { Protocol } from './schema';
import { computeTierDeadline, computeTimeline, nextTier, tierAt, tierPath } from './timeline';

/** Thu 2 Apr 2026 10:00 BST: Good Friday (3 Apr) and Easter Monday (6 Apr) follow. */
const EASTER = new Date('2026-04-02T09:00:00Z');

/** [tier, key, startsAt, dueAt] of a timeline, for compact expectations. */
function rows(id: string, from: Date, options: { urgent?: boolean; immediateRisk?: boolean } = {}) {
  return computeTimeline(getProtocol(id), from, options).tiers.map((t) => [
    t.tier,
    t.key,
    t.startsAt,
    t.dueAt,
  ]);
}

/** A shipped protocol with changes, validated like a file. */
function variant(id: string, change: (json: any) => void): Protocol {
  const json = JSON.parse(JSON.stringify(getProtocol(id)));
  change(json);
  return parseProtocol(json, `${id}-variant.json`);
}

describe(computeTimeline.name, () => {
  it('Sefton golden: raised Mon 18 May 2026 09:30, nobody acts: 2 + further 2 + further 2 + further 5 working days', () => {
    const timeline = computeTimeline(getProtocol('sefton-sscp'), new Date('2026-05-18T08:30:00Z'), {});
    expect(timeline.protocol).toBe('sefton-sscp');
    expect(timeline.tiers.map((t) => [t.tier, t.key, t.startsAt, t.dueAt])).toEqual([
      [1, 'professional-to-professional', '2026-05-18T08:30:00.000Z', '2026-05-20T16:00:00.000Z'],
      [2, 'manager-to-manager', '2026-05-20T16:00:00.000Z', '2026-05-22T16:00:00.000Z'],
      // Mon 25 May 2026 is the Spring bank holiday.
      [3, 'head-of-service-to-head-of-service', '2026-05-22T16:00:00.000Z', '2026-05-27T16:00:00.000Z'],
      [4, 'independently-chaired-meeting', '2026-05-27T16:00:00.000Z', '2026-06-03T16:00:00.000Z'],
    ]);
    expect(timeline.tiers[2].explanation).toContain('Mon 25 May Spring bank holiday is a bank holiday');
    expect(timeline.tiers[1].explanation).toContain(
      "counted as 2 working days from the previous tier's deadline",
    );
  });

  it('lincolnshire-lscp non-urgent: step 2 counts 5 working days from step 1 itself, step 4 is the untimed learning referral', () => {
    expect(rows('lincolnshire-lscp', EASTER)).toEqual([
      // 2 working days after Thu 2 Apr, skipping Good Friday and Easter Monday: Wed 8 Apr.
      [1, 'professional-to-professional', '2026-04-02T09:00:00.000Z', '2026-04-08T16:00:00.000Z'],
      // 5 working days after Thu 2 Apr (the escalation): Tue 7, Wed 8, Thu 9, Fri 10, Mon 13.
      [2, 'manager-to-manager', '2026-04-08T16:00:00.000Z', '2026-04-13T16:00:00.000Z'],
      [3, 'slo-to-slo', '2026-04-13T16:00:00.000Z', '2026-04-15T16:00:00.000Z'],
      [4, 'learning-referral', '2026-04-15T16:00:00.000Z', null],
    ]);
  });

  it('lincolnshire-lscp urgent: step 4 is the independently chaired meeting, date set within 1 working day', () => {
    expect(rows('lincolnshire-lscp', EASTER, { urgent: true })).toEqual([
      [1, 'professional-to-professional', '2026-04-02T09:00:00.000Z', '2026-04-08T16:00:00.000Z'],
      [2, 'manager-to-manager', '2026-04-08T16:00:00.000Z', '2026-04-13T16:00:00.000Z'],
      [3, 'slo-to-slo', '2026-04-13T16:00:00.000Z', '2026-04-15T16:00:00.000Z'],
      [4, 'independent-chaired-meeting', '2026-04-15T16:00:00.000Z', '2026-04-16T16:00:00.000Z'],
    ]);
    const last = computeTimeline(getProtocol('lincolnshire-lscp'), EASTER, { urgent: true }).tiers[3];
    expect(last.route).toBe('urgent-chaired-meeting');
  });

  it('lincolnshire-lscp immediate risk: every timed step gets at most 1 working day and step 4 is urgent', () => {
    expect(rows('lincolnshire-lscp', EASTER, { immediateRisk: true })).toEqual([
      [1, 'professional-to-professional', '2026-04-02T09:00:00.000Z', '2026-04-07T16:00:00.000Z'],
      [2, 'manager-to-manager', '2026-04-07T16:00:00.000Z', '2026-04-08T16:00:00.000Z'],
      [3, 'slo-to-slo', '2026-04-08T16:00:00.000Z', '2026-04-09T16:00:00.000Z'],
      [4, 'independent-chaired-meeting', '2026-04-09T16:00:00.000Z', '2026-04-10T16:00:00.000Z'],
    ]);
  });

  it.each(['lincolnshire-joint-children', 'lincolnshire-joint-adults', 'lincolnshire-joint-s117'])(
    '%s runs the same four steps as the LSCP flowchart',
    (id) => {
      expect(rows(id, EASTER)).toEqual(rows('lincolnshire-lscp', EASTER));
      expect(rows(id, EASTER, { urgent: true })).toEqual(rows('lincolnshire-lscp', EASTER, { urgent: true }));
    },
  );

  it('bscb: 1, 2 and 5 working days per stage, then receipt acknowledged within 2 working days', () => {
    expect(rows('bscb', EASTER)).toEqual([
      [1, 'supervisor-team-manager', '2026-04-02T09:00:00.000Z', '2026-04-07T16:00:00.000Z'],
      [2, 'service-manager-safeguarding-lead', '2026-04-07T16:00:00.000Z', '2026-04-09T16:00:00.000Z'],
      [3, 'board-member', '2026-04-09T16:00:00.000Z', '2026-04-16T16:00:00.000Z'],
      [4, 'chair-of-bscb', '2026-04-16T16:00:00.000Z', '2026-04-20T16:00:00.000Z'],
    ]);
  });

  it('bscb immediate risk: quicker escalation straight to senior management (stage 2), 1 working day a stage', () => {
    expect(rows('bscb', EASTER, { immediateRisk: true })).toEqual([
      [2, 'service-manager-safeguarding-lead', '2026-04-02T09:00:00.000Z', '2026-04-07T16:00:00.000Z'],
      [3, 'board-member', '2026-04-07T16:00:00.000Z', '2026-04-08T16:00:00.000Z'],
      [4, 'chair-of-bscb', '2026-04-08T16:00:00.000Z', '2026-04-09T16:00:00.000Z'],
    ]);
  });

  it('sefton-sscp over Easter', () => {
    expect(rows('sefton-sscp', EASTER).map((r) => r[3])).toEqual([
      '2026-04-08T16:00:00.000Z',
      '2026-04-10T16:00:00.000Z',
      '2026-04-14T16:00:00.000Z',
      '2026-04-21T16:00:00.000Z',
    ]);
  });

  it('sutton-lscp with the timescales we chose (2, 2, 5, 5)', () => {
    expect(rows('sutton-lscp', EASTER)).toEqual([
      [1, 'first-line-managers', '2026-04-02T09:00:00.000Z', '2026-04-08T16:00:00.000Z'],
      [2, 'heads-of-service', '2026-04-08T16:00:00.000Z', '2026-04-10T16:00:00.000Z'],
      [3, 'lscp-member', '2026-04-10T16:00:00.000Z', '2026-04-17T16:00:00.000Z'],
      [4, 'independent-lscp-chair', '2026-04-17T16:00:00.000Z', '2026-04-24T16:00:00.000Z'],
    ]);
  });

  it('sutton-cp-conference with the timescales we chose (1, 2, 2, 5)', () => {
    expect(rows('sutton-cp-conference', EASTER)).toEqual([
      [1, 'designated-safeguarding-lead', '2026-04-02T09:00:00.000Z', '2026-04-07T16:00:00.000Z'],
      [2, 'safeguarding-manager', '2026-04-07T16:00:00.000Z', '2026-04-09T16:00:00.000Z'],
      [3, 'lscp-representative', '2026-04-09T16:00:00.000Z', '2026-04-13T16:00:00.000Z'],
      [4, 'independent-lscp-chair', '2026-04-13T16:00:00.000Z', '2026-04-20T16:00:00.000Z'],
    ]);
  });

  it('sutton-strategic: 10 + 10 working days, then the untimed Chief Executive / political leadership tier', () => {
    expect(rows('sutton-strategic', EASTER)).toEqual([
      [1, 'sub-group-chair', '2026-04-02T09:00:00.000Z', '2026-04-20T16:00:00.000Z'],
      // Mon 4 May 2026 is the Early May bank holiday.
      [2, 'independent-lscp-chair', '2026-04-20T16:00:00.000Z', '2026-05-05T16:00:00.000Z'],
      [3, 'chief-executive-and-political-leadership', '2026-05-05T16:00:00.000Z', null],
    ]);
    expect(rows('sutton-strategic', EASTER, { immediateRisk: true })).toEqual([
      [2, 'independent-lscp-chair', '2026-04-02T09:00:00.000Z', '2026-04-07T16:00:00.000Z'],
      [3, 'chief-executive-and-political-leadership', '2026-04-07T16:00:00.000Z', null],
    ]);
  });

  it('demo: four tiers of 2 clock minutes, whatever the day', () => {
    const saturday = new Date('2026-05-23T22:59:30Z');
    expect(rows('demo', saturday)).toEqual([
      [1, 'professional-to-professional', '2026-05-23T22:59:30.000Z', '2026-05-23T23:01:30.000Z'],
      [2, 'manager-to-manager', '2026-05-23T23:01:30.000Z', '2026-05-23T23:03:30.000Z'],
      [3, 'head-of-service-to-head-of-service', '2026-05-23T23:03:30.000Z', '2026-05-23T23:05:30.000Z'],
      [4, 'independently-chaired-meeting', '2026-05-23T23:05:30.000Z', '2026-05-23T23:07:30.000Z'],
    ]);
    expect(rows('demo', saturday, { immediateRisk: true })).toEqual([
      [3, 'head-of-service-to-head-of-service', '2026-05-23T22:59:30.000Z', '2026-05-23T23:00:30.000Z'],
      [4, 'independently-chaired-meeting', '2026-05-23T23:00:30.000Z', '2026-05-23T23:01:30.000Z'],
    ]);
    expect(computeTimeline(getProtocol('demo'), saturday).tiers[0].explanation).toContain(
      'due Sun 24 May 00:01:30: 2 minutes from Sat 23 May 23:59:30',
    );
  });

  it('counts in the protocol nation: Scotland keeps 2 January as a bank holiday', () => {
    const scottish = variant('sefton-sscp', (j) => (j.nation = 'scotland'));
    const from = new Date('2025-12-31T10:00:00Z');
    expect(computeTimeline(scottish, from).tiers[0].dueAt).toBe('2026-01-06T17:00:00.000Z');
    expect(computeTimeline(getProtocol('sefton-sscp'), from).tiers[0].dueAt).toBe('2026-01-05T17:00:00.000Z');
  });

  it('every shipped protocol gives a timeline whose tiers follow on from each other', () => {
    for (const id of [
      'bscb',
      'demo',
      'lincolnshire-lscp',
      'sefton-sscp',
      'sutton-lscp',
      'sutton-cp-conference',
      'sutton-strategic',
    ]) {
      for (const options of [{}, { urgent: true }, { immediateRisk: true }]) {
        const tiers = computeTimeline(getProtocol(id), EASTER, options).tiers;
        expect(tiers.length).toBeGreaterThan(0);
        tiers.forEach((t, i) => {
          if (i > 0) expect(t.startsAt).toBe(tiers[i - 1].dueAt);
          if (t.dueAt) expect(Date.parse(t.dueAt)).toBeGreaterThan(Date.parse(t.startsAt));
          expect(t.explanation.length).toBeGreaterThan(0);
        });
      }
    }
  });

  it('is stable: the same input gives the same timeline', () => {
    expect(computeTimeline(getProtocol('bscb'), EASTER)).toEqual(
      computeTimeline(getProtocol('bscb'), new Date(EASTER)),
    );
  });

  it('refuses an invalid start', () => {
    expect(() => computeTimeline(getProtocol('bscb'), new Date('nonsense'))).toThrow(
      'from must be a valid Date',
    );
  });
});

describe(computeTierDeadline.name, () => {
  const monday = new Date('2026-05-18T08:30:00Z');

  it('accepts the tier, its key or its number', () => {
    const p = getProtocol('sefton-sscp');
    const ctx = {
      escalationStartedAt: monday,
      tierStartedAt: monday,
      previousDeadline: null,
      immediateRisk: false,
    };
    const byKey = computeTierDeadline(p, 'professional-to-professional', ctx);
    expect(computeTierDeadline(p, 1, ctx)).toEqual(byKey);
    expect(computeTierDeadline(p, p.tiers[0], ctx)).toEqual(byKey);
    expect(byKey.dueAt?.toISOString()).toBe('2026-05-20T16:00:00.000Z');
  });

  it('refuses an ambiguous tier number where routes branch, and unknown tiers', () => {
    const p = getProtocol('lincolnshire-lscp');
    const ctx = {
      escalationStartedAt: monday,
      tierStartedAt: monday,
      previousDeadline: null,
      immediateRisk: false,
    };
    expect(() => computeTierDeadline(p, 4, ctx)).toThrow(/alternative routes/);
    expect(() => computeTierDeadline(p, 9, ctx)).toThrow('lincolnshire-lscp has no tier 9');
    expect(() => computeTierDeadline(p, 'nope', ctx)).toThrow(/has no tier "nope"/);
  });

  it('counts "a further N" from the previous deadline, so an early escalation keeps the running total', () => {
    // Step 1 resolved-or-failed early on Tue 19 May: step 2 still ends at 4 working days in all (Fri 22 May).
    const p = getProtocol('sefton-sscp');
    const d = computeTierDeadline(p, 'manager-to-manager', {
      escalationStartedAt: monday,
      tierStartedAt: new Date('2026-05-19T10:00:00Z'),
      previousDeadline: new Date('2026-05-20T16:00:00Z'),
      immediateRisk: false,
    });
    expect(d.dueAt?.toISOString()).toBe('2026-05-22T16:00:00.000Z');
  });

  it('counts from the tier start when there is no previous deadline', () => {
    const p = getProtocol('sefton-sscp');
    const d = computeTierDeadline(p, 'manager-to-manager', {
      escalationStartedAt: monday,
      tierStartedAt: monday,
      previousDeadline: null,
      immediateRisk: false,
    });
    expect(d.dueAt?.toISOString()).toBe('2026-05-20T16:00:00.000Z');
    expect(d.explanation).toContain('no previous deadline to count from');
  });

  it('counts Lincolnshire step 2 from the escalation start, or from the tier start if that has already passed', () => {
    const p = getProtocol('lincolnshire-lscp');
    const onTime = computeTierDeadline(p, 'manager-to-manager', {
      escalationStartedAt: monday,
      tierStartedAt: new Date('2026-05-20T16:00:00Z'),
      previousDeadline: new Date('2026-05-20T16:00:00Z'),
      immediateRisk: false,
    });
    expect(onTime.dueAt?.toISOString()).toBe('2026-05-26T16:00:00.000Z');
    expect(onTime.explanation).toContain('counted as 5 working days from the start of the escalation');
    const late = computeTierDeadline(p, 'manager-to-manager', {
      escalationStartedAt: monday,
      tierStartedAt: new Date('2026-05-27T10:00:00Z'),
      previousDeadline: null,
      immediateRisk: false,
    });
    expect(late.dueAt?.toISOString()).toBe('2026-06-03T16:00:00.000Z');
    expect(late.explanation).toContain('ends before the tier started');
  });

  it('returns no deadline for a tier without a timescale', () => {
    const p = getProtocol('lincolnshire-lscp');
    const d = computeTierDeadline(p, 'learning-referral', {
      escalationStartedAt: monday,
      tierStartedAt: monday,
      previousDeadline: null,
      immediateRisk: true,
    });
    expect(d.dueAt).toBeNull();
    expect(d.explanation).toContain('no deadline');
  });

  it('under immediate risk takes the fast track only when it is shorter', () => {
    const p = variant('sefton-sscp', (j) => (j.fastTrack.workingDaysPerTier = 3));
    const ctx = {
      escalationStartedAt: monday,
      tierStartedAt: monday,
      previousDeadline: null,
      immediateRisk: true,
    };
    expect(computeTierDeadline(p, 1, ctx).dueAt?.toISOString()).toBe('2026-05-20T16:00:00.000Z');
    const shortened = computeTierDeadline(getProtocol('sefton-sscp'), 1, ctx);
    expect(shortened.dueAt?.toISOString()).toBe('2026-05-19T16:00:00.000Z');
    expect(shortened.explanation).toContain('immediate risk, fast track');
  });

  it('fast track of 0 working days means close of business today', () => {
    const p = variant('sefton-sscp', (j) => (j.fastTrack.workingDaysPerTier = 0));
    const d = computeTierDeadline(p, 1, {
      escalationStartedAt: monday,
      tierStartedAt: monday,
      previousDeadline: null,
      immediateRisk: true,
    });
    expect(d.dueAt?.toISOString()).toBe('2026-05-18T16:00:00.000Z');
  });

  it('enforces "immediately" as close of business today when enforcedWorkingDays is 0', () => {
    const p = variant('sefton-sscp', (j) => {
      j.tiers[0].timescale = {
        kind: 'immediately',
        enforcedWorkingDays: 0,
        asWritten: 'This must occur immediately',
      };
    });
    const d = computeTierDeadline(p, 1, {
      escalationStartedAt: monday,
      tierStartedAt: monday,
      previousDeadline: null,
      immediateRisk: false,
    });
    expect(d.dueAt?.toISOString()).toBe('2026-05-18T16:00:00.000Z');
    expect(d.explanation).toContain('enforced as close of business today');
  });

  it('counts working hours inside business hours when a protocol reads hours as clock hours', () => {
    const p = variant('bscb', (j) => {
      j.tiers[0].timescale = { kind: 'working-hours', amount: 8, from: 'tier-start', asWritten: '24 hours' };
    });
    const d = computeTierDeadline(p, 1, {
      escalationStartedAt: monday,
      tierStartedAt: monday,
      previousDeadline: null,
      immediateRisk: false,
    });
    expect(d.dueAt?.toISOString()).toBe('2026-05-19T08:30:00.000Z');
  });

  it('counts with the holiday data it is given, so the worker records the version it used', () => {
    // A made-up extra bank holiday on Tue 19 May 2026 pushes Sefton step 1 to Thu 21 May.
    const extra: HolidaySet = {
      ...DEFAULT_HOLIDAYS,
      version: 'test',
      divisions: {
        ...DEFAULT_HOLIDAYS.divisions,
        'england-and-wales': [
          ...DEFAULT_HOLIDAYS.divisions['england-and-wales'],
          { date: '2026-05-19', name: 'Test Day' },
        ].sort((a, b) => a.date.localeCompare(b.date)),
      },
    };
    const ctx = {
      escalationStartedAt: monday,
      tierStartedAt: monday,
      previousDeadline: null,
      immediateRisk: false,
    };
    const p = getProtocol('sefton-sscp');
    expect(computeTierDeadline(p, 1, { ...ctx, holidays: extra }).dueAt?.toISOString()).toBe(
      '2026-05-21T16:00:00.000Z',
    );
    expect(computeTierDeadline(p, 1, ctx).dueAt?.toISOString()).toBe('2026-05-20T16:00:00.000Z');
    expect(computeTimeline(p, monday, { holidays: extra }).tiers[0].dueAt).toBe('2026-05-21T16:00:00.000Z');
  });

  it('quotes the clause and the words of the document', () => {
    const d = computeTierDeadline(getProtocol('bscb'), 'board-member', {
      escalationStartedAt: monday,
      tierStartedAt: monday,
      previousDeadline: null,
      immediateRisk: false,
    });
    expect(d.explanation).toContain('003 Stage 3');
    expect(d.explanation).toContain('5 working days from receipt of escalation');
    // Mon 25 May is the Spring bank holiday.
    expect(d.explanation).toContain('due Tue 26 May 17:00: 5 working days from Mon 18 May 09:30');
  });
});

describe(tierAt.name, () => {
  it('takes the urgent route for urgent or immediate-risk escalations, the non-urgent route otherwise', () => {
    const p = getProtocol('lincolnshire-joint-adults');
    expect(tierAt(p, 4).key).toBe('learning-referral');
    expect(tierAt(p, 4, { urgent: true }).key).toBe('independent-chaired-meeting');
    expect(tierAt(p, 4, { immediateRisk: true }).key).toBe('independent-chaired-meeting');
    expect(tierAt(p, 2).key).toBe('manager-to-manager');
  });

  it('takes the first "any" route where a person chooses at the step', () => {
    expect(tierAt(getProtocol('demo'), 4).route).toBe('independently-chaired-meeting');
  });

  it('gives the path and the next tier', () => {
    const p = getProtocol('lincolnshire-lscp');
    expect(tierPath(p, { urgent: true }).map((t) => t.key)).toEqual([
      'professional-to-professional',
      'manager-to-manager',
      'slo-to-slo',
      'independent-chaired-meeting',
    ]);
    expect(nextTier(p, 3)?.key).toBe('learning-referral');
    expect(nextTier(p, 4)).toBeNull();
  });
});
