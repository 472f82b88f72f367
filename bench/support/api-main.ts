/**
 * The API process for benchmarks: services/api/src/main.ts's wiring, with one difference: the
 * per-client rate limit comes from BENCH_RATE_LIMIT_PER_MINUTE (main.ts keeps the default of
 * 1,200 a minute per client address, i.e. 20 req/s, which a single load generator at 100 req/s
 * would hit). Everything else (auth, audit, validation, Postgres, Temporal) is the same code.
 */
import { Client, Connection } from '@temporalio/client';
import { readConfig } from '@resolve/config';
import { openDatabase } from '@resolve/persistence';
import { createApiApp } from '../../services/api/src/app';
import { loadOrCreateLocalIssuer } from '../../services/api/src/auth/local-issuer';
import { createTokenVerifier } from '../../services/api/src/auth/token-verifier';
import { logger } from '../../services/api/src/common/logger';
import { apiConfigSchema } from '../../services/api/src/config';

async function main() {
  const config = readConfig(apiConfigSchema, process.env);
  const dataSource = await openDatabase(config.DATABASE_URL, { migrate: config.RUN_MIGRATIONS === 'true' });
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const localIssuer = config.AUTH_LOCAL_KEY_FILE
    ? await loadOrCreateLocalIssuer(config.AUTH_LOCAL_KEY_FILE, config.AUTH_ISSUER, config.AUTH_AUDIENCE)
    : null;
  const verifier = createTokenVerifier({
    issuer: config.AUTH_ISSUER,
    audience: config.AUTH_AUDIENCE,
    jwksUrl: config.AUTH_JWKS_URL,
    localPublicJwk: localIssuer?.publicJwk,
  });
  const app = await createApiApp({
    dataSource,
    temporal,
    verifier,
    rateLimitPerMinute: Number(process.env.BENCH_RATE_LIMIT_PER_MINUTE ?? 1200),
  });
  app.enableShutdownHooks();
  await app.listen(config.PORT, '127.0.0.1');
  logger.info('api listening', { port: config.PORT, rateLimitPerMinute: Number(process.env.BENCH_RATE_LIMIT_PER_MINUTE ?? 1200) });
}

main().catch((err) => {
  logger.error('api failed to start', { error: String(err?.message ?? err) });
  process.exit(1);
});
