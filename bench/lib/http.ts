import http from 'node:http';

export interface HttpResult {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers of many shapes
  body: any;
  ms: number;
  /** Set when no HTTP answer came (connection refused, reset, timeout). */
  error?: string;
}

export class ApiClient {
  readonly agent: http.Agent;
  constructor(
    readonly port: number,
    options: { maxSockets?: number } = {},
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 });
  }

  request(
    method: string,
    path: string,
    options: { token?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
  ): Promise<HttpResult> {
    const started = performance.now();
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    return new Promise((resolve) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: this.port,
          method,
          path,
          agent: this.agent,
          headers: {
            accept: 'application/json',
            ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
            ...(payload
              ? { 'content-type': 'application/json', 'content-length': String(payload.length) }
              : {}),
            ...options.headers,
          },
          timeout: options.timeoutMs ?? 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown = text;
            try {
              body = text ? JSON.parse(text) : null;
            } catch {
              /* not JSON */
            }
            resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - started });
          });
          res.on('error', (err) =>
            resolve({ status: 0, body: null, ms: performance.now() - started, error: err.message }),
          );
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err) =>
        resolve({ status: 0, body: null, ms: performance.now() - started, error: err.message }),
      );
      if (payload) req.write(payload);
      req.end();
    });
  }

  close() {
    this.agent.destroy();
  }
}

/** A raise body between the partnership's children's social care and police (as the test harness's raiseBody). */
export function raiseBody(partnershipId: string, protocolId: string, category: string, reference: string) {
  return {
    protocolId,
    reference,
    raisingAgencyId: `${partnershipId}-csc`,
    receivingAgencyId: `${partnershipId}-police`,
    receivingPersonId: `${partnershipId}-police-practitioner`,
    category,
    natureOfConcern: 'Disagreement about whether the threshold for a strategy discussion is met.',
    outcomesSought: 'A strategy discussion is held.',
  };
}

/** Runs `fn` over `items` with at most `concurrency` in flight. */
export async function pool<T, R>(
  items: T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  });
  await Promise.all(lanes);
  return out;
}
