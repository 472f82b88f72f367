import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { RateLimitsRepository } from '@resolve/persistence';
import { createApiApp } from '../src/app';
import { PostgresThrottlerStorage } from '../src/common/rate-limit/postgres-throttler-storage';
import { createTokenVerifier } from '../src/auth/token-verifier';
import { person, startStack, type Stack } from './support/harness';

/**
 * Rate limits per caller and route group, counted in Postgres so that two API replicas share one
 * budget (issue 13). Two replicas are built here on the stack's database, with small limits.
 */
jest.setTimeout(240_000);

const P = 'sefton-sscp';
const LIMITS = { default: 5, cases: 3, documents: 2 };

describe('Rate limits shared by API replicas', () => {
  let stack: Stack;
  let replicas: INestApplication[];

  beforeAll(async () => {
    stack = await startStack();
    const verifier = createTokenVerifier({
      issuer: stack.issuer.issuer,
      audience: stack.issuer.audience,
      localPublicJwk: stack.issuer.publicJwk,
    });
    replicas = [];
    for (let i = 0; i < 2; i++) {
      const app = await createApiApp({
        dataSource: stack.db.dataSource,
        temporal: stack.env.client,
        verifier,
        rateLimits: LIMITS,
        trustProxy: ['loopback'],
      });
      await app.init();
      replicas.push(app);
    }
  });
  afterAll(async () => {
    for (const app of replicas ?? []) await app.close();
    await stack?.stop();
  });

  /** Counts are per minute: start each scenario with most of a window left, so none straddles two. */
  async function freshWindow() {
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 25_000) await new Promise((r) => setTimeout(r, left + 200));
  }
  const get = (replica: number, path: string, headers: Record<string, string> = {}) => {
    let req = request(replicas[replica].getHttpServer()).get(path);
    for (const [k, v] of Object.entries(headers)) req = req.set(k, v);
    return req;
  };

  it("counts one caller's requests on both replicas against one budget, and says when to retry", async () => {
    await freshWindow();
    const caller = { Authorization: await stack.as(person(P, 'csc', 'practitioner')) };
    const statuses: number[] = [];
    for (let i = 0; i < LIMITS.default; i++) statuses.push((await get(i % 2, '/protocols', caller)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const refused = await get(1, '/protocols/sefton-sscp', caller);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: 'rate-limited' });
    expect(refused.body.message).toMatch(
      /too many requests: 5 a minute per caller for these routes; try again in \d+ s/,
    );
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);

    // Another person behind the same address has a budget of their own.
    const other = { Authorization: await stack.as(person(P, 'police', 'practitioner')) };
    expect((await get(0, '/protocols', other)).status).toBe(200);
    // And each group has its own: the same caller still lists cases.
    expect((await get(0, '/escalations', caller)).status).toBe(200);
  });

  it('keeps a smaller budget for documents, per group and not per route', async () => {
    await freshWindow();
    const manager = { Authorization: await stack.as(person(P, null, 'business-manager')) };
    const first = await get(0, `/partnerships/${P}/reports/disputes`, manager);
    const second = await get(1, `/partnerships/${P}/reports/disputes?format=html`, manager);
    expect([first.status, second.status]).toEqual([200, 200]);
    const third = await get(0, `/partnerships/${P}/reports/disputes?format=csv`, manager);
    expect(third.status).toBe(429);
    expect(third.body.message).toMatch(/2 a minute per caller for the documents routes/);
  });

  it('counts unsigned and forged requests by address, from the trusted proxy X-Forwarded-For', async () => {
    await freshWindow();
    // A made-up token naming someone's subject gets no budget of its own: it counts by address.
    const forged = (n: number) => ({
      Authorization: `Bearer eyJhbGciOiJFUzI1NiJ9.${Buffer.from(JSON.stringify({ sub: `made-up-${n}` })).toString('base64url')}.c2ln`,
      'X-Forwarded-For': '203.0.113.7',
    });
    const statuses: number[] = [];
    for (let i = 0; i < LIMITS.default + 1; i++)
      statuses.push((await get(i % 2, '/protocols', forged(i))).status);
    // (Protocols are public: the forged token is not even read by the route, only by the limit.)
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    // Another client address behind the same (trusted) proxy is counted apart.
    expect((await get(0, '/protocols', { 'X-Forwarded-For': '203.0.113.8' })).status).toBe(200);
  });

  it("refuses a burst across two windows' edge: the budget is a sliding minute", async () => {
    // Counted at chosen instants through the same storage the guard uses, on the real table.
    const repository = new RateLimitsRepository(stack.db.dataSource);
    const key = `edge-test-${Date.now()}`;
    const edge = Math.ceil(Date.now() / 60_000) * 60_000 + 60_000;
    for (let i = 0; i < 5; i++) await repository.count(key, 60_000, new Date(edge - 500));
    const next = await repository.count(key, 60_000, new Date(edge + 1_000));
    expect(next).toMatchObject({ hits: 1, previousHits: 5 });

    class StorageAt extends PostgresThrottlerStorage {
      at = new Date(edge + 2_000);
      protected override now() {
        return this.at;
      }
    }
    const storage = new StorageAt(repository);
    const refused = await storage.increment(key, 60_000, 5);
    expect(refused).toMatchObject({ isBlocked: true });
    expect(refused.timeToBlockExpire).toBeGreaterThan(1);
    // Most of a minute later the earlier burst has slid away.
    storage.at = new Date(edge + 50_000);
    expect(await storage.increment(key, 60_000, 5)).toMatchObject({ isBlocked: false });
  });
});
