import { computeTierDeadline } from './timeline';
import { getProtocol } from './registry';
import { tierReminderInstants } from './reminders';

describe('tierReminderInstants', () => {
  const sefton = getProtocol('sefton-sscp');
  const tier1 = sefton.tiers[0];

  it('puts the halfway reminder in working time when the calendar midpoint is a Sunday', () => {
    // Raised Friday 22 May 2026 16:00 BST; 2 working days, skipping the spring bank holiday
    // (Monday 25 May): due Wednesday 27 May 17:00 BST. The calendar midpoint is Sunday evening.
    const start = new Date('2026-05-22T15:00:00Z');
    const { dueAt } = computeTierDeadline(sefton, tier1, {
      escalationStartedAt: start,
      tierStartedAt: start,
      previousDeadline: null,
      immediateRisk: false,
    });
    expect(dueAt?.toISOString()).toBe('2026-05-27T16:00:00.000Z');
    // Working time: Fri 1 h, Tue 8 h, Wed 8 h = 17 h; half (8 h 30) is Tuesday 16:30 BST.
    expect(tierReminderInstants(sefton, tier1, start, dueAt!)).toEqual([
      '2026-05-26T15:30:00.000Z',
      '2026-05-27T08:00:00.000Z', // the morning of the due day, 09:00 BST
    ]);
  });

  it('keeps the clock midpoint for a tier counted in plain minutes (the demo protocol)', () => {
    const demo = getProtocol('demo');
    const start = new Date('2026-05-23T22:00:00Z'); // a Saturday night: minutes ignore the calendar
    const due = new Date('2026-05-23T22:02:00Z');
    expect(tierReminderInstants(demo, demo.tiers[0], start, due)).toEqual(['2026-05-23T22:01:00.000Z']);
  });
});
