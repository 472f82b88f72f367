import { Runtime } from '@temporalio/worker';
import { z } from 'zod';
import { createLogger, logLevelSetting } from '@resolve/logging';
import { ConfigurationError, postgresUrl, readConfig, temporalSettings } from '@resolve/config';
import { createDataConverter, encryptionKeysFromEnv, EncryptionKeyError } from '@resolve/temporal';
import { workerTelemetryOptions } from './metrics';
import { DEFAULT_MAX_CACHED_WORKFLOWS, startEscalationWorker } from './worker';

const config = readConfig(
  z.object({
    DATABASE_URL: postgresUrl,
    ...temporalSettings,
    LOG_LEVEL: logLevelSetting,
    /** Prometheus scrape address of the SDK's and the worker's metrics (GET /metrics); "off" for none. */
    /** Escalations kept in memory between their workflow tasks (see DEFAULT_MAX_CACHED_WORKFLOWS). */
    WORKER_MAX_CACHED_WORKFLOWS: z.coerce
      .number()
      .int('must be a whole number')
      .min(0, 'must be 0 or more')
      .default(DEFAULT_MAX_CACHED_WORKFLOWS),
    METRICS_BIND_ADDRESS: z
      .union([z.literal('off'), z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port or off')])
      .default('0.0.0.0:9464'),
  }),
  process.env,
);

const logger = createLogger('worker', { level: config.LOG_LEVEL });

function dataConverter() {
  try {
    return createDataConverter(encryptionKeysFromEnv(process.env));
  } catch (err) {
    if (err instanceof EncryptionKeyError) throw new ConfigurationError([err.message]);
    throw err;
  }
}

async function main() {
  // Once per process, before any connection: the Runtime's Prometheus exporter.
  if (config.METRICS_BIND_ADDRESS !== 'off')
    Runtime.install({ telemetryOptions: workerTelemetryOptions(config.METRICS_BIND_ADDRESS) });
  const running = await startEscalationWorker({
    databaseUrl: config.DATABASE_URL,
    temporalAddress: config.TEMPORAL_ADDRESS,
    namespace: config.TEMPORAL_NAMESPACE,
    dataConverter: dataConverter(),
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
  });
  const stop = () => void running.shutdown().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  logger.info('escalation worker running', {
    taskQueue: 'resolve-escalations',
    metrics: config.METRICS_BIND_ADDRESS,
  });
  await running.running;
}

main().catch((err) => {
  logger.error('escalation worker failed', { error: String(err?.message ?? err) });
  process.exit(1);
});
