import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ActionRecordsRepository, EscalationsRepository } from '@resolve/persistence';
import { logger } from '../common/logger';

/**
 * The API's Prometheus metrics (GET /metrics), in a registry of its own per application:
 *
 * - `resolve_open_escalations{protocol,tier}`: open escalations, read from Postgres at scrape time
 *   (so every API replica reports the same figure: aggregate with max, not sum);
 * - `resolve_actions{kind,outcome}`: human actions recorded, by kind and outcome
 *   (accepted / refused / pending), from Postgres at scrape time (same note);
 * - `resolve_http_request_duration_seconds{method,route,status}`: this replica's request
 *   durations, by route pattern (`/escalations/:id/escalate`), never by concrete path;
 * - Node.js process metrics (`process_*`, `nodejs_*`).
 */
export interface ApiMetrics {
  registry: Registry;
  /** Express middleware timing every request. */
  httpTimer(req: Request, res: Response, next: NextFunction): void;
}

/** Where the gauges' figures come from at scrape time. */
export interface MetricsSources {
  escalations: Pick<EscalationsRepository, 'openCountsByProtocolAndTier'>;
  actions: Pick<ActionRecordsRepository, 'countsByKindAndOutcome'>;
}

/** How long the gauges' counts are reused: a scrape is not a way to run aggregate queries at will. */
export const GAUGE_CACHE_MS = 15_000;

export function createApiMetrics(
  sources: MetricsSources,
  options: { cacheMs?: number; clock?: () => number } = {},
): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const cacheMs = options.cacheMs ?? GAUGE_CACHE_MS;
  const clock = options.clock ?? Date.now;
  // Each count is read at most once per cacheMs, however often /metrics is scraped; concurrent
  // scrapes share the one query in flight.
  const cached = <T>(counts: () => Promise<T[]>) => {
    let last: { at: number; rows: Promise<T[] | null> } | null = null;
    return (): Promise<T[] | null> => {
      if (last && clock() - last.at < cacheMs) return last.rows;
      last = { at: clock(), rows: read(counts) };
      return last.rows;
    };
  };
  const read = async <T>(counts: () => Promise<T[]>): Promise<T[] | null> => {
    try {
      return await counts();
    } catch (err) {
      logger.warn('metrics query failed', { error: String((err as Error).message) });
      return null;
    }
  };
  const openCounts = cached(() => sources.escalations.openCountsByProtocolAndTier());
  const actionCounts = cached(() => sources.actions.countsByKindAndOutcome());
  new Gauge({
    name: 'resolve_open_escalations',
    help: 'Open escalations by protocol and current tier (from Postgres)',
    labelNames: ['protocol', 'tier'],
    registers: [registry],
    async collect() {
      const rows = await openCounts();
      this.reset();
      for (const r of rows ?? []) this.set({ protocol: r.protocolId, tier: String(r.tierNumber) }, r.count);
    },
  });
  new Gauge({
    name: 'resolve_actions',
    help: 'Human actions recorded, by kind and outcome (from Postgres)',
    labelNames: ['kind', 'outcome'],
    registers: [registry],
    async collect() {
      const rows = await actionCounts();
      this.reset();
      for (const r of rows ?? []) this.set({ kind: r.kind, outcome: r.outcome }, r.count);
    },
  });
  const durations = new Histogram({
    name: 'resolve_http_request_duration_seconds',
    help: 'HTTP request durations by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return {
    registry,
    httpTimer(req, res, next) {
      const end = durations.startTimer();
      res.once('finish', () => {
        const pattern = (req.route as { path?: unknown } | undefined)?.path;
        const route = typeof pattern === 'string' ? `${req.baseUrl ?? ''}${pattern}` : 'unmatched';
        end({ method: req.method, route, status: String(res.statusCode) });
      });
      next();
    },
  };
}

/** Whether a request may read /metrics: open when no token is configured. */
export function metricsAuthorised(authorization: string | undefined, token: string | undefined): boolean {
  if (!token) return true;
  const given = Buffer.from(/^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
