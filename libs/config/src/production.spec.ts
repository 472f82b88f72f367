import { z } from 'zod';
import {
  ConfigurationError,
  deploymentSettings,
  InsecureConfigurationError,
  insecureSettings,
  isLocalHost,
  loadServiceConfig,
  PRODUCTION_RULES,
} from './index';

const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigurationError) return err.problems;
    throw err;
  }
  return [];
};

/** The insecure problem for one variable and value, as a service reading only it would see. */
const about = (variable: string, value: unknown, others: Record<string, unknown> = {}) =>
  insecureSettings([variable], { ...others, [variable]: value });

describe('production rules', () => {
  it.each([
    ['postgres://resolve:resolve@postgres:5432/resolve', /default database password/],
    ['postgres://postgres:postgres@db/resolve', /default database password/],
    ['postgres://temporal:Temporal@db/resolve', /default database password/],
    ['postgres://app:app@db/resolve', /default database password/],
    ['postgres://postgres@127.0.0.1:5433/resolve', /has no password/],
  ])('DATABASE_URL %s is refused', (url, message) => {
    expect(about('DATABASE_URL', url)).toEqual([expect.stringMatching(message)]);
    expect(about('DATABASE_URL', url)[0]).toMatch(/^DATABASE_URL: /);
  });

  it('a strong database password, or a client certificate, passes; the password is never echoed', () => {
    expect(about('DATABASE_URL', 'postgres://resolve:n0t-0bv10us-Secr3t@db:5432/resolve')).toEqual([]);
    expect(
      about('DATABASE_URL', 'postgres://resolve@db/resolve?sslcert=/certs/c.pem&sslkey=/certs/k.pem'),
    ).toEqual([]);
    expect(about('DATABASE_URL', 'postgres://resolve:resolve@db/resolve').join()).not.toContain(':resolve@');
  });

  it('the local token issuer, by key file and by issuer name', () => {
    expect(about('AUTH_LOCAL_KEY_FILE', '/var/lib/resolve/auth/local-issuer.json')).toEqual([
      expect.stringMatching(/^AUTH_LOCAL_KEY_FILE: selects the embedded local token issuer/),
    ]);
    expect(about('AUTH_LOCAL_KEY_FILE', undefined)).toEqual([]);
    expect(about('AUTH_ISSUER', 'resolve-local')).toEqual([expect.stringMatching(/^AUTH_ISSUER: /)]);
    expect(about('AUTH_ISSUER', 'https://login.example.gov.uk/realms/sscp')).toEqual([]);
  });

  it('the SMS outbox', () => {
    expect(about('SMS_PROVIDER', 'outbox')).toEqual([expect.stringMatching(/^SMS_PROVIDER: .*never sends/)]);
    expect(about('SMS_PROVIDER', 'twilio')).toEqual([]);
  });

  it.each([
    ['http://localhost:3000', /points at localhost/],
    ['https://127.0.0.1', /points at 127.0.0.1/],
    ['https://resolve.localhost', /points at resolve.localhost/],
    ['http://resolve.sefton.gov.uk', /is http:\/\//],
  ])('PUBLIC_BASE_URL %s is refused', (url, message) => {
    expect(about('PUBLIC_BASE_URL', url)).toEqual([expect.stringMatching(message)]);
  });

  it('provider and identity-provider URLs on http are refused; https passes', () => {
    for (const variable of [
      'NOTIFY_BASE_URL',
      'TWILIO_BASE_URL',
      'TWILIO_STATUS_CALLBACK_URL',
      'TWILIO_CALLBACK_URL',
      'AUTH_JWKS_URL',
    ]) {
      expect(about(variable, 'http://provider.example/x')).toEqual([
        expect.stringMatching(new RegExp(`^${variable}: .* is http://, .*use https://`)),
      ]);
      expect(about(variable, 'https://provider.example/x')).toEqual([]);
      expect(about(variable, undefined)).toEqual([]);
    }
  });

  it('METRICS_TOKEN empty or short', () => {
    expect(about('METRICS_TOKEN', undefined)).toEqual([expect.stringMatching(/^METRICS_TOKEN: is empty/)]);
    expect(about('METRICS_TOKEN', '')).toEqual([expect.stringMatching(/^METRICS_TOKEN: is empty/)]);
    expect(about('METRICS_TOKEN', 'change-me')).toEqual([expect.stringMatching(/shorter than 32/)]);
    expect(about('METRICS_TOKEN', 'x'.repeat(32))).toEqual([]);
  });

  it('SMTP without TLS from the start, unless email goes through another provider', () => {
    expect(about('SMTP_URL', 'smtp://mailcatcher:1025')).toEqual([
      expect.stringMatching(/^SMTP_URL: is smtp:\/\//),
    ]);
    expect(about('SMTP_URL', 'smtp://mail:587', { EMAIL_PROVIDER: 'smtp' })).toHaveLength(1);
    expect(about('SMTP_URL', 'smtps://mail.example:465')).toEqual([]);
    expect(about('SMTP_URL', 'smtp://mail:25', { EMAIL_PROVIDER: 'govuk-notify' })).toEqual([]);
  });

  it('local hosts', () => {
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '[::1]', '0.0.0.0', 'api.localhost'])
      expect(isLocalHost(host)).toBe(true);
    for (const host of ['temporal', 'resolve.example.gov.uk', '10.0.0.7', 'localhost.example.com'])
      expect(isLocalHost(host)).toBe(false);
  });

  it('a rule applies only to a service that reads its variable', () => {
    expect(insecureSettings(['DATABASE_URL'], { SMS_PROVIDER: 'outbox', DATABASE_URL: undefined })).toEqual(
      [],
    );
    expect(new Set(PRODUCTION_RULES.map((r) => r.variable)).size).toBe(PRODUCTION_RULES.length);
  });
});

