import { getProtocol, parseProtocol } from './registry';
import type { Protocol } from './schema';
import { computeTierDeadline } from './timeline';

/** Sefton with tier 1's timescale replaced, validated like a file a partnership writes. */
function withTier1(timescale: object, extra: (json: any) => void = () => undefined): Protocol {
  const json = JSON.parse(JSON.stringify(getProtocol('sefton-sscp')));
  json.id = 'units-test';
  json.tiers[0].timescale = timescale;
  extra(json);
  return parseProtocol(json, 'units-test.json');
}

const start = (at: string) => ({
  escalationStartedAt: new Date(at),
  tierStartedAt: new Date(at),
  previousDeadline: null,
  immediateRisk: false,
});

describe('timescale units beyond working days', () => {
  it('calendar days run through the weekend and a bank holiday (Easter 2026)', () => {
    const protocol = withTier1({
      kind: 'calendar-days',
      amount: 3,
      from: 'tier-start',
      asWritten: 'within 3 days',
    });
    // Thu 2 Apr 10:00 BST + 3 days: Sun 5 Apr 17:00, though Good Friday falls in between.
    const d = computeTierDeadline(protocol, 1, start('2026-04-02T09:00:00Z'));
    expect(d.dueAt?.toISOString()).toBe('2026-04-05T16:00:00.000Z');
    expect(d.explanation).toContain('counted as 3 calendar days from the start of this tier');
  });

  it('clock hours run day and night, across the autumn clock change', () => {
    const protocol = withTier1({
      kind: 'clock-hours',
      amount: 24,
      from: 'tier-start',
      asWritten: 'within 24 hours',
    });
    const d = computeTierDeadline(protocol, 1, start('2026-10-24T11:00:00Z'));
    expect(d.dueAt?.toISOString()).toBe('2026-10-25T11:00:00.000Z');
    expect(d.explanation).toContain('24 clock hours');
  });

  it('"without delay" is due a few clock hours after the tier starts when that is earlier than close of business', () => {
    const protocol = withTier1(
      { kind: 'immediately', enforcedWorkingDays: 0, enforcedClockHours: 2, asWritten: 'without delay' },
      (json) => (json.tiers[0].onBreach = 'alert-only'),
    );
    const d = computeTierDeadline(protocol, 1, start('2026-05-18T08:30:00Z'));
    expect(d.dueAt?.toISOString()).toBe('2026-05-18T10:30:00.000Z');
    expect(d.explanation).toContain('without delay as 2 clock hours');
    // Raised at 16:30 BST: close of business (17:00) comes first.
    const late = computeTierDeadline(protocol, 1, start('2026-05-18T15:30:00Z'));
    expect(late.dueAt?.toISOString()).toBe('2026-05-18T16:00:00.000Z');
  });

  it('refuses a clock-hours timescale without a whole positive amount', () => {
    expect(() =>
      withTier1({ kind: 'clock-hours', amount: 0, from: 'tier-start', asWritten: 'within 0 hours' }),
    ).toThrow(/tiers\[0\]\.timescale\.amount/);
  });
});

describe('a timescale that protects the child from harm', () => {
  const sefton = getProtocol('sefton-sscp');

  it('applies when earlier than the tier timescale, and says so', () => {
    const d = computeTierDeadline(sefton, 1, {
      ...start('2026-05-18T08:30:00Z'),
      protectiveDeadline: new Date('2026-05-19T11:00:00Z'),
    });
    expect(d.dueAt?.toISOString()).toBe('2026-05-19T11:00:00.000Z');
    expect(d.explanation).toContain('protects the child from harm');
    expect(d.explanation).toContain('which is earlier, so it applies');
  });

  it('leaves the tier timescale in force when that is earlier', () => {
    const d = computeTierDeadline(sefton, 1, {
      ...start('2026-05-18T08:30:00Z'),
      protectiveDeadline: new Date('2026-06-30T11:00:00Z'),
    });
    expect(d.dueAt?.toISOString()).toBe('2026-05-20T16:00:00.000Z');
    expect(d.explanation).not.toContain('protects the child');
  });

  it('gives an untimed tier a deadline', () => {
    const untimed = withTier1({ kind: 'none', asWritten: 'no timescale' });
    const d = computeTierDeadline(untimed, 1, {
      ...start('2026-05-18T08:30:00Z'),
      protectiveDeadline: new Date('2026-05-21T11:00:00Z'),
    });
    expect(d.dueAt?.toISOString()).toBe('2026-05-21T11:00:00.000Z');
  });
});

describe('the clock starting when the concern was identified', () => {
  const protocol = withTier1(
    { kind: 'working-days', amount: 2, from: 'concern-identified', asWritten: 'within 2 working days' },
    (json) => (json.counting.identifiedAtNoEarlierThanWorkingDays = 5),
  );

  it('counts from the identified instant across a weekend, and explains it', () => {
    // Identified Fri 15 May 2026 10:00 BST, raised Mon 18 May: 2 working days from Friday is Tue 19 May.
    const d = computeTierDeadline(protocol, 1, {
      ...start('2026-05-18T08:30:00Z'),
      concernIdentifiedAt: new Date('2026-05-15T09:00:00Z'),
    });
    expect(d.dueAt?.toISOString()).toBe('2026-05-19T16:00:00.000Z');
    expect(d.explanation).toContain('when the concern was identified (Fri 15 May');
  });

  it('counts from the start of the escalation when the raise gives no earlier instant', () => {
    const d = computeTierDeadline(protocol, 1, start('2026-05-18T08:30:00Z'));
    expect(d.dueAt?.toISOString()).toBe('2026-05-20T16:00:00.000Z');
  });

  it('counts from the tier start when counting from the concern would end before the tier began', () => {
    const d = computeTierDeadline(protocol, 1, {
      ...start('2026-05-18T08:30:00Z'),
      concernIdentifiedAt: new Date('2026-05-11T09:00:00Z'),
    });
    expect(d.dueAt?.toISOString()).toBe('2026-05-20T16:00:00.000Z');
    expect(d.explanation).toContain('ends before the tier started');
  });
});
