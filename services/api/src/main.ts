import { Client } from '@temporalio/client';
import {
  armFaultPoint,
  migrateAsOwnerThenServe,
  openDatabase,
  servingRoleProblems,
} from '@resolve/persistence';
import { connectTemporalClient, createDataConverter } from '@resolve/temporal';
import { createApiApp } from './app';
import { loadOrCreateLocalIssuer } from './auth/local-issuer';
import { createTokenVerifier } from './auth/token-verifier';
import { logger } from './common/logger';
import { loadApiConfig } from './config';
import { codecFromEnv } from './codec';

async function main() {
  const config = loadApiConfig(process.env);
  logger.setLevel(config.LOG_LEVEL);
  if (config.RESOLVE_FAULT_POINT) {
    // A crash test's fault point (never in production: the configuration refuses it there): say
    // so, then wait there for the test to kill the process.
    armFaultPoint(config.RESOLVE_FAULT_POINT, async (point) => {
      logger.warn('fault point reached; waiting to be killed', { point });
      await new Promise<never>(() => undefined);
    });
    logger.warn('a test fault point is armed', { point: config.RESOLVE_FAULT_POINT });
  }
  // Payload encryption (RESOLVE_ENCRYPTION_KEYS, required) and the UI's codec origins (CODEC_CORS_ORIGINS).
  const codec = codecFromEnv(process.env);
  // With MIGRATIONS_DATABASE_URL the tables' owner migrates and the API serves as a role that owns
  // nothing, so it cannot switch off the append-only triggers (docs/security.md, "The owner role").
  const dataSource = config.MIGRATIONS_DATABASE_URL
    ? await migrateAsOwnerThenServe({
        databaseUrl: config.DATABASE_URL,
        migrationsDatabaseUrl: config.MIGRATIONS_DATABASE_URL,
        open: (url, migrate) => openDatabase(url, { migrate: migrate && config.RUN_MIGRATIONS }),
      })
    : await openDatabase(config.DATABASE_URL, { migrate: config.RUN_MIGRATIONS });
  const roleProblems = await servingRoleProblems(dataSource);
  if (roleProblems.length && config.RESOLVE_ENV === 'production') {
    await dataSource.destroy();
    throw new Error(
      `DATABASE_URL: ${roleProblems.join('; ')}: production serves as a role that owns nothing (set MIGRATIONS_DATABASE_URL to the owner, DATABASE_URL to the application role)`,
    );
  }
  if (roleProblems.length)
    logger.warn('the API serves as a role that could disable the append-only triggers', {
      problems: roleProblems,
    });
  // TLS, mTLS and API key as configured (TEMPORAL_TLS_*, TEMPORAL_API_KEY).
  const connection = await connectTemporalClient(config);
  const temporal = new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    dataConverter: createDataConverter(codec.codec),
  });
  const localIssuer = config.AUTH_LOCAL_KEY_FILE
    ? await loadOrCreateLocalIssuer(config.AUTH_LOCAL_KEY_FILE, config.AUTH_ISSUER, config.AUTH_AUDIENCE)
    : null;
  const verifier = createTokenVerifier({
    issuer: config.AUTH_ISSUER,
    audience: config.AUTH_AUDIENCE,
    jwksUrl: config.AUTH_JWKS_URL,
    localPublicJwk: localIssuer?.publicJwk,
    algorithms: config.AUTH_ALGORITHMS,
    accessTokenTypes: config.AUTH_TOKEN_TYPES,
    clockSkewSeconds: config.AUTH_CLOCK_SKEW_SECONDS,
  });
  const app = await createApiApp({
    dataSource,
    temporal,
    verifier,
    callbackSecrets: {
      notifyBearerToken: config.NOTIFY_CALLBACK_TOKEN,
      twilioAuthToken: config.TWILIO_AUTH_TOKEN,
      twilioCallbackUrl: config.TWILIO_CALLBACK_URL,
    },
    corsOrigins: config.CORS_ORIGINS,
    codec: { ...codec, unattributedPayloads: config.CODEC_UNATTRIBUTED_PAYLOADS },
    metricsToken: config.METRICS_TOKEN,
    relayIntervalMs: config.RELAY_INTERVAL_MS,
    protocolsDir: config.PROTOCOLS_DIR,
    chromiumPath: config.CHROMIUM_PATH,
    production: config.RESOLVE_ENV === 'production',
    webhookSecretKey: config.WEBHOOK_SECRET_KEY,
    rateLimits: config.RATE_LIMITS,
    trustProxy: config.TRUST_PROXY,
    ...(config.AUDIT_HEAD_SIGNING_KEY && config.AUDIT_HEAD_LOG
      ? {
          auditHead: {
            signingKey: config.AUDIT_HEAD_SIGNING_KEY,
            logPath: config.AUDIT_HEAD_LOG,
            intervalMs: config.AUDIT_HEAD_INTERVAL_MS,
          },
        }
      : {}),
  });
  app.enableShutdownHooks();
  await app.listen(config.PORT, '0.0.0.0');
  logger.info('api listening', { port: config.PORT });
}

main().catch((err) => {
  logger.error('api failed to start', { error: String(err?.message ?? err) });
  process.exit(1);
});
