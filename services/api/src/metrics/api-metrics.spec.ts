import { EventEmitter } from 'node:events';
import type { NextFunction, Request, Response } from 'express';
import type { ActionCount, OpenEscalationCount } from '@resolve/persistence';
import { createApiMetrics, metricsAuthorised, type MetricsSources } from './api-metrics';

/** Stand-ins for the two repositories' counts (the real ones are read in the integration tests). */
function fakeSources(
  answers: { open?: OpenEscalationCount[]; actions?: ActionCount[] } | Error,
): MetricsSources {
  const answer = async <T>(rows: T[] | undefined): Promise<T[]> => {
    if (answers instanceof Error) throw answers;
    return rows ?? [];
  };
  return {
    escalations: { openCountsByProtocolAndTier: () => answer(answers instanceof Error ? [] : answers.open) },
    actions: { countsByKindAndOutcome: () => answer(answers instanceof Error ? [] : answers.actions) },
  };
}

function fakeRequest(method: string, route: string | null) {
  const res = Object.assign(new EventEmitter(), { statusCode: 200 }) as unknown as Response & EventEmitter;
  const req = { method, baseUrl: '', route: route ? { path: route } : undefined } as unknown as Request;
  return { req, res };
}

describe('API metrics', () => {
  it('open escalations by protocol and tier, actions by kind and outcome, from Postgres at scrape time', async () => {
    let open = [
      { protocolId: 'sefton-sscp', tierNumber: 1, count: 3 },
      { protocolId: 'sefton-sscp', tierNumber: 3, count: 1 },
    ];
    let now = 0;
    const { registry } = createApiMetrics(
      {
        escalations: { openCountsByProtocolAndTier: async () => open },
        actions: {
          countsByKindAndOutcome: async () => [
            { kind: 'escalate', outcome: 'accepted', count: 4 },
            { kind: 'escalate', outcome: 'refused', count: 1 },
          ],
        },
      },
      { cacheMs: 15_000, clock: () => now },
    );
    const text = await registry.metrics();
    expect(text).toContain('resolve_open_escalations{protocol="sefton-sscp",tier="1"} 3');
    expect(text).toContain('resolve_open_escalations{protocol="sefton-sscp",tier="3"} 1');
    expect(text).toContain('resolve_actions{kind="escalate",outcome="accepted"} 4');
    expect(text).toContain('resolve_actions{kind="escalate",outcome="refused"} 1');
    expect(text).toContain('process_cpu_user_seconds_total');
    // A group that empties disappears at the next scrape after the cached counts expire.
    open = [{ protocolId: 'sefton-sscp', tierNumber: 3, count: 1 }];
    now += 15_000;
    const again = await registry.metrics();
    expect(again).not.toContain('tier="1"');
  });

  it('reads the counts at most once per cache period, however often it is scraped', async () => {
    let now = 0;
    let queries = 0;
    const { registry } = createApiMetrics(
      {
        escalations: {
          openCountsByProtocolAndTier: async () => {
            queries += 1;
            return [{ protocolId: 'bscb', tierNumber: 2, count: queries }];
          },
        },
        actions: { countsByKindAndOutcome: async () => [] },
      },
      { cacheMs: 15_000, clock: () => now },
    );
    await Promise.all([registry.metrics(), registry.metrics(), registry.metrics()]);
    now += 14_999;
    expect(await registry.metrics()).toContain('resolve_open_escalations{protocol="bscb",tier="2"} 1');
    expect(queries).toBe(1);
    now += 1;
    expect(await registry.metrics()).toContain('resolve_open_escalations{protocol="bscb",tier="2"} 2');
    expect(queries).toBe(2);
  });

  it('a failing database leaves the gauges empty rather than failing the scrape', async () => {
    const { registry } = createApiMetrics(fakeSources(new Error('connection refused')));
    const text = await registry.metrics();
    expect(text).toContain('# TYPE resolve_open_escalations gauge');
    expect(text).not.toMatch(/^resolve_open_escalations\{/m);
  });

  it('times requests by route pattern, never by concrete path', async () => {
    const { registry, httpTimer } = createApiMetrics(fakeSources({}));
    const next = jest.fn() as NextFunction;
    const a = fakeRequest('POST', '/escalations/:id/escalate');
    httpTimer(a.req, a.res, next);
    a.res.emit('finish');
    const b = fakeRequest('GET', null);
    b.res.statusCode = 404;
    httpTimer(b.req, b.res, next);
    b.res.emit('finish');
    expect(next).toHaveBeenCalledTimes(2);
    const text = await registry.metrics();
    expect(text).toContain(
      'resolve_http_request_duration_seconds_count{method="POST",route="/escalations/:id/escalate",status="200"} 1',
    );
    expect(text).toContain(
      'resolve_http_request_duration_seconds_count{method="GET",route="unmatched",status="404"} 1',
    );
  });

  it('registries are per application (two apps in one process do not collide)', () => {
    expect(() => [createApiMetrics(fakeSources({})), createApiMetrics(fakeSources({}))]).not.toThrow();
  });

  it('an optional bearer token guards the scrape', () => {
    expect(metricsAuthorised(undefined, undefined)).toBe(true);
    expect(metricsAuthorised(undefined, 's3cret-token')).toBe(false);
    expect(metricsAuthorised('Bearer wrong', 's3cret-token')).toBe(false);
    expect(metricsAuthorised('Bearer s3cret-token', 's3cret-token')).toBe(true);
  });
});
