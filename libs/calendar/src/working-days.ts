/**
 * Working-day deadlines for the escalation protocols.
 *
 * The protocols write timescales such as "within 2 working days" (Sefton step 1), "within a
 * further 2 working days of step 1 (4 days total)" (Sefton step 2), "within 5 working days of
 * step 1" (Lincolnshire step 2), "within 48 hours (2 working days)" (Lincolnshire steps 1 and 3,
 * BSCB stage 2) and "immediately" (Lincolnshire and Sefton step 1, "contacted immediately" at
 * step 3). None says from which instant or until which instant a working day counts, so this
 * module fixes one rule and explains every deadline in words (see docs/calendar.md):
 *
 *   N working days from instant t end at close of business (default 17:00 Europe/London) on the
 *   N-th working day AFTER the calendar day of t. The day of t never counts, whatever the time:
 *   an escalation raised at 08:00 and one raised at 16:59 on the same day get the same deadline,
 *   so nobody loses a day for raising a concern early and nobody gains one for raising it late.
 *
 *   A working day is Monday to Friday and not a bank holiday of the partnership's nation
 *   (substitute days included), because bank holidays differ between England and Wales,
 *   Scotland and Northern Ireland.
 *
 * Everything is computed from the arguments and the holiday data (no clock, no I/O), so a
 * Temporal workflow gets the same deadline on replay.
 */
import { DEFAULT_HOLIDAYS } from './default-holidays';
import { checkNation, nationHolidays, type NationHolidays } from './holiday-data';
import {
  addDays,
  dayOfWeek,
  formatLocal,
  formatLocalDate,
  instantMs,
  localDateOf,
  localInstant,
  parseLocalDateMs,
  parseLocalTimeMinutes,
} from './london-time';
import type { BusinessHours, Deadline, HolidaySet, Nation, WorkingDayOptions } from './types';

export const DEFAULT_BUSINESS_HOURS: Readonly<BusinessHours> = Object.freeze({
  start: '09:00',
  end: '17:00',
});

/** Stops a loop over days long before it could spin: no count needs 50 years of days. */
const MAX_DAYS_SCANNED = 366 * 50;

type Holiday = { date: string; name: string };

interface Resolved {
  nation: Nation;
  hours: BusinessHours;
  set: HolidaySet;
  data: NationHolidays;
}

function resolve(options: WorkingDayOptions): Resolved {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('options must be an object {nation, businessHours?, holidays?}');
  }
  const nation = checkNation(options.nation);
  const hours = options.businessHours ?? DEFAULT_BUSINESS_HOURS;
  if (typeof hours !== 'object' || hours === null) {
    throw new TypeError('businessHours must be an object {start: "HH:MM", end: "HH:MM"}');
  }
  const start = parseLocalTimeMinutes(hours.start, 'businessHours.start');
  const end = parseLocalTimeMinutes(hours.end, 'businessHours.end');
  if (start >= end) {
    throw new RangeError(
      `businessHours.start (${hours.start}) must be before businessHours.end (${hours.end})`,
    );
  }
  const set = options.holidays ?? DEFAULT_HOLIDAYS;
  return { nation, hours: { start: hours.start, end: hours.end }, set, data: nationHolidays(set, nation) };
}

/** Throws unless the holiday data covers `localDate` for the nation: outside it we cannot know. */
function ensureCovered(
  localDate: string,
  r: { nation: Nation; set: HolidaySet; data: NationHolidays },
): void {
  if (localDate < r.data.first || localDate > r.data.last) {
    throw new RangeError(
      `${localDate} is outside the bank holiday data for ${r.nation}, which covers ${r.data.first} to ${r.data.last} ` +
        `(data version ${r.set.version}). Refresh the data (docs/calendar.md, "Refreshing the data").`,
    );
  }
}

/** Working day: Mon-Fri and not a bank holiday. Returns the holiday when it is one. */
function classify(
  localDate: string,
  r: Resolved | { nation: Nation; set: HolidaySet; data: NationHolidays },
) {
  ensureCovered(localDate, r);
  const dow = dayOfWeek(localDate);
  const holidayName = r.data.byDate.get(localDate);
  const weekend = dow === 0 || dow === 6;
  return {
    working: !weekend && holidayName === undefined,
    holiday: holidayName === undefined ? undefined : { date: localDate, name: holidayName },
  };
}

function checkCount(value: unknown, what: string, integer: boolean): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new RangeError(`${what} must be a finite number, got ${String(value)}`);
  }
  if (value < 0) throw new RangeError(`${what} must not be negative, got ${value}`);
  if (integer && !Number.isInteger(value))
    throw new RangeError(`${what} must be a whole number, got ${value}`);
  return value;
}

