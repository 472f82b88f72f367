/**
 *   DATABASE_URL=... TEMPORAL_ADDRESS=... node -r ./infra/runtime/register.js services/worker/scripts/announce-calendar-change.ts
 * Prints one JSON object: how many open escalations were told.
 */
import { Client, Connection } from '@temporalio/client';
import { z } from 'zod';
import { DEFAULT_HOLIDAYS } from '@resolve/calendar';
import { postgresUrl, readConfig, temporalSettings } from '@resolve/config';
import { EscalationProjectionRepository, openDatabase } from '@resolve/persistence';
import { createDataConverter, encryptionKeysFromEnv } from '@resolve/temporal';
import { announceCalendarChange } from '../src/announce-calendar-change';

async function main() {
  const config = readConfig(z.object({ DATABASE_URL: postgresUrl, ...temporalSettings }), process.env);
  const dataSource = await openDatabase(config.DATABASE_URL, { migrate: false });
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    dataConverter: createDataConverter(encryptionKeysFromEnv(process.env)),
  });
  const result = await announceCalendarChange(
    { projections: new EscalationProjectionRepository(dataSource), client },
    DEFAULT_HOLIDAYS.version,
  );
  console.log(JSON.stringify({ calendarVersion: DEFAULT_HOLIDAYS.version, ...result }));
  await connection.close();
  await dataSource.destroy();
}

main().catch((err) => {
  console.error(`announce-calendar-change: ${err?.message ?? err}`);
  process.exit(1);
});
