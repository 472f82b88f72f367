import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { SEARCH_ATTRIBUTE_KEYS } from '@resolve/contracts';

export interface DevServer {
  address: string;
  uiUrl: string | null;
  pid: number;
  stop(): Promise<void>;
}

const TYPE_NAMES: Record<string, string> = {
  KEYWORD: 'Keyword',
  INT: 'Int',
  DATETIME: 'Datetime',
  BOOL: 'Bool',
  DOUBLE: 'Double',
  TEXT: 'Text',
  KEYWORD_LIST: 'KeywordList',
};

function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline)
          reject(new Error(`Temporal dev server did not open port ${port} in ${timeoutMs} ms`));
        else setTimeout(attempt, 200);
      });
    };
    attempt();
  });
}

/**
 * Starts the Temporal CLI's dev server (with its Web UI) as a child process, with Resolve's
 * search attributes registered. Used by the embedded default; `dbFile` persists to disk.
 */
export async function startDevServer(options: {
  port: number;
  uiPort?: number;
  dbFile?: string;
  namespace?: string;
  cliPath?: string;
}): Promise<DevServer> {
  const cli = options.cliPath ?? process.env.TEMPORAL_CLI_PATH ?? 'temporal';
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--log-level',
    'warn',
  ];
  args.push('--namespace', options.namespace ?? 'default');
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  if (options.uiPort) args.push('--ui-port', String(options.uiPort));
  else args.push('--headless');
  for (const key of SEARCH_ATTRIBUTE_KEYS)
    args.push('--search-attribute', `${key.name}=${TYPE_NAMES[key.type]}`);
  const child = spawn(cli, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`temporal server exited (${code}): ${stderr}`))),
  );
  await Promise.race([waitForPort(options.port, 60_000), exited]);
  if (options.uiPort) await Promise.race([waitForPort(options.uiPort, 30_000), exited]);
  exited.catch(() => undefined);
  return {
    address: `127.0.0.1:${options.port}`,
    uiUrl: options.uiPort ? `http://127.0.0.1:${options.uiPort}` : null,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}
