import { localInstant } from '@resolve/calendar';
import { ApiError } from '../common/api-error';

/**
 * `from` / `to` query parameters of logs and reports. A period is [from, to): `from` inclusive,
 * `to` exclusive. Each accepts a calendar date (YYYY-MM-DD, read in Europe/London, where `to`
 * includes that whole day: from=2026-04-01&to=2027-03-31 is the financial year) or an ISO-8601
 * instant with a time zone (2026-04-01T00:00:00Z, exclusive for `to`).
 */
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function nextDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

export function parseBound(name: 'from' | 'to', value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const bad = () =>
    new ApiError(
      'validation-failed',
      `${name}: a date (YYYY-MM-DD, Europe/London) or an ISO-8601 instant with a time zone, e.g. 2026-04-01 or 2026-04-01T00:00:00Z; got ${JSON.stringify(value)}`,
      { fields: [name] },
    );
  if (typeof value !== 'string') throw bad();
  const m = DATE.exec(value);
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const check = new Date(Date.UTC(y, mo - 1, d));
    if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d)
      throw bad();
    try {
      return localInstant(name === 'to' ? nextDate(value) : value, '00:00').toISOString();
    } catch {
      throw bad();
    }
  }
  if (INSTANT.test(value)) {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) throw bad();
    const year = new Date(ms).getUTCFullYear();
    if (year < 1996 || year > 9999) throw bad();
    return new Date(ms).toISOString();
  }
  throw bad();
}

export interface Period {
  from: string | null;
  to: string | null;
}

export function parsePeriod(
  query: Record<string, unknown>,
  defaults: { from?: (to: string) => string; to?: () => string } = {},
): Period {
  let to = parseBound('to', query.to) ?? null;
  if (to === null && defaults.to) to = defaults.to();
  let from = parseBound('from', query.from) ?? null;
  if (from === null && defaults.from && to) from = defaults.from(to);
  if (from && to && !(from < to)) {
    throw new ApiError(
      'validation-failed',
      `from: must be before to (the period is [from, to)); got from ${from}, to ${to}`,
      { fields: ['from'] },
    );
  }
  return { from, to };
}

/** Refuses query parameters the endpoint does not know, naming them. */
export function onlyKnownParameters(query: Record<string, unknown>, known: string[]): void {
  const unknown = Object.keys(query).filter((k) => !known.includes(k));
  if (unknown.length) {
    throw new ApiError(
      'validation-failed',
      `unknown query parameter(s): ${unknown.join(', ')}; known: ${known.join(', ')}`,
      { fields: unknown },
    );
  }
}
