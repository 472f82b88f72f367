import { addCalendarDays, addClockHours } from './working-days';

const england = { nation: 'england-and-wales' as const };

describe(addCalendarDays.name, () => {
  it('counts the weekend: 2 calendar days from Friday end at 17:00 on Sunday', () => {
    const d = addCalendarDays(new Date('2026-05-15T10:00:00+01:00'), 2, england);
    expect(d.dueAt.toISOString()).toBe('2026-05-17T16:00:00.000Z');
    expect(d.explanation).toContain('2 calendar days');
  });

  it('counts a bank holiday as a day (Easter Monday 2026)', () => {
    const d = addCalendarDays(new Date('2026-04-03T09:00:00+01:00'), 3, england);
    expect(d.dueAt.toISOString()).toBe('2026-04-06T16:00:00.000Z');
    expect(d.skippedHolidays).toEqual([]);
  });

  it('keeps close of business local across the spring clock change', () => {
    // 28 March 2026 is GMT; 29 March is the change to BST.
    const d = addCalendarDays(new Date('2026-03-28T12:00:00Z'), 1, england);
    expect(d.dueAt.toISOString()).toBe('2026-03-29T16:00:00.000Z');
  });
});

describe(addClockHours.name, () => {
  it('runs through the night and the weekend', () => {
    const d = addClockHours(new Date('2026-05-15T16:00:00Z'), 24);
    expect(d.dueAt.toISOString()).toBe('2026-05-16T16:00:00.000Z');
    expect(d.explanation).toContain('24 clock hours');
  });

  it('counts elapsed hours across the autumn clock change', () => {
    // 25 October 2026, 02:00 BST becomes 01:00 GMT: 24 elapsed hours from 12:00 BST end at 11:00 GMT.
    const d = addClockHours(new Date('2026-10-24T11:00:00Z'), 24);
    expect(d.dueAt.toISOString()).toBe('2026-10-25T11:00:00.000Z');
    expect(d.explanation).toContain('Sun 25 Oct 11:00');
  });

  it('refuses a negative count', () => {
    expect(() => addClockHours(new Date('2026-05-15T16:00:00Z'), -1)).toThrow(/hours must not be negative/);
  });
});
