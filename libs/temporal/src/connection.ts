import { Connection, type ConnectionOptions } from '@temporalio/client';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import {
  temporalConnectionOptions,
  type ConnectionSettings,
  type TemporalConnectionOptions,
} from './connection-options';

/** A client connection (the API, scripts, the health probe). */
export function connectTemporalClient(
  settings: ConnectionSettings,
  extra: Omit<ConnectionOptions, keyof TemporalConnectionOptions> = {},
): Promise<Connection> {
  return Connection.connect({ ...extra, ...temporalConnectionOptions(settings) });
}

/** A worker's native connection (the escalation worker, the notifier). */
export function connectTemporalWorker(
  settings: ConnectionSettings,
  extra: Omit<NativeConnectionOptions, keyof TemporalConnectionOptions> = {},
): Promise<NativeConnection> {
  return NativeConnection.connect({ ...extra, ...temporalConnectionOptions(settings) });
}
