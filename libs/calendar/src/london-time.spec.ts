import { formatLocal, localDateOf, localInstant } from './index';
import { addDays, dayOfWeek, londonOffsetMs } from './london-time';

const HOUR = 3_600_000;

/** Europe/London offset at an instant as ICU (Intl) sees it, in ms. */
const intlParts = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
});
function intlOffsetMs(ms: number): number {
  const p = Object.fromEntries(intlParts.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  const wall = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute));
  return wall - Math.floor(ms / 60_000) * 60_000;
}

describe('Europe/London offsets (statutory rule, no Intl at run time)', () => {
  it('agrees with Intl.DateTimeFormat every 3 hours from 2017 to 2031, and every minute around each change', () => {
    const mismatches: string[] = [];
    for (let ms = Date.UTC(2017, 0, 1); ms < Date.UTC(2032, 0, 1); ms += 3 * HOUR) {
      if (londonOffsetMs(ms) !== intlOffsetMs(ms)) mismatches.push(new Date(ms).toISOString());
    }
    for (let year = 2017; year <= 2031; year++) {
      for (const month of [2, 9]) {
        const last = new Date(Date.UTC(year, month + 1, 0));
        const change = Date.UTC(year, month, last.getUTCDate() - last.getUTCDay(), 1);
        for (let ms = change - 2 * HOUR; ms <= change + 2 * HOUR; ms += 60_000) {
          if (londonOffsetMs(ms) !== intlOffsetMs(ms)) mismatches.push(new Date(ms).toISOString());
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('changes at 01:00 UTC on the last Sundays of March and October', () => {
    expect(londonOffsetMs(Date.parse('2026-03-29T00:59:59.999Z'))).toBe(0);
    expect(londonOffsetMs(Date.parse('2026-03-29T01:00:00Z'))).toBe(HOUR);
    expect(londonOffsetMs(Date.parse('2026-10-25T00:59:59.999Z'))).toBe(HOUR);
    expect(londonOffsetMs(Date.parse('2026-10-25T01:00:00Z'))).toBe(0);
  });
});

describe('localInstant', () => {
  it('converts GMT and BST wall clocks', () => {
    expect(localInstant('2026-01-15', '17:00').toISOString()).toBe('2026-01-15T17:00:00.000Z');
    expect(localInstant('2026-07-15', '17:00').toISOString()).toBe('2026-07-15T16:00:00.000Z');
    expect(localInstant('2026-03-29', '09:00').toISOString()).toBe('2026-03-29T08:00:00.000Z');
    expect(localInstant('2026-10-25', '09:00').toISOString()).toBe('2026-10-25T09:00:00.000Z');
    expect(localInstant('2026-03-28', '23:59').toISOString()).toBe('2026-03-28T23:59:00.000Z');
  });

  it('reads a time in the spring gap with the GMT offset (01:30 shows as 02:30 BST)', () => {
    const t = localInstant('2026-03-29', '01:30');
    expect(t.toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(formatLocal(t)).toBe('Sun 29 Mar 02:30');
  });

  it('takes the first (BST) occurrence of a time in the autumn overlap', () => {
    expect(localInstant('2026-10-25', '01:30').toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(localInstant('2026-10-25', '00:59').toISOString()).toBe('2026-10-24T23:59:00.000Z');
    expect(localInstant('2026-10-25', '02:00').toISOString()).toBe('2026-10-25T02:00:00.000Z');
  });

  it('round-trips with localDateOf and formatLocal for every day of 2026 at 00:00, 09:00 and 23:59', () => {
    for (let d = '2026-01-01'; d <= '2026-12-31'; d = addDays(d, 1)) {
      for (const time of ['00:00', '09:00', '23:59']) {
        const t = localInstant(d, time);
        expect(localDateOf(t)).toBe(d);
        expect(formatLocal(t).endsWith(time)).toBe(true);
      }
    }
  });

  it('rejects malformed or impossible dates and times', () => {
    expect(() => localInstant('2026-02-30', '09:00')).toThrow(/not a real calendar date/);
    expect(() => localInstant('26-02-01', '09:00')).toThrow(/"YYYY-MM-DD"/);
    expect(() => localInstant('2026-02-01', '9:00')).toThrow(/"HH:MM"/);
    expect(() => localInstant('2026-02-01', '24:00')).toThrow(/"HH:MM"/);
    expect(() => localInstant('1990-06-01', '09:00')).toThrow(/supported years/);
  });
});

describe('localDateOf and formatLocal', () => {
  it('use the London calendar day, not the UTC one', () => {
    expect(localDateOf(new Date('2026-06-30T23:30:00Z'))).toBe('2026-07-01'); // 00:30 BST
    expect(localDateOf(new Date('2026-12-31T23:30:00Z'))).toBe('2026-12-31'); // GMT
    expect(formatLocal(new Date('2026-04-07T16:00:00Z'))).toBe('Tue 7 Apr 17:00');
    expect(formatLocal(new Date('2026-12-29T17:00:00Z'))).toBe('Tue 29 Dec 17:00');
    expect(formatLocal(new Date('2026-06-30T23:05:00Z'))).toBe('Wed 1 Jul 00:05');
  });

  it('reject anything that is not a valid Date', () => {
    expect(() => localDateOf(new Date(NaN))).toThrow(/invalid Date \(NaN\)/);
    expect(() => formatLocal('2026-01-01' as unknown as Date)).toThrow(/must be a Date, got "2026-01-01"/);
  });

  it('computes weekdays from the calendar date', () => {
    expect(dayOfWeek('2026-04-03')).toBe(5);
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
  });
});
