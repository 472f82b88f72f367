import { Runtime } from '@temporalio/worker';
import { createLogger } from '@resolve/logging';
import { ConfigurationError } from '@resolve/config';
import {
  connectTemporalWorker,
  createDataConverter,
  encryptionKeysFromEnv,
  EncryptionKeyError,
} from '@resolve/temporal';
import { loadWorkerConfig } from './config';
import { workerTelemetryOptions } from './metrics';
import { freeLoopbackAddress, startMetricsEndpoint, type MetricsEndpoint } from './metrics-endpoint';
import { startEscalationWorker } from './worker';

/** Configuration and payload keys, or the reason the worker cannot start (printed, exit 1). */
function configure() {
  try {
    return {
      config: loadWorkerConfig(process.env),
      dataConverter: createDataConverter(encryptionKeysFromEnv(process.env)),
    };
  } catch (err) {
    if (err instanceof ConfigurationError || err instanceof EncryptionKeyError) {
      console.error(`worker: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
}

const { config, dataConverter } = configure();
const logger = createLogger('worker', { level: config.LOG_LEVEL });

async function main() {
  // Once per process, before any connection: the Runtime's Prometheus exporter, on loopback only,
  // behind the token-checking endpoint (metrics-endpoint.ts).
  let metricsEndpoint: MetricsEndpoint | undefined;
  if (config.METRICS_BIND_ADDRESS !== 'off') {
    const exporterAddress = await freeLoopbackAddress();
    Runtime.install({ telemetryOptions: workerTelemetryOptions(exporterAddress) });
    metricsEndpoint = await startMetricsEndpoint({
      bindAddress: config.METRICS_BIND_ADDRESS,
      exporterAddress,
      token: config.METRICS_TOKEN,
    });
  }
  // TLS, mTLS and API key as configured (TEMPORAL_TLS_*, TEMPORAL_API_KEY).
  const connection = await connectTemporalWorker(config);
  const running = await startEscalationWorker({
    databaseUrl: config.DATABASE_URL,
    temporalAddress: config.TEMPORAL_ADDRESS,
    namespace: config.TEMPORAL_NAMESPACE,
    connection,
    dataConverter,
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
    webhookSecretKey: config.WEBHOOK_SECRET_KEY,
    production: config.RESOLVE_ENV === 'production',
    logger,
  });
  const stop = () =>
    void running
      .shutdown()
      .then(() => connection.close())
      .then(() => metricsEndpoint?.close())
      .then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  logger.info('escalation worker running', {
    taskQueue: 'resolve-escalations',
    metrics: metricsEndpoint?.address ?? 'off',
    metricsToken: config.METRICS_TOKEN ? 'required' : 'none',
  });
  await running.running;
}

main().catch((err) => {
  logger.error('escalation worker failed', { error: String(err?.message ?? err) });
  process.exit(1);
});
