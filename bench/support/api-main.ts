/**
 * The API process for benchmarks: services/api/src/main.ts itself, with one change made before it
 * runs: the per-client rate limit comes from BENCH_RATE_LIMIT_PER_MINUTE. main.ts keeps the
 * default of 1,200 requests a minute per client address (20/s), which one load generator at
 * 100 req/s would hit. Everything else (configuration, encryption, auth, audit, Postgres,
 * Temporal) is main.ts's own code path.
 */
const app = require('../../services/api/src/app') as typeof import('../../services/api/src/app');

const limit = Number(process.env.BENCH_RATE_LIMIT_PER_MINUTE ?? 1200);
const original = app.createApiApp;
(app as { createApiApp: typeof original }).createApiApp = (deps) =>
  original({ ...deps, rateLimitPerMinute: limit });

require('../../services/api/src/main');
