import { z } from 'zod';

/**
 * Strict readers for environment values. `z.coerce.number()` takes "" for 0, "1e3" for 1000
 * and "0x10" for 16, and Number("5s") is NaN, which setInterval treats as 1 ms: a setting
 * that is not exactly what it should be is refused here, by name, instead of running as
 * something else.
 */

interface RangeOptions {
  min?: number;
  max?: number;
}

function inRange(value: number, { min, max }: RangeOptions, unit: string): string | null {
  if (min !== undefined && value < min) return `must be at least ${min}${unit}`;
  if (max !== undefined && value > max) return `must be at most ${max}${unit}`;
  return null;
}

/** Digits only, within the range. Numbers are never secrets, so the value is quoted back. */
export function wholeNumber(range: RangeOptions = {}) {
  return z.string().transform((value, ctx): number => {
    if (!/^\d+$/.test(value)) {
      ctx.addIssue({ code: 'custom', message: `must be a whole number, got "${value}"` });
      return z.NEVER;
    }
    const problem = inRange(Number(value), range, '');
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
    return Number(value);
  });
}

/**
 * A duration in milliseconds, written as digits only: "5s", "5000ms" or "5 000" are refused
 * rather than guessed at, so the name of the variable says the unit and nothing else does.
 */
export function milliseconds(range: RangeOptions = {}) {
  return z.string().transform((value, ctx): number => {
    if (!/^\d+$/.test(value)) {
      const withUnit = /^\s*\d+(\.\d+)?\s*[a-zµ]+\s*$/i.test(value);
      ctx.addIssue({
        code: 'custom',
        message: withUnit
          ? `must be a whole number of milliseconds without a unit (e.g. 5000 for five seconds), got "${value}"`
          : `must be a whole number of milliseconds, got "${value}"`,
      });
      return z.NEVER;
    }
    const problem = inRange(Number(value), range, ' ms');
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
    return Number(value);
  });
}

/** "true" or "false", nothing else ("yes", "1", "TRUE" are refused). */
export const booleanSetting = z.enum(['true', 'false']).transform((v) => v === 'true');

/** host:port (an IPv6 host in brackets) with a port that exists. */
export function isHostAndPort(value: string): boolean {
  const m = /^([^\s:[\]]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(value);
  return !!m && Number(m[2]) >= 1 && Number(m[2]) <= 65535;
}

export const hostAndPort = (example: string) =>
  z.string().refine(isHostAndPort, `must be host:port with a port from 1 to 65535, e.g. ${example}`);

/** An http(s) URL with a host. */
export const httpUrl = z
  .string()
  .refine((v) => /^https?:\/\/[^\s/]+/.test(v) && URL.canParse(v), 'must be an http(s):// URL');

/**
 * Comma-separated browser origins (scheme://host[:port], no path), e.g. for CORS. A typo such
 * as a trailing slash would otherwise never match and fail silently.
 */
export const originList = z.string().transform((value, ctx): string[] => {
  const origins = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const origin of origins) {
    const ok =
      URL.canParse(origin) && /^https?:$/.test(new URL(origin).protocol) && new URL(origin).origin === origin;
    if (!ok)
      ctx.addIssue({
        code: 'custom',
        message: `"${origin}" is not an origin (scheme://host[:port], no path or trailing slash)`,
      });
  }
  return origins;
});

/** compose passes `VAR:` through as an empty string when .env leaves it blank: that means unset. */
export const unsetWhenEmpty = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());
