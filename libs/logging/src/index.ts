import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';
import { z } from 'zod';

/**
 * One structured log for every service: pino, JSON lines with the same fields everywhere
 * (`time` ISO instant, `level` name, `service`, `msg`, then the caller's facts). Callers pass ids
 * and outcomes only; the redaction below is the safety net for the personal-data fields the
 * system knows, should one ever be logged by mistake (a child's or adult's details live only in
 * Postgres).
 */

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** The LOG_LEVEL setting every service validates at boot. */
export const logLevelSetting = z.enum(LOG_LEVELS).default('info');

/** Field names that carry personal data somewhere in Resolve, at any depth of a log's facts. */
export const PERSONAL_DATA_FIELDS = [
  'subject',
  'subjectName',
  'subjectDetails',
  'givenName',
  'familyName',
  'fullName',
  'displayName',
  'dateOfBirth',
  'dob',
  'address',
  'postcode',
  'nhsNumber',
  'email',
  'phone',
  'mobile',
  'to',
  'natureOfConcern',
  'outcomeSought',
  'reason',
  'text',
  'body',
  'subjectLine',
  'authorization',
  'cookie',
];
const redactPaths = PERSONAL_DATA_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]);

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  setLevel(level: LogLevel): void;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go (default standard error); tests pass a stream to read them back. */
  destination?: DestinationStream | NodeJS.WritableStream;
}

export function createLogger(service: string, options: LoggerOptions = {}): Logger {
  const base: PinoLogger = pino(
    {
      level: options.level ?? 'info',
      base: { service },
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: redactPaths, censor: '[redacted]' },
    },
    (options.destination ?? pino.destination({ fd: 2, sync: true })) as DestinationStream,
  );
  const at =
    (level: LogLevel) =>
    (message: string, fields: Record<string, unknown> = {}) =>
      base[level](fields, message);
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    setLevel: (level) => {
      base.level = level;
    },
  };
}

/**
 * Text from outside (a provider's error, a bounce) with email addresses and phone numbers
 * replaced: such text is kept (notification_delivery.last_error), logged, shown in API answers
 * and put in workflow history, and a provider's message can quote a professional's contact.
 */
export function redactContacts(text: string): string {
  return text
    .replace(/[^\s<>"'(),;:]+@[^\s<>"'(),;:]+\.[A-Za-z]{2,}/g, '<address>')
    .replace(/\+?\d[\d\s-]{8,}\d/g, '<number>');
}
