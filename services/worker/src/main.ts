import { z } from 'zod';
import { postgresUrl, readConfig, temporalSettings } from '@resolve/config';
import { startEscalationWorker } from './worker';

const config = readConfig(
  z.object({ DATABASE_URL: postgresUrl, ...temporalSettings }),
  process.env,
);

async function main() {
  const running = await startEscalationWorker({
    databaseUrl: config.DATABASE_URL,
    temporalAddress: config.TEMPORAL_ADDRESS,
    namespace: config.TEMPORAL_NAMESPACE,
  });
  const stop = () => void running.shutdown().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  console.log(JSON.stringify({ level: 'info', msg: 'escalation worker running', taskQueue: 'resolve-escalations' }));
  await running.running;
}

main().catch((err) => {
  console.error(JSON.stringify({ level: 'fatal', msg: 'escalation worker failed', error: String(err?.message ?? err) }));
  process.exit(1);
});
