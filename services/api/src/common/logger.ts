/**
 * Structured JSON logs. Callers pass ids and facts only: never request bodies, names, dates of
 * birth or free text, which may describe a child or an adult.
 */
type Level = 'debug' | 'info' | 'warn' | 'error';
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
let threshold: Level = (process.env.LOG_LEVEL as Level) ?? 'info';

function write(level: Level, msg: string, fields: Record<string, unknown> = {}) {
  if (order[level] < order[threshold]) return;
  const line = JSON.stringify({ time: new Date().toISOString(), level, service: 'api', msg, ...fields });
  (level === 'error' ? process.stderr : process.stdout).write(line + '\n');
}

export const logger = {
  setLevel: (l: Level) => (threshold = l),
  debug: (m: string, f?: Record<string, unknown>) => write('debug', m, f),
  info: (m: string, f?: Record<string, unknown>) => write('info', m, f),
  warn: (m: string, f?: Record<string, unknown>) => write('warn', m, f),
  error: (m: string, f?: Record<string, unknown>) => write('error', m, f),
};
