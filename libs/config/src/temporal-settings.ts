import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { booleanSetting, hostAndPort, unsetWhenEmpty } from './settings';

export const temporalAddress = hostAndPort('127.0.0.1:7233');

/** A PEM file the service can read now, holding the kind of block it is meant to hold. */
const pemFile = (holds: string, block: RegExp) =>
  z.string().superRefine((file, ctx) => {
    try {
      accessSync(file, constants.R_OK);
      if (!statSync(file).isFile()) throw new Error('not a file');
    } catch {
      ctx.addIssue({ code: 'custom', message: `cannot read the file ${file}` });
      return;
    }
    // Only the header is looked at: the message never carries the key material.
    if (!block.test(readFileSync(file, 'utf8')))
      ctx.addIssue({ code: 'custom', message: `${file} holds no PEM ${holds}` });
  });

const hostname = z
  .string()
  .regex(/^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/, {
    message: 'must be a host name, e.g. temporal.resolve.example',
  });

/**
 * How every service reaches Temporal: the frontend's address and namespace, and what a
 * production cluster asks of its clients: TLS against the cluster's CA (TEMPORAL_TLS_CA) with
 * the name its certificate carries (TEMPORAL_TLS_SERVER_NAME), a client certificate for mTLS
 * (TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY, PEM files), and/or an API key (TEMPORAL_API_KEY,
 * as Temporal Cloud issues). TEMPORAL_TLS=true turns TLS on with the system's CAs alone.
 * Spread into a service's schema, with `.superRefine(refineTemporalSettings)`.
 */
export const temporalSettings = {
  TEMPORAL_ADDRESS: temporalAddress.default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TLS: unsetWhenEmpty(booleanSetting),
  TEMPORAL_TLS_CERT: unsetWhenEmpty(pemFile('certificate', /-----BEGIN CERTIFICATE-----/)),
  TEMPORAL_TLS_KEY: unsetWhenEmpty(
    pemFile('private key', /-----BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY-----/),
  ),
  TEMPORAL_TLS_CA: unsetWhenEmpty(pemFile('certificate', /-----BEGIN CERTIFICATE-----/)),
  TEMPORAL_TLS_SERVER_NAME: unsetWhenEmpty(hostname),
  TEMPORAL_API_KEY: unsetWhenEmpty(z.string().regex(/^\S+$/, 'must be the API key, without spaces')),
  /**
   * Production refuses a plaintext connection to a Temporal that is not on this machine: anyone
   * on the path could read workflow traffic and send updates. true says the path is protected
   * another way (a private network, a service mesh's mTLS).
   */
  TEMPORAL_ALLOW_PLAINTEXT: booleanSetting.default(false),
};

const temporalObject = z.object(temporalSettings);
export type TemporalSettings = z.infer<typeof temporalObject>;

/** TLS is on when asked for, or when anything only TLS can use is configured. */
export function temporalTlsEnabled(settings: Partial<TemporalSettings>): boolean {
  if (settings.TEMPORAL_TLS !== undefined) return settings.TEMPORAL_TLS;
  return !!(
    settings.TEMPORAL_TLS_CA ||
    settings.TEMPORAL_TLS_CERT ||
    settings.TEMPORAL_TLS_SERVER_NAME ||
    settings.TEMPORAL_API_KEY
  );
}

/** The checks across the TEMPORAL_TLS_* settings, for a service schema's superRefine. */
export function refineTemporalSettings(settings: Partial<TemporalSettings>, ctx: z.RefinementCtx): void {
  const issue = (variable: keyof TemporalSettings, message: string) =>
    ctx.addIssue({ code: 'custom', path: [variable], message });
  if (settings.TEMPORAL_TLS_CERT && !settings.TEMPORAL_TLS_KEY)
    issue(
      'TEMPORAL_TLS_KEY',
      'is required with TEMPORAL_TLS_CERT (the private key of the client certificate)',
    );
  if (settings.TEMPORAL_TLS_KEY && !settings.TEMPORAL_TLS_CERT)
    issue('TEMPORAL_TLS_CERT', 'is required with TEMPORAL_TLS_KEY (the client certificate)');
  if (settings.TEMPORAL_TLS === false) {
    for (const variable of [
      'TEMPORAL_TLS_CERT',
      'TEMPORAL_TLS_CA',
      'TEMPORAL_TLS_SERVER_NAME',
      'TEMPORAL_API_KEY',
    ] as const) {
      if (settings[variable])
        issue(variable, 'is set but TEMPORAL_TLS=false turns TLS off (an API key would be sent in clear)');
    }
  }
}

/** Reads only the Temporal settings (scripts and the container health probe). */
export const temporalSettingsSchema = temporalObject.superRefine(refineTemporalSettings);
