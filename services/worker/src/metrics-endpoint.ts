import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The worker's scrape endpoint. The SDK's Prometheus exporter (in the Temporal Core runtime)
 * answers anyone who reaches its port and has no authentication of its own; its figures (open
 * cases per tier, breaches, task latencies) are the partnership's business. So the exporter
 * listens on loopback only, and this endpoint, on METRICS_BIND_ADDRESS, passes GET /metrics on
 * to it for a caller with METRICS_TOKEN, the same token the API's /metrics wants.
 */
export interface MetricsEndpoint {
  /** host:port it listens on. */
  address: string;
  close(): Promise<void>;
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startMetricsEndpoint(options: {
  /** host:port to listen on (port 0 for any). */
  bindAddress: string;
  /** host:port of the exporter, on loopback. */
  exporterAddress: string;
  /** The bearer token a scrape must carry; unset (development only) lets anyone read. */
  token?: string;
}): Promise<MetricsEndpoint> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res
        .writeHead(404, { 'content-type': 'text/plain' })
        .end('not found: the worker serves GET /metrics only\n');
      return;
    }
    if (options.token) {
      const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      if (!match || !sameToken(match[1], options.token)) {
        res
          .writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' })
          .end('send the metrics token (METRICS_TOKEN) as a bearer token\n');
        return;
      }
    }
    fetch(`http://${options.exporterAddress}/metrics`, { signal: AbortSignal.timeout(10_000) })
      .then(async (upstream) => {
        const body = await upstream.text();
        res
          .writeHead(upstream.status, {
            'content-type': upstream.headers.get('content-type') ?? 'text/plain; version=0.0.4',
          })
          .end(body);
      })
      .catch(() => {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('the metrics exporter did not answer\n');
      });
  });
  const { host, port } = splitHostPort(options.bindAddress);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  return {
    address: `${host}:${bound.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A free loopback port for the exporter (asked of the OS, then released for the runtime to bind). */
export async function freeLoopbackAddress(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

function splitHostPort(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(address.slice(at + 1)) };
}
