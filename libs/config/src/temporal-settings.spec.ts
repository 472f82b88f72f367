import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import {
  ConfigurationError,
  deploymentSettings,
  loadServiceConfig,
  readConfig,
  temporalSettings,
  temporalSettingsSchema,
  temporalTlsEnabled,
  refineTemporalSettings,
} from './index';

const dir = mkdtempSync(path.join(tmpdir(), 'resolve-temporal-tls-'));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};
const CERT = file('client.pem', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
const KEY = file('client.key', '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n');
const CA = file('ca.pem', '-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n');

function problems(
  env: Record<string, string | undefined>,
  schema: z.ZodType = temporalSettingsSchema,
): string[] {
  try {
    readConfig(schema, env);
  } catch (err) {
    if (err instanceof ConfigurationError) return err.problems;
    throw err;
  }
  return [];
}

describe('Temporal connection settings', () => {
  it('plaintext to the local dev server by default', () => {
    const settings = readConfig(temporalSettingsSchema, {});
    expect(settings).toMatchObject({ TEMPORAL_ADDRESS: '127.0.0.1:7233', TEMPORAL_ALLOW_PLAINTEXT: false });
    expect(temporalTlsEnabled(settings)).toBe(false);
  });

  it('TLS is on when asked for, or with a CA, a client certificate, a server name or an API key', () => {
    const on = (env: Record<string, string>) => temporalTlsEnabled(readConfig(temporalSettingsSchema, env));
    expect(on({ TEMPORAL_TLS: 'true' })).toBe(true);
    expect(on({ TEMPORAL_TLS_CA: CA })).toBe(true);
    expect(on({ TEMPORAL_TLS_CERT: CERT, TEMPORAL_TLS_KEY: KEY })).toBe(true);
    expect(on({ TEMPORAL_TLS_SERVER_NAME: 'temporal.resolve.test' })).toBe(true);
    expect(on({ TEMPORAL_API_KEY: 'eyJhbGciOi.key' })).toBe(true);
    expect(on({ TEMPORAL_TLS_CA: '', TEMPORAL_API_KEY: '' })).toBe(false);
  });

  it('names what is wrong: unreadable files, a key for a certificate, half a pair, contradictions', () => {
    expect(problems({ TEMPORAL_TLS_CA: path.join(dir, 'missing.pem') })).toEqual([
      `TEMPORAL_TLS_CA: cannot read the file ${path.join(dir, 'missing.pem')}`,
    ]);
    expect(problems({ TEMPORAL_TLS_CERT: KEY, TEMPORAL_TLS_KEY: CERT })).toEqual([
      `TEMPORAL_TLS_CERT: ${KEY} holds no PEM certificate`,
      `TEMPORAL_TLS_KEY: ${CERT} holds no PEM private key`,
    ]);
    expect(problems({ TEMPORAL_TLS_CERT: CERT })).toEqual([
      'TEMPORAL_TLS_KEY: is required with TEMPORAL_TLS_CERT (the private key of the client certificate)',
    ]);
    expect(problems({ TEMPORAL_TLS_KEY: KEY })).toEqual([
      'TEMPORAL_TLS_CERT: is required with TEMPORAL_TLS_KEY (the client certificate)',
    ]);
    expect(problems({ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'secret-key-value' })).toEqual([
      'TEMPORAL_API_KEY: is set but TEMPORAL_TLS=false turns TLS off (an API key would be sent in clear)',
    ]);
    expect(problems({ TEMPORAL_TLS: 'yes' })[0]).toMatch(/^TEMPORAL_TLS: /);
    expect(problems({ TEMPORAL_TLS_SERVER_NAME: 'https://temporal' })).toEqual([
      'TEMPORAL_TLS_SERVER_NAME: must be a host name, e.g. temporal.resolve.example',
    ]);
    expect(problems({ TEMPORAL_API_KEY: 'two words' }).join()).not.toContain('two words');
  });
});

describe('production: plaintext Temporal', () => {
  const schema = z.object({ ...deploymentSettings, ...temporalSettings }).superRefine(refineTemporalSettings);
  const production = (env: Record<string, string>) => () =>
    loadServiceConfig(schema, { RESOLVE_ENV: 'production', ...env });

  it('refused towards a remote Temporal, naming TEMPORAL_ADDRESS', () => {
    expect(problems({ RESOLVE_ENV: 'production', TEMPORAL_ADDRESS: 'temporal:7233' }, schema)).toEqual([]);
    expect(production({ TEMPORAL_ADDRESS: 'temporal:7233' })).toThrow(
      /TEMPORAL_ADDRESS: reaches temporal without TLS/,
    );
    expect(production({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_TLS: 'false' })).toThrow(
      /TEMPORAL_ADDRESS/,
    );
  });

  it('allowed over TLS, to this machine, or when explicitly allowed', () => {
    expect(production({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_TLS_CA: CA })).not.toThrow();
    expect(production({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'k' })).not.toThrow();
    expect(production({ TEMPORAL_ADDRESS: '127.0.0.1:7233' })).not.toThrow();
    expect(production({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_ALLOW_PLAINTEXT: 'true' })).not.toThrow();
  });
});
