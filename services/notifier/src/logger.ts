/** Structured log lines: ids, keys and outcomes only; never addresses, numbers or message text. */
export interface NotifierLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export function jsonLogger(stream: NodeJS.WritableStream = process.stderr): NotifierLogger {
  const write =
    (level: string) =>
    (message: string, fields: Record<string, unknown> = {}) => {
      stream.write(
        `${JSON.stringify({ at: new Date().toISOString(), level, service: 'notifier', message, ...fields })}\n`,
      );
    };
  return { info: write('info'), warn: write('warn'), error: write('error') };
}

export const silentLogger: NotifierLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
