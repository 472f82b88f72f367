import { parseArgs, type ParseArgsConfig } from 'node:util';
import { NATIONS } from '@resolve/protocols';

export type Nation = (typeof NATIONS)[number];

/** Bad arguments: the CLI prints the message (never a stack) and exits with code 2. */
export class UsageError extends Error {
  readonly code = 'usage';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `util.parseArgs` in strict mode, with its errors turned into UsageError. Every command takes
 * `--json`.
 */
export function parseCommandArgs<O extends Options>(
  command: string,
  argv: string[],
  options: O,
  allowPositionals = false,
) {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, json: { type: 'boolean', default: false } } as O & {
        json: { type: 'boolean'; default: false };
      },
      strict: true,
      allowPositionals,
    });
  } catch (e) {
    const message = (e as Error).message.replace(/\. To specify a positional argument[\s\S]*$/, '');
    throw new UsageError(`${command}: ${message}`);
  }
}

export function required(command: string, name: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new UsageError(`${command}: --${name} is required`);
  return value;
}

const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):?(\d{2}))$/i;

/**
 * An ISO-8601 instant with an explicit offset ("2026-05-18T09:30:00+01:00", "...Z"). A local time
 * without an offset is refused: near a clock change it would be ambiguous, and a deadline off by
 * an hour is a wrong deadline.
 */
export function parseInstant(command: string, name: string, value: string): Date {
  const m = ISO_INSTANT.exec(value);
  const bad = (why: string) =>
    new UsageError(
      `${command}: --${name} "${value}" ${why} (expected ISO-8601 with an offset, e.g. 2026-05-18T09:30:00Z or 2026-05-18T09:30:00+01:00)`,
    );
  if (!m) throw bad('is not an ISO-8601 date-time with an offset');
  const [, y, mo, d, h, mi, s] = m;
  const month = Number(mo);
  const day = Number(d);
  const daysInMonth = new Date(Date.UTC(Number(y), month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) throw bad('is not a calendar date');
  if (Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 59) throw bad('is not a time of day');
  if (m[8] !== undefined && (Number(m[8]) > 14 || Number(m[9]) > 59)) throw bad('has an impossible offset');
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw bad('is not a valid instant');
  return date;
}

export function parseWholeNumber(command: string, name: string, value: string, max: number): number {
  if (!/^\d+$/.test(value))
    throw new UsageError(`${command}: --${name} "${value}" must be a whole number of days (0 or more)`);
  const n = Number(value);
  if (n > max) throw new UsageError(`${command}: --${name} ${value} is too large (at most ${max})`);
  return n;
}

export function parseNation(command: string, value: string | undefined): Nation {
  const nation = value ?? 'england-and-wales';
  if (!(NATIONS as readonly string[]).includes(nation)) {
    throw new UsageError(`${command}: --nation "${nation}" must be one of ${NATIONS.join(', ')}`);
  }
  return nation as Nation;
}
