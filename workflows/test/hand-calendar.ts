/**
 * Working-day arithmetic written out by hand for the tests, independently of @resolve/calendar:
 * "N working days from an instant" ends at 17:00 Europe/London on the N-th Monday-to-Friday that
 * is not an England and Wales bank holiday, counted from the day AFTER the instant's London
 * calendar day (docs/protocols.md, "How every deadline is counted", rule 1).
 *
 * The bank holidays are typed in from the gov.uk list (Easter from the calendar; substitute days
 * where a holiday falls on a weekend), not read from the calendar library's data.
 */
const ENGLAND_AND_WALES_BANK_HOLIDAYS = new Set([
  // 2026: New Year, Good Friday 3 Apr, Easter Monday 6 Apr, early May, spring, summer, Christmas,
  // Boxing Day (Sat 26 Dec -> Mon 28 Dec)
  '2026-01-01',
  '2026-04-03',
  '2026-04-06',
  '2026-05-04',
  '2026-05-25',
  '2026-08-31',
  '2026-12-25',
  '2026-12-28',
  // 2027: Easter Sunday 28 Mar; Christmas Sat -> Mon 27, Boxing Day Sun -> Tue 28
  '2027-01-01',
  '2027-03-26',
  '2027-03-29',
  '2027-05-03',
  '2027-05-31',
  '2027-08-30',
  '2027-12-27',
  '2027-12-28',
  // 2028: New Year Sat -> Mon 3 Jan; Easter Sunday 16 Apr
  '2028-01-03',
  '2028-04-14',
  '2028-04-17',
  '2028-05-01',
  '2028-05-29',
  '2028-08-28',
  '2028-12-25',
  '2028-12-26',
  // 2029: Easter Sunday 1 Apr
  '2029-01-01',
  '2029-03-30',
  '2029-04-02',
  '2029-05-07',
  '2029-05-28',
  '2029-08-27',
  '2029-12-25',
  '2029-12-26',
  // 2030: Easter Sunday 21 Apr
  '2030-01-01',
  '2030-04-19',
  '2030-04-22',
  '2030-05-06',
  '2030-05-27',
  '2030-08-26',
  '2030-12-25',
  '2030-12-26',
]);

const londonParts = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

function london(ms: number): { date: string; hour: number; minute: number } {
  const p = Object.fromEntries(londonParts.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return { date: `${p.year}-${p.month}-${p.day}`, hour: Number(p.hour), minute: Number(p.minute) };
}

/** 17:00 in London on a London calendar date: 16:00Z in summer time, 17:00Z in winter. */
function fivePmLondon(date: string): number {
  for (const utcHour of [16, 17]) {
    const ms = Date.parse(`${date}T${String(utcHour).padStart(2, '0')}:00:00Z`);
    const l = london(ms);
    if (l.date === date && l.hour === 17 && l.minute === 0) return ms;
  }
  throw new Error(`no 17:00 London on ${date}`);
}

function nextDate(date: string): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

function isWorkingDay(date: string): boolean {
  if (date > '2030-12-31') throw new Error(`hand-typed bank holidays end in 2030 (asked about ${date})`);
  const dow = new Date(`${date}T12:00:00Z`).getUTCDay();
  return dow !== 0 && dow !== 6 && !ENGLAND_AND_WALES_BANK_HOLIDAYS.has(date);
}

/** Close of business on the n-th working day after the London calendar day of `fromMs`. */
export function handWorkingDays(fromMs: number, n: number): number {
  let date = london(fromMs).date;
  let counted = 0;
  while (counted < n) {
    date = nextDate(date);
    if (isWorkingDay(date)) counted += 1;
  }
  return fivePmLondon(date);
}
