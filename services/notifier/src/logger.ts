import { createLogger, type LogLevel } from '@resolve/logging';

/** Structured log lines: ids, keys and outcomes only; never addresses, numbers or message text. */
export interface NotifierLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** The notifier's log, in the schema every service shares (@resolve/logging). */
export function jsonLogger(
  stream: NodeJS.WritableStream = process.stderr,
  level: LogLevel = 'info',
): NotifierLogger {
  return createLogger('notifier', { destination: stream, level });
}

export const silentLogger: NotifierLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