describe('loadServiceConfig', () => {
  const schema = z.object({
    ...deploymentSettings,
    DATABASE_URL: z.string(),
    SMS_PROVIDER: z.enum(['outbox', 'twilio']).default('outbox'),
    METRICS_TOKEN: z.string().optional(),
  });
  const insecure = { DATABASE_URL: 'postgres://resolve:resolve@postgres/resolve' };

  it('development (the default) allows the insecure defaults', () => {
    expect(loadServiceConfig(schema, insecure)).toMatchObject({
      RESOLVE_ENV: 'development',
      SMS_PROVIDER: 'outbox',
    });
    expect(loadServiceConfig(schema, { ...insecure, RESOLVE_ENV: 'development' }).RESOLVE_ENV).toBe(
      'development',
    );
  });

  it('production names every insecure setting in one error, defaults included', () => {
    let error: unknown;
    try {
      loadServiceConfig(schema, { ...insecure, RESOLVE_ENV: 'production' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InsecureConfigurationError);
    const { problems, message } = error as InsecureConfigurationError;
    expect(problems.map((p) => p.split(':')[0])).toEqual(['SMS_PROVIDER', 'DATABASE_URL', 'METRICS_TOKEN']);
    expect(message).toMatch(/^RESOLVE_ENV=production refuses to start with these insecure settings/);
  });

  it('production starts once every setting is safe', () => {
    const config = loadServiceConfig(schema, {
      RESOLVE_ENV: 'production',
      DATABASE_URL: 'postgres://resolve:Zq8-long-random-password@db/resolve',
      SMS_PROVIDER: 'twilio',
      METRICS_TOKEN: 'm'.repeat(40),
    });
    expect(config.RESOLVE_ENV).toBe('production');
  });

  it('an unknown RESOLVE_ENV is refused by name, not taken for development', () => {
    expect(problemsOf(() => loadServiceConfig(schema, { ...insecure, RESOLVE_ENV: 'prod' }))).toEqual([
      expect.stringMatching(/^RESOLVE_ENV: /),
    ]);
  });
});
