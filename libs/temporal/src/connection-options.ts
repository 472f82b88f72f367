import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import { temporalTlsEnabled, type TemporalSettings } from '@resolve/config';

// No SDK runtime here (types only): the container health probe loads this file on every probe.

/** What both of the SDK's connections (the client's and the worker's native one) take. */
export interface TemporalConnectionOptions {
  address: string;
  /** Absent: plaintext. */
  tls?: TLSConfig;
  apiKey?: string;
}

export type ConnectionSettings = Pick<TemporalSettings, 'TEMPORAL_ADDRESS'> &
  Partial<
    Pick<
      TemporalSettings,
      | 'TEMPORAL_TLS'
      | 'TEMPORAL_TLS_CERT'
      | 'TEMPORAL_TLS_KEY'
      | 'TEMPORAL_TLS_CA'
      | 'TEMPORAL_TLS_SERVER_NAME'
      | 'TEMPORAL_API_KEY'
    >
  >;

/**
 * The one place a Temporal connection's options are built from configuration, for the API's
 * client, the escalation worker, the notifier and the health probe alike: the address, TLS
 * (server CA, server name, mTLS client certificate and key, read from their files now) and the
 * API key. Without any TLS setting the connection is plaintext, as the local dev server wants;
 * production refuses that towards a remote Temporal (libs/config).
 */
export function temporalConnectionOptions(
  settings: ConnectionSettings,
  readFile: (file: string) => Buffer = (file) => readFileSync(file),
): TemporalConnectionOptions {
  const options: TemporalConnectionOptions = { address: settings.TEMPORAL_ADDRESS };
  if (temporalTlsEnabled(settings)) {
    const tls: TLSConfig = {};
    if (settings.TEMPORAL_TLS_CA) tls.serverRootCACertificate = readFile(settings.TEMPORAL_TLS_CA);
    if (settings.TEMPORAL_TLS_SERVER_NAME) tls.serverNameOverride = settings.TEMPORAL_TLS_SERVER_NAME;
    if (settings.TEMPORAL_TLS_CERT && settings.TEMPORAL_TLS_KEY)
      tls.clientCertPair = {
        crt: readFile(settings.TEMPORAL_TLS_CERT),
        key: readFile(settings.TEMPORAL_TLS_KEY),
      };
    options.tls = tls;
  }
  if (settings.TEMPORAL_API_KEY) options.apiKey = settings.TEMPORAL_API_KEY;
  return options;
}
