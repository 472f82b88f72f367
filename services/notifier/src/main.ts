import { ConfigurationError, loadNotifierConfig } from './config';
import { jsonLogger } from './logger';
import { startNotifierWithConfig } from './worker';

/** The notifier service: the only place that reads process.env. */
async function main() {
  const logger = jsonLogger();
  let config;
  try {
    config = loadNotifierConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigurationError) {
      console.error(`notifier: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const notifier = await startNotifierWithConfig(config, { logger });
  const stop = (signal: string) => {
    logger.info('shutting down', { signal });
    void notifier.shutdown().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  await notifier.running;
}

main().catch((err) => {
  console.error(JSON.stringify({ level: 'fatal', service: 'notifier', message: 'notifier failed', error: String(err?.message ?? err) }));
  process.exit(1);
});
