import {
  connectTemporalWorker,
  createDataConverter,
  encryptionKeysFromEnv,
  EncryptionKeyError,
} from '@resolve/temporal';
import { ConfigurationError, loadNotifierConfig } from './config';
import { jsonLogger } from './logger';
import { startNotifierWithConfig } from './worker';

/** The notifier service: the only place that reads process.env. */
async function main() {
  let config;
  let dataConverter;
  try {
    config = loadNotifierConfig(process.env);
    // Workflow payloads are encrypted: the notifier decodes its inputs with the same keys.
    dataConverter = createDataConverter(encryptionKeysFromEnv(process.env));
  } catch (err) {
    if (err instanceof ConfigurationError || err instanceof EncryptionKeyError) {
      console.error(`notifier: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const logger = jsonLogger(process.stderr, config.logLevel);
  // TLS, mTLS and API key as configured (TEMPORAL_TLS_*, TEMPORAL_API_KEY).
  const connection = await connectTemporalWorker(config.temporal.settings);
  const notifier = await startNotifierWithConfig(config, { logger, dataConverter, connection });
  const stop = (signal: string) => {
    logger.info('shutting down', { signal });
    void notifier
      .shutdown()
      .then(() => connection.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  await notifier.running;
}

main().catch((err) => {
  console.error(
    JSON.stringify({
      level: 'fatal',
      service: 'notifier',
      message: 'notifier failed',
      error: String(err?.message ?? err),
    }),
  );
  process.exit(1);
});
