/**
 * Europe/London wall clock <-> UTC instants, without a time-zone library and without Intl.
 *
 * Why a rule and not Intl/ICU: deadlines are computed inside Temporal workflows, which must replay
 * to the same result on any worker. The offset here is pure arithmetic on the statutory rule, so
 * it cannot change with the ICU/tzdata build of the Node that runs the worker. A test checks it
 * against Intl.DateTimeFormat('Europe/London') hour by hour over the holiday data's whole range.
 *
 * The rule (Summer Time Act 1972 as amended by the Summer Time Order 2002, same dates as EU
 * Directive 2000/84/EC): "the period of summer time ... shall begin at one o'clock, Greenwich mean
 * time, in the morning of the last Sunday in March and shall end at one o'clock, Greenwich mean
 * time, in the morning of the last Sunday in October". GMT = UTC+0, BST = UTC+1. The end date
 * rule has applied since 1996 (before that, October changes followed a different rule), so
 * instants before 1996 are refused rather than converted wrongly.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** First year the current last-Sunday-of-October rule applies to. */
export const FIRST_SUPPORTED_YEAR = 1996;
/** Beyond this the Date <-> "YYYY-MM-DD" string handling would need a different year format. */
export const LAST_SUPPORTED_YEAR = 9999;

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Works across realms (a Date made in a Temporal workflow sandbox is not `instanceof` ours). */
function isDate(value: unknown): value is Date {
  return Object.prototype.toString.call(value) === '[object Date]';
}

/** Throws a clear error unless `instant` is a valid Date in the supported years; returns epoch ms. */
export function instantMs(instant: unknown, what = 'instant'): number {
  if (!isDate(instant)) {
    throw new TypeError(`${what} must be a Date, got ${describe(instant)}`);
  }
  const ms = instant.getTime();
  if (Number.isNaN(ms)) {
    throw new RangeError(`${what} is an invalid Date (NaN)`);
  }
  const year = new Date(ms).getUTCFullYear();
  if (year < FIRST_SUPPORTED_YEAR || year > LAST_SUPPORTED_YEAR) {
    throw new RangeError(
      `${what} ${new Date(ms).toISOString()} is outside the supported years ${FIRST_SUPPORTED_YEAR}-${LAST_SUPPORTED_YEAR} ` +
        `(the Europe/London summer time rule used here applies from ${FIRST_SUPPORTED_YEAR})`,
    );
  }
  return ms;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  return typeof value;
}

/** Epoch ms of 00:00 UTC on the last Sunday of `month` (0-based) in `year`. */
function lastSundayUtc(year: number, month: number): number {
  const lastDay = new Date(Date.UTC(year, month + 1, 0));
  return Date.UTC(year, month, lastDay.getUTCDate() - lastDay.getUTCDay());
}

/** Summer time starts 01:00 GMT on the last Sunday in March... */
function bstStartMs(year: number): number {
  return lastSundayUtc(year, 2) + HOUR;
}

/** ...and ends 01:00 GMT on the last Sunday in October. */
function bstEndMs(year: number): number {
  return lastSundayUtc(year, 9) + HOUR;
}

/** UTC offset of Europe/London at an instant, in ms: HOUR during BST, 0 during GMT. */
export function londonOffsetMs(ms: number): number {
  // The UTC year is the right year to take the rule from: the changes are in March and October,
  // far from the year boundary.
  const year = new Date(ms).getUTCFullYear();
  return ms >= bstStartMs(year) && ms < bstEndMs(year) ? HOUR : 0;
}

/** The Europe/London wall clock at an instant, as a Date whose UTC fields read as local. */
function wallClock(ms: number): Date {
  return new Date(ms + londonOffsetMs(ms));
}

/** YYYY-MM-DD of an instant in Europe/London. */
export function localDateOf(instant: Date): string {
  const ms = instantMs(instant);
  return wallClock(ms).toISOString().slice(0, 10);
}

