import { createServer } from 'node:net';

// One free-port finder for tests and the local mail capture.
export { freePort } from '@resolve/mail-capture';

/** The Postgres-backed Temporal server's nine ports, by the name its script reads them under. */
export const TEMPORAL_SERVER_PORT_NAMES = [
  'FRONTEND',
  'FRONTEND_HTTP',
  'FRONTEND_MEMBERSHIP',
  'HISTORY',
  'HISTORY_MEMBERSHIP',
  'MATCHING',
  'MATCHING_MEMBERSHIP',
  'WORKER',
  'WORKER_MEMBERSHIP',
] as const;

/**
 * Free loopback ports for the Postgres-backed Temporal server (its four services' gRPC and
 * membership ports, the frontend's HTTP), for infra/temporal-server/temporal-server.sh as
 * RESOLVE_TEMPORAL_<name>_PORT. Temporal's SQL schema keeps each service's membership port in a
 * SMALLINT column (cluster_membership), so a port above 32767 stops the server at start. The
 * kernel hands out ports from 32768 up (freePort()), so these are picked at random below that
 * and tried, away from those.
 */
export async function temporalServerPorts(): Promise<
  Record<(typeof TEMPORAL_SERVER_PORT_NAMES)[number], number>
> {
  const ports = {} as Record<(typeof TEMPORAL_SERVER_PORT_NAMES)[number], number>;
  const taken = new Set<number>();
  for (const name of TEMPORAL_SERVER_PORT_NAMES) {
    ports[name] = await freePortBelow32768(taken);
    taken.add(ports[name]);
  }
  return ports;
}

async function freePortBelow32768(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.unref();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port between 20000 and 32000 on 127.0.0.1 after 200 tries');
}
