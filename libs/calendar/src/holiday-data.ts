/**
 * Bank-holiday data: the GOV.UK bank-holidays.json format, its validation, and the per-nation
 * lookup used by the working-day functions. Pure: no I/O, safe in a Temporal workflow bundle.
 *
 * GOV.UK format (https://www.gov.uk/bank-holidays.json):
 *   { "england-and-wales": { "division": "england-and-wales",
 *                            "events": [ { "title": "Boxing Day", "date": "2026-12-28",
 *                                          "notes": "Substitute day", "bunting": true }, ... ] },
 *     "scotland": {...}, "northern-ireland": {...} }
 * The file shipped in this lib adds top-level "version" and "source" strings.
 */
import { parseLocalDateMs } from './london-time';
import { NATIONS, type HolidaySet, type Nation } from './types';

export interface GovUkEvent {
  title: string;
  date: string;
  notes: string;
  bunting: boolean;
}

export interface GovUkDivision {
  division: string;
  events: GovUkEvent[];
}

/** A GOV.UK bank-holidays.json document, with this lib's optional version and source. */
export type GovUkFile = { version?: string; source?: string } & Record<Nation, GovUkDivision>;

const PREFIX = 'bank holidays JSON';

function fail(field: string, message: string): never {
  throw new Error(`${PREFIX}: "${field}" ${message}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * Checks dates of one division: valid, no duplicates, whole consecutive years (a missing year
 * would make every day of it look like a working day). Returns the entries sorted by date.
 */
function checkDates<T extends { date: string }>(
  entries: T[],
  field: string,
  dateField: (i: number) => string,
): T[] {
  const seen = new Set<string>();
  entries.forEach((e, i) => {
    try {
      parseLocalDateMs(e.date, 'date');
    } catch {
      fail(dateField(i), `must be a real date "YYYY-MM-DD", got ${show(e.date)}`);
    }
    if (seen.has(e.date)) fail(dateField(i), `repeats the date ${e.date}`);
    seen.add(e.date);
  });
  const sorted = [...entries].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  if (sorted.length === 0) fail(field, 'must list at least one bank holiday');
  const years = new Set(sorted.map((e) => Number(e.date.slice(0, 4))));
  const first = Number(sorted[0].date.slice(0, 4));
  const last = Number(sorted[sorted.length - 1].date.slice(0, 4));
  for (let y = first; y <= last; y++) {
    if (!years.has(y)) {
      fail(
        field,
        `has no bank holidays in ${y} (between ${first} and ${last}); the data must cover whole consecutive years`,
      );
    }
  }
  return sorted;
}

/** Validates a GOV.UK-format document; throws an Error naming the first bad field. */
export function validateGovUkFile(json: unknown): GovUkFile {
  if (!isObject(json)) fail('(root)', `must be an object, got ${show(json)}`);
  for (const key of ['version', 'source'] as const) {
    const v = json[key];
    if (v !== undefined && (typeof v !== 'string' || v.trim() === '')) {
      fail(key, `must be a non-empty string when present, got ${show(v)}`);
    }
  }
  const out = {} as GovUkFile;
  if (typeof json.version === 'string') out.version = json.version;
  if (typeof json.source === 'string') out.source = json.source;
  for (const nation of NATIONS) {
    const div = json[nation];
    if (!isObject(div)) fail(nation, `must be an object {division, events}, got ${show(div)}`);
    if (div.division !== nation) fail(`${nation}.division`, `must be "${nation}", got ${show(div.division)}`);
    if (!Array.isArray(div.events)) fail(`${nation}.events`, `must be an array, got ${show(div.events)}`);
    const events = div.events.map((ev: unknown, i: number): GovUkEvent => {
      const at = `${nation}.events[${i}]`;
      if (!isObject(ev)) fail(at, `must be an object {title, date, notes, bunting}, got ${show(ev)}`);
      if (typeof ev.title !== 'string' || ev.title.trim() === '') {
        fail(`${at}.title`, `must be a non-empty string, got ${show(ev.title)}`);
      }
      if (typeof ev.date !== 'string')
        fail(`${at}.date`, `must be a date string "YYYY-MM-DD", got ${show(ev.date)}`);
      // notes and bunting are presentation; GOV.UK always sends them, but a missing one is not
      // worth refusing a refresh for. A present one must have the right type.
      if (ev.notes !== undefined && typeof ev.notes !== 'string') {
        fail(`${at}.notes`, `must be a string, got ${show(ev.notes)}`);
      }
      if (ev.bunting !== undefined && typeof ev.bunting !== 'boolean') {
        fail(`${at}.bunting`, `must be true or false, got ${show(ev.bunting)}`);
      }
      return {
        title: ev.title.trim(),
        date: ev.date,
        notes: typeof ev.notes === 'string' ? ev.notes.trim() : '',
        bunting: ev.bunting === true,
      };
    });
    const dateField = (i: number) => `${nation}.events[${i}].date`;
    out[nation] = { division: nation, events: checkDates(events, `${nation}.events`, dateField) };
  }
  return out;
}

/** "Boxing Day" + "Substitute day" -> "Boxing Day (substitute day)". */
function holidayName(ev: GovUkEvent): string {
  if (!ev.notes) return ev.title;
  return `${ev.title} (${ev.notes.charAt(0).toLowerCase()}${ev.notes.slice(1)})`;
}

/**
 * A short content fingerprint (FNV-1a, 32 bit) for documents without a "version" (GOV.UK's own
 * file has none): two different data sets never silently share a version.
 */
function fingerprint(divisions: HolidaySet['divisions']): string {
  let h = 0x811c9dc5;
  const text = NATIONS.map((n) => `${n}:${divisions[n].map((e) => `${e.date}=${e.name}`).join(',')}`).join(
    ';',
  );
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `content-fnv1a-${h.toString(16).padStart(8, '0')}`;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export function toHolidaySet(file: GovUkFile): HolidaySet {
  const divisions = {} as HolidaySet['divisions'];
  for (const nation of NATIONS) {
    divisions[nation] = file[nation].events.map((ev) => ({ date: ev.date, name: holidayName(ev) }));
  }
  return deepFreeze({
    version: file.version ?? fingerprint(divisions),
    source: file.source ?? 'GOV.UK bank-holidays.json',
    divisions,
  });
}

/**
 * Reads the GOV.UK bank-holidays.json format (optionally with top-level "version" and "source")
 * into a HolidaySet. Throws an Error naming the bad field, e.g.
 * `bank holidays JSON: "scotland.events[3].date" must be a real date "YYYY-MM-DD", got "2024-13-01"`.
 */
export function parseGovUkBankHolidays(json: unknown): HolidaySet {
  return toHolidaySet(validateGovUkFile(json));
}

export interface NationHolidays {
  /** date -> name */
  byDate: ReadonlyMap<string, string>;
  /** 1 January of the first year covered. */
  first: string;
  /** 31 December of the last year covered. */
  last: string;
  list: readonly { date: string; name: string }[];
}

const indexCache = new WeakMap<HolidaySet, Partial<Record<Nation, NationHolidays>>>();

export function checkNation(nation: unknown): Nation {
  if (typeof nation !== 'string' || !(NATIONS as readonly string[]).includes(nation)) {
    throw new RangeError(
      `nation must be one of ${NATIONS.map((n) => `"${n}"`).join(', ')}, got ${show(nation)}`,
    );
  }
  return nation as Nation;
}

/**
 * The lookup for one nation of a HolidaySet, built once per set (sets from
 * parseGovUkBankHolidays are frozen, so the cache cannot go stale). A HolidaySet built by hand
 * is checked here with the same rules as the GOV.UK file.
 */
export function nationHolidays(set: HolidaySet, nation: Nation): NationHolidays {
  if (!isObject(set) || !isObject(set.divisions)) {
    throw new TypeError(`holidays must be a HolidaySet {version, source, divisions}, got ${show(set)}`);
  }
  let perSet = indexCache.get(set);
  if (!perSet) {
    perSet = {};
    indexCache.set(set, perSet);
  }
  const cached = perSet[nation];
  if (cached) return cached;
  const entries: unknown = set.divisions[nation];
  const field = `divisions.${nation}`;
  if (!Array.isArray(entries)) fail(field, `must be an array of {date, name}, got ${show(entries)}`);
  entries.forEach((e: unknown, i: number) => {
    if (!isObject(e) || typeof e.date !== 'string' || typeof e.name !== 'string' || e.name === '') {
      fail(`${field}[${i}]`, `must be {date: "YYYY-MM-DD", name: string}, got ${show(e)}`);
    }
  });
  const sorted = checkDates(entries as { date: string; name: string }[], field, (i) => `${field}[${i}].date`);
  const built: NationHolidays = {
    byDate: new Map(sorted.map((e) => [e.date, e.name])),
    first: `${sorted[0].date.slice(0, 4)}-01-01`,
    last: `${sorted[sorted.length - 1].date.slice(0, 4)}-12-31`,
    list: sorted.map((e) => ({ date: e.date, name: e.name })),
  };
  perSet[nation] = built;
  return built;
}
