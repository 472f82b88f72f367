import { EventEmitter } from 'node:events';
import type { NextFunction, Request, Response } from 'express';
import type { DataSource } from 'typeorm';
import { createApiMetrics, metricsAuthorised } from './api-metrics';

function fakeDb(answers: Record<string, unknown[]> | Error): DataSource {
  return {
    query: async (sql: string) => {
      if (answers instanceof Error) throw answers;
      return answers[/FROM escalation/.test(sql) ? 'escalation' : 'action_record'];
    },
  } as unknown as DataSource;
}

function fakeRequest(method: string, route: string | null) {
  const res = Object.assign(new EventEmitter(), { statusCode: 200 }) as unknown as Response & EventEmitter;
  const req = { method, baseUrl: '', route: route ? { path: route } : undefined } as unknown as Request;
  return { req, res };
}

describe('API metrics', () => {
  it('open escalations by protocol and tier, actions by kind and outcome, from Postgres at scrape time', async () => {
    let open = [
      { protocol_id: 'sefton-sscp', tier_number: 1, n: 3 },
      { protocol_id: 'sefton-sscp', tier_number: 3, n: 1 },
    ];
    const db = {
      query: async (sql: string) =>
        /FROM escalation/.test(sql)
          ? open
          : [
              { kind: 'escalate', outcome: 'accepted', n: 4 },
              { kind: 'escalate', outcome: 'refused', n: 1 },
            ],
    };
    const { registry } = createApiMetrics(db as unknown as DataSource);
    const text = await registry.metrics();
    expect(text).toContain('resolve_open_escalations{protocol="sefton-sscp",tier="1"} 3');
    expect(text).toContain('resolve_open_escalations{protocol="sefton-sscp",tier="3"} 1');
    expect(text).toContain('resolve_actions{kind="escalate",outcome="accepted"} 4');
    expect(text).toContain('resolve_actions{kind="escalate",outcome="refused"} 1');
    expect(text).toContain('process_cpu_user_seconds_total');
    // A group that empties disappears at the next scrape.
    open = [{ protocol_id: 'sefton-sscp', tier_number: 3, n: 1 }];
    const again = await registry.metrics();
    expect(again).not.toContain('tier="1"');
  });

  it('a failing database leaves the gauges empty rather than failing the scrape', async () => {
    const { registry } = createApiMetrics(fakeDb(new Error('connection refused')));
    const text = await registry.metrics();
    expect(text).toContain('# TYPE resolve_open_escalations gauge');
    expect(text).not.toMatch(/^resolve_open_escalations\{/m);
  });

  it('times requests by route pattern, never by concrete path', async () => {
    const { registry, httpTimer } = createApiMetrics(fakeDb({ escalation: [], action_record: [] }));
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
    expect(() => [createApiMetrics(fakeDb({})), createApiMetrics(fakeDb({}))]).not.toThrow();
  });

  it('an optional bearer token guards the scrape', () => {
    expect(metricsAuthorised(undefined, undefined)).toBe(true);
    expect(metricsAuthorised(undefined, 's3cret-token')).toBe(false);
    expect(metricsAuthorised('Bearer wrong', 's3cret-token')).toBe(false);
    expect(metricsAuthorised('Bearer s3cret-token', 's3cret-token')).toBe(true);
  });
});