/** "A and B", "A, B and C". */
function listWords(items: string[]): string {
  return items.length <= 1
    ? items.join('')
    : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function holidayClause(skipped: Holiday[]): string {
  if (skipped.length === 0) return '';
  const items = skipped.map((h) => `${formatLocalDate(h.date)} ${h.name}`);
  return `; ${listWords(items)} ${skipped.length === 1 ? 'is a bank holiday' : 'are bank holidays'}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Close of business on the `days`-th working day after the calendar day (Europe/London) of
 * `from`. The day of `from` itself never counts, whatever the time. Chained timescales ("a
 * further 2 working days") pass the previous deadline as `from`: its day is then not counted
 * again, so 2 + 2 working days from Monday end on Friday, as "(4 days total)" in Sefton step 2.
 *
 * `days` = 0 means "immediately" and gives the same deadline as closeOfBusinessToday (the
 * protocol schema's `enforcedWorkingDays: 0`, "by close of business today").
 */
export function addWorkingDays(from: Date, days: number, options: WorkingDayOptions): Deadline {
  const fromMs = instantMs(from, 'from');
  checkCount(days, 'days', true);
  const r = resolve(options);
  if (days === 0) return closeOfBusinessToday(from, options);

  const startDay = localDateOf(new Date(fromMs));
  ensureCovered(startDay, r);
  const skipped: Holiday[] = [];
  let day = startDay;
  let counted = 0;
  for (let scanned = 0; counted < days; scanned++) {
    if (scanned > MAX_DAYS_SCANNED) throw new RangeError(`days (${days}) is too large`);
    day = addDays(day, 1);
    const c = classify(day, r);
    if (c.working) counted++;
    else if (c.holiday) skipped.push(c.holiday);
  }
  const dueAt = localInstant(day, r.hours.end);
  return {
    dueAt,
    explanation:
      `due ${formatLocal(dueAt)}: ${plural(days, 'working day')} from ${formatLocal(new Date(fromMs))}` +
      holidayClause(skipped),
    skippedHolidays: skipped,
  };
}

/**
 * Clock hours counted only inside business hours (default 09:00-17:00 Europe/London) on working
 * days, starting at `from` (or at the next opening when `from` is outside them). For timescales
 * the protocol settings choose to read as clock hours ("24 hours", "48 hours") rather than
 * working days. A count that ends exactly at close of business ends then, not at next opening.
 * Fractions of an hour are allowed (0.5 = 30 minutes).
 */
export function addWorkingHours(from: Date, hours: number, options: WorkingDayOptions): Deadline {
  const fromMs = instantMs(from, 'from');
  checkCount(hours, 'hours', false);
  const r = resolve(options);
  let remaining = Math.round(hours * 3_600_000);
  const skipped: Holiday[] = [];
  let day = localDateOf(new Date(fromMs));
  let cursor = fromMs;
  let dueMs: number | undefined;
  for (let scanned = 0; dueMs === undefined; scanned++) {
    if (scanned > MAX_DAYS_SCANNED) throw new RangeError(`hours (${hours}) is too large`);
    const c = classify(day, r);
    if (c.working) {
      const open = localInstant(day, r.hours.start).getTime();
      const close = localInstant(day, r.hours.end).getTime();
      const start = Math.max(cursor, open);
      if (start < close) {
        const available = close - start;
        if (remaining <= available) dueMs = start + remaining;
        else remaining -= available;
      }
    } else if (c.holiday) {
      skipped.push(c.holiday);
    }
    day = addDays(day, 1);
    cursor = Number.NEGATIVE_INFINITY; // later days count from their opening
  }
  const dueAt = new Date(dueMs);
  return {
    dueAt,
    explanation:
      `due ${formatLocal(dueAt)}: ${plural(hours, 'working hour')} (${r.hours.start}-${r.hours.end} on working days) ` +
      `from ${formatLocal(new Date(fromMs))}` +
      holidayClause(skipped),
    skippedHolidays: skipped,
  };
}

/**
 * Close of business on the `days`-th calendar day after the calendar day (Europe/London) of
 * `from`, whether or not that day is a working day: for a protocol that writes "within N days"
 * and means calendar days. As with working days the day of `from` never counts, so the time of
 * the raise does not matter; counting local days keeps 17:00 local across a clock change.
 */
export function addCalendarDays(from: Date, days: number, options: WorkingDayOptions): Deadline {
  const fromMs = instantMs(from, 'from');
  checkCount(days, 'days', true);
  const r = resolve(options);
  if (days > MAX_DAYS_SCANNED) throw new RangeError(`days (${days}) is too large`);
  const day = addDays(localDateOf(new Date(fromMs)), days);
  const dueAt = localInstant(day, r.hours.end);
  return {
    dueAt,
    explanation: `due ${formatLocal(dueAt)}: ${plural(days, 'calendar day')} from ${formatLocal(new Date(fromMs))}, weekends and bank holidays included`,
    skippedHolidays: [],
  };
}

/**
 * `hours` elapsed clock hours after `from`, nights, weekends and bank holidays included ("within
 * 24 hours" read literally). Elapsed time, so a clock change makes the local time of the deadline
 * move by an hour rather than the duration.
 */
export function addClockHours(from: Date, hours: number): Deadline {
  const fromMs = instantMs(from, 'from');
  checkCount(hours, 'hours', false);
  const dueAt = new Date(fromMs + Math.round(hours * 3_600_000));
  return {
    dueAt,
    explanation: `due ${formatLocal(dueAt)}: ${plural(hours, 'clock hour')} from ${formatLocal(new Date(fromMs))}, at any time of day`,
    skippedHolidays: [],
  };
}

/**
 * "Immediately" (Lincolnshire/Sefton step 1: "This must occur immediately with an
 * acknowledgement ..."; step 3: "should be contacted immediately"): the system enforces close of
 * business on the day of `from` when that day is a working day and `from` is before close of
 * business; otherwise close of business on the next working day.
 */
export function closeOfBusinessToday(from: Date, options: WorkingDayOptions): Deadline {
  const fromMs = instantMs(from, 'from');
  const r = resolve(options);
  const today = localDateOf(new Date(fromMs));
  const first = classify(today, r);
  const fromText = formatLocal(new Date(fromMs));
  if (first.working) {
    const close = localInstant(today, r.hours.end);
    if (fromMs < close.getTime()) {
      return {
        dueAt: close,
        explanation: `due ${formatLocal(close)}: close of business on the day of ${fromText}`,
        skippedHolidays: [],
      };
    }
  }
  const skipped: Holiday[] = first.holiday ? [first.holiday] : [];
  let day = today;
  for (;;) {
    day = addDays(day, 1);
    const c = classify(day, r);
    if (c.working) break;
    if (c.holiday) skipped.push(c.holiday);
  }
  const dueAt = localInstant(day, r.hours.end);
  const why = first.working ? `after close of business (${r.hours.end})` : 'not a working day';
  return {
    dueAt,
    explanation:
      `due ${formatLocal(dueAt)}: close of business on the next working day, as ${fromText} is ${why}` +
      holidayClause(skipped),
    skippedHolidays: skipped,
  };
}

/**
 * Business time between two instants, in milliseconds: the part of [from, to) that falls within
 * business hours on working days. 0 when `to` is not later.
 */
export function workingTimeBetween(from: Date, to: Date, options: WorkingDayOptions): number {
  const fromMs = instantMs(from, 'from');
  const toMs = instantMs(to, 'to');
  const r = resolve(options);
  let total = 0;
  let day = localDateOf(new Date(fromMs));
  const lastDay = localDateOf(new Date(Math.max(fromMs, toMs)));
  for (let scanned = 0; toMs > fromMs && day <= lastDay; scanned++) {
    if (scanned > MAX_DAYS_SCANNED) throw new RangeError('the period is too long');
    if (classify(day, r).working) {
      const open = Math.max(localInstant(day, r.hours.start).getTime(), fromMs);
      const close = Math.min(localInstant(day, r.hours.end).getTime(), toMs);
      if (close > open) total += close - open;
    }
    day = addDays(day, 1);
  }
  return total;
}

/**
 * Halfway through the business time between two instants: a reminder that falls in working
 * time, never on a weekend, a bank holiday or at night (a calendar midpoint can). Null when
 * there is no business time between them.
 */
export function workingMidpoint(from: Date, to: Date, options: WorkingDayOptions): Date | null {
  const half = Math.floor(workingTimeBetween(from, to, options) / 2);
  if (half <= 0) return null;
  return addWorkingHours(from, half / 3_600_000, options).dueAt;
}

/** Mon-Fri and not a bank holiday of `nation`. Throws outside the years the holiday data covers. */
export function isWorkingDay(
  localDate: string,
  nation: Nation,
  holidays: HolidaySet = DEFAULT_HOLIDAYS,
): boolean {
  parseLocalDateMs(localDate);
  const n = checkNation(nation);
  return classify(localDate, { nation: n, set: holidays, data: nationHolidays(holidays, n) }).working;
}

/**
 * Working days after `fromLocalDate` up to and including `toLocalDate` (YYYY-MM-DD, local
 * dates): how many working days a case took, raised on one day and closed on another. 0 when
 * the two are the same day or `to` is earlier. Throws outside the years the holiday data covers.
 */
export function countWorkingDays(
  fromLocalDate: string,
  toLocalDate: string,
  nation: Nation,
  holidays: HolidaySet = DEFAULT_HOLIDAYS,
): number {
  let dayMs = parseLocalDateMs(fromLocalDate);
  const endMs = parseLocalDateMs(toLocalDate);
  let count = 0;
  while (dayMs < endMs) {
    dayMs += 86_400_000;
    if (isWorkingDay(new Date(dayMs).toISOString().slice(0, 10), nation, holidays)) count++;
  }
  return count;
}

/** The bank holidays of `nation` in the data, sorted by date (a copy). */
export function bankHolidays(
  nation: Nation,
  holidays: HolidaySet = DEFAULT_HOLIDAYS,
): { date: string; name: string }[] {
  return nationHolidays(holidays, checkNation(nation)).list.map((h) => ({ date: h.date, name: h.name }));
}