/** "HH:MM" of an instant in Europe/London (seconds dropped). */
export function localTimeOf(instant: Date): string {
  const ms = instantMs(instant);
  return wallClock(ms).toISOString().slice(11, 16);
}

/** e.g. "Tue 7 Apr 17:00": weekday, day, month and time in Europe/London, as practitioners read it. */
export function formatLocal(instant: Date): string {
  const w = wallClock(instantMs(instant));
  return `${WEEKDAYS[w.getUTCDay()]} ${w.getUTCDate()} ${MONTHS[w.getUTCMonth()]} ${w.toISOString().slice(11, 16)}`;
}

/** e.g. "Fri 3 Apr" for a local date "2026-04-03". */
export function formatLocalDate(localDate: string): string {
  const d = new Date(parseLocalDateMs(localDate));
  return `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
}

/**
 * Epoch ms of 00:00 UTC on a "YYYY-MM-DD" calendar date (a day key for arithmetic, not an
 * instant in London). Throws on malformed or impossible dates such as 2026-02-30.
 */
export function parseLocalDateMs(localDate: unknown, what = 'localDate'): number {
  const m = typeof localDate === 'string' ? DATE_RE.exec(localDate) : null;
  if (!m) {
    throw new RangeError(`${what} must be a date "YYYY-MM-DD", got ${describe(localDate)}`);
  }
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) {
    throw new RangeError(`${what} ${JSON.stringify(localDate)} is not a real calendar date`);
  }
  return ms;
}

/** Validates "HH:MM" (00:00-23:59) and returns minutes after midnight. */
export function parseLocalTimeMinutes(localTime: unknown, what = 'localTime'): number {
  const m = typeof localTime === 'string' ? TIME_RE.exec(localTime) : null;
  if (!m) {
    throw new RangeError(`${what} must be a local time "HH:MM" (00:00-23:59), got ${describe(localTime)}`);
  }
  return Number(m[1]) * 60 + Number(m[2]);
}

/** The calendar date `n` days after `localDate` (n may be negative). */
export function addDays(localDate: string, n: number): string {
  return new Date(parseLocalDateMs(localDate) + n * DAY).toISOString().slice(0, 10);
}

/** 0 = Sunday ... 6 = Saturday. */
export function dayOfWeek(localDate: string): number {
  return new Date(parseLocalDateMs(localDate)).getUTCDay();
}

/**
 * The UTC instant at which Europe/London wall clocks show `localTime` on `localDate`.
 *
 * Two wall-clock times need a choice (the same one as TC39 Temporal's "compatible"
 * disambiguation, and what people mean in practice):
 * - in the spring gap (01:00-01:59 on the last Sunday of March, which never shows on a London
 *   clock) the time is read with the offset before the change, i.e. it lands one hour later on
 *   the clock (01:30 -> 02:30 BST);
 * - in the autumn overlap (01:00-01:59 on the last Sunday of October, shown twice) the first
 *   occurrence (BST) is taken.
 * Business hours such as 09:00-17:00 are never in either window.
 */
export function localInstant(localDate: string, localTime: string): Date {
  const dayMs = parseLocalDateMs(localDate);
  const wallMs = dayMs + parseLocalTimeMinutes(localTime) * MINUTE;
  const year = new Date(dayMs).getUTCFullYear();
  if (year < FIRST_SUPPORTED_YEAR || year > LAST_SUPPORTED_YEAR) {
    throw new RangeError(
      `localDate ${localDate} is outside the supported years ${FIRST_SUPPORTED_YEAR}-${LAST_SUPPORTED_YEAR}`,
    );
  }
  const asBst = wallMs - HOUR; // the instant if the clock was on BST
  const asGmt = wallMs; // the instant if the clock was on GMT
  const bstFits = londonOffsetMs(asBst) === HOUR;
  const gmtFits = londonOffsetMs(asGmt) === 0;
  if (bstFits) return new Date(asBst); // BST, or the first of two (autumn overlap)
  if (gmtFits) return new Date(asGmt);
  // Spring gap: neither reading exists; use the offset in force before the change (GMT).
  return new Date(asGmt);
}
