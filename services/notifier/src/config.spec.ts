import { ConfigurationError } from '@resolve/config';
import { loadNotifierConfig } from './config';
import { optionsToEnv, safeConcurrency } from './worker';

const base = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/resolve',
  SMTP_URL: 'smtp://127.0.0.1:2525',
};
const NOTIFY_KEY = 'resolve_test-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0';

function problems(env: Record<string, string | undefined>): string[] {
  try {
    loadNotifierConfig(env);
  } catch (err) {
    if (err instanceof ConfigurationError) return err.problems;
    throw err;
  }
  return [];
}

describe('notifier configuration', () => {
  it('defaults: SMTP email, the Postgres SMS outbox, local Temporal', () => {
    const config = loadNotifierConfig(base);
    expect(config).toMatchObject({
      databaseUrl: base.DATABASE_URL,
      temporal: { address: '127.0.0.1:7233', namespace: 'default' },
      email: { provider: 'smtp', smtpUrl: 'smtp://127.0.0.1:2525' },
      sms: { provider: 'outbox' },
      publicBaseUrl: 'http://localhost:3000',
    });
  });

  it('PROTOCOLS_DIR: the same protocol folder as the API, unset when empty', () => {
    expect(loadNotifierConfig({ ...base, PROTOCOLS_DIR: '/etc/resolve/protocols' }).protocolsDir).toBe(
      '/etc/resolve/protocols',
    );
    expect(loadNotifierConfig({ ...base, PROTOCOLS_DIR: '' }).protocolsDir).toBeUndefined();
  });

  it('trims a trailing slash from PUBLIC_BASE_URL', () => {
    expect(
      loadNotifierConfig({ ...base, PUBLIC_BASE_URL: 'https://resolve.example.test/' }).publicBaseUrl,
    ).toBe('https://resolve.example.test');
  });

  it('names the variable that is wrong', () => {
    expect(problems({ ...base, SMTP_URL: 'http://mail:25' })).toEqual([
      'SMTP_URL: must be smtp://host:port or smtps://host:port',
    ]);
    expect(problems({ ...base, DATABASE_URL: 'mysql://x' })).toEqual([
      'DATABASE_URL: must be a postgres:// connection URL',
    ]);
    expect(problems({ ...base, EMAIL_PROVIDER: 'sendgrid' })[0]).toMatch(/^EMAIL_PROVIDER: /);
    expect(problems({ ...base, PUBLIC_BASE_URL: 'resolve.example' })).toEqual([
      'PUBLIC_BASE_URL: must be an http(s):// URL',
    ]);
  });

  it('SMTP_URL is required for SMTP email', () => {
    expect(problems({ DATABASE_URL: base.DATABASE_URL })).toEqual([
      'SMTP_URL: is required when EMAIL_PROVIDER=smtp',
    ]);
  });

  it('GOV.UK Notify needs a key and template ids, and never echoes the key', () => {
    expect(problems({ ...base, EMAIL_PROVIDER: 'govuk-notify', SMS_PROVIDER: 'govuk-notify' })).toEqual([
      'NOTIFY_API_KEY: is required when EMAIL_PROVIDER=govuk-notify',
      'NOTIFY_EMAIL_TEMPLATE_ID: is required when EMAIL_PROVIDER=govuk-notify',
      'NOTIFY_API_KEY: is required when SMS_PROVIDER=govuk-notify',
      'NOTIFY_SMS_TEMPLATE_ID: is required when SMS_PROVIDER=govuk-notify',
    ]);
    const bad = problems({
      ...base,
      SMS_PROVIDER: 'govuk-notify',
      NOTIFY_API_KEY: 'not-a-real-secret-value',
      NOTIFY_SMS_TEMPLATE_ID: 'x',
    });
    expect(bad.join('\n')).not.toContain('not-a-real-secret-value');
    expect(bad).toEqual([
      'NOTIFY_API_KEY: must be a GOV.UK Notify API key ("name-<service id>-<secret>")',
      'NOTIFY_SMS_TEMPLATE_ID: must be a template id (UUID)',
    ]);
    const ok = loadNotifierConfig({
      ...base,
      SMS_PROVIDER: 'govuk-notify',
      NOTIFY_API_KEY: NOTIFY_KEY,
      NOTIFY_SMS_TEMPLATE_ID: '0a1b2c3d-0000-4000-8000-000000000001',
      NOTIFY_BASE_URL: 'http://127.0.0.1:9999/',
    });
    expect(ok.sms).toEqual({
      provider: 'govuk-notify',
      apiKey: NOTIFY_KEY,
      baseUrl: 'http://127.0.0.1:9999',
      templateId: '0a1b2c3d-0000-4000-8000-000000000001',
    });
  });

  it('Twilio needs an account, a token and a sender', () => {
    expect(problems({ ...base, SMS_PROVIDER: 'twilio' })).toEqual([
      'TWILIO_ACCOUNT_SID: is required when SMS_PROVIDER=twilio',
      'TWILIO_AUTH_TOKEN: is required when SMS_PROVIDER=twilio',
      'TWILIO_FROM: is required when SMS_PROVIDER=twilio',
    ]);
    expect(
      problems({
        ...base,
        SMS_PROVIDER: 'twilio',
        TWILIO_ACCOUNT_SID: 'SK123',
        TWILIO_AUTH_TOKEN: 'secret-token',
        TWILIO_FROM: '+447700900000',
      }),
    ).toEqual(['TWILIO_ACCOUNT_SID: must be a Twilio account SID (AC + 32 hex)']);
  });

  it('empty values count as unset', () => {
    expect(loadNotifierConfig({ ...base, TWILIO_BASE_URL: '', NOTIFY_API_KEY: '' }).sms).toEqual({
      provider: 'outbox',
    });
  });

  it('production refuses the compose defaults, naming each one', () => {
    const composeDefaults = {
      DATABASE_URL: 'postgres://resolve:resolve@postgres:5432/resolve',
      TEMPORAL_ADDRESS: 'temporal:7233',
      PUBLIC_BASE_URL: 'http://localhost:3000',
      EMAIL_PROVIDER: 'smtp',
      SMTP_URL: 'smtp://mailcatcher:1025',
      SMS_PROVIDER: 'outbox',
    };
    expect(loadNotifierConfig(composeDefaults).sms).toEqual({ provider: 'outbox' });
    expect(problems({ ...composeDefaults, RESOLVE_ENV: 'production' })).toEqual([
      expect.stringMatching(/^SMS_PROVIDER: is "outbox"/),
      expect.stringMatching(/^PUBLIC_BASE_URL: points at localhost/),
      expect.stringMatching(/^DATABASE_URL: uses a default database password/),
      expect.stringMatching(/^TEMPORAL_ADDRESS: reaches temporal without TLS/),
      expect.stringMatching(/^SMTP_URL: is smtp:\/\//),
    ]);
  });

  it('production refuses provider URLs on http', () => {
    expect(
      problems({
        DATABASE_URL: 'postgres://resolve:k3Q-long-random-password@db/resolve',
        RESOLVE_ENV: 'production',
        PUBLIC_BASE_URL: 'https://resolve.sefton.example',
        EMAIL_PROVIDER: 'govuk-notify',
        SMS_PROVIDER: 'govuk-notify',
        NOTIFY_API_KEY: NOTIFY_KEY,
        NOTIFY_EMAIL_TEMPLATE_ID: '0a1b2c3d-0000-4000-8000-000000000001',
        NOTIFY_SMS_TEMPLATE_ID: '0a1b2c3d-0000-4000-8000-000000000002',
        NOTIFY_BASE_URL: 'http://notify.example',
        TWILIO_BASE_URL: 'http://twilio.example',
      }),
    ).toEqual([
      expect.stringMatching(/^NOTIFY_BASE_URL: .*use https:\/\//),
      expect.stringMatching(/^TWILIO_BASE_URL: .*use https:\/\//),
    ]);
  });

  it('production starts with real providers over TLS', () => {
    const config = loadNotifierConfig({
      DATABASE_URL: 'postgres://resolve:k3Q-long-random-password@db/resolve',
      RESOLVE_ENV: 'production',
      PUBLIC_BASE_URL: 'https://resolve.sefton.example',
      SMTP_URL: 'smtps://mail.sefton.example:465',
      SMS_PROVIDER: 'govuk-notify',
      NOTIFY_API_KEY: NOTIFY_KEY,
      NOTIFY_SMS_TEMPLATE_ID: '0a1b2c3d-0000-4000-8000-000000000002',
    });
    expect(config.sms.provider).toBe('govuk-notify');
  });

  it('numbers and enums are parsed strictly', () => {
    expect(problems({ ...base, NOTIFIER_CONCURRENCY: '' })).toEqual([
      'NOTIFIER_CONCURRENCY: must be a whole number, got ""',
    ]);
    expect(problems({ ...base, NOTIFIER_CONCURRENCY: '1e1' })).toEqual([
      'NOTIFIER_CONCURRENCY: must be a whole number, got "1e1"',
    ]);
    expect(problems({ ...base, NOTIFIER_CONCURRENCY: '201' })).toEqual([
      'NOTIFIER_CONCURRENCY: must be at most 200',
    ]);
    expect(problems({ ...base, SMS_PROVIDER: 'sms-outbox' })[0]).toMatch(/^SMS_PROVIDER: /);
    expect(problems({ ...base, RESOLVE_ENV: 'Production' })[0]).toMatch(/^RESOLVE_ENV: /);
  });

  it('the Temporal TLS settings reach the connection settings', () => {
    expect(
      loadNotifierConfig({
        ...base,
        TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
        TEMPORAL_API_KEY: 'api-key-1',
        TEMPORAL_TLS_SERVER_NAME: 'ns.acct.tmprl.cloud',
      }).temporal,
    ).toEqual({
      address: 'ns.acct.tmprl.cloud:7233',
      namespace: 'default',
      settings: expect.objectContaining({
        TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
        TEMPORAL_API_KEY: 'api-key-1',
        TEMPORAL_TLS_SERVER_NAME: 'ns.acct.tmprl.cloud',
        TEMPORAL_ALLOW_PLAINTEXT: false,
      }),
    });
    expect(problems({ ...base, TEMPORAL_TLS_CERT: '/nowhere/client.pem' })).toEqual([
      'TEMPORAL_TLS_CERT: cannot read the file /nowhere/client.pem',
      'TEMPORAL_TLS_KEY: is required with TEMPORAL_TLS_CERT (the private key of the client certificate)',
    ]);
  });

  it('startNotifier options map onto the same variables', () => {
    expect(
      optionsToEnv({
        databaseUrl: base.DATABASE_URL,
        temporalAddress: '127.0.0.1:7233',
        smtpUrl: base.SMTP_URL,
        concurrency: 3,
      }),
    ).toEqual({
      DATABASE_URL: base.DATABASE_URL,
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
      SMTP_URL: base.SMTP_URL,
      NOTIFIER_CONCURRENCY: '3',
    });
  });

  it('receipt and bounce intakes: settings, and what each needs (secrets never echoed)', () => {
    const twilio = {
      ...base,
      SMS_PROVIDER: 'twilio',
      TWILIO_ACCOUNT_SID: `AC${'0123456789abcdef'.repeat(2)}`,
      TWILIO_AUTH_TOKEN: 'auth-token-123',
      TWILIO_FROM: '+447700900999',
    };
    expect(problems({ ...twilio, RECEIPTS_LISTEN: '127.0.0.1:8091' })).toEqual([
      'TWILIO_STATUS_CALLBACK_URL: is required when RECEIPTS_LISTEN is set with SMS_PROVIDER=twilio',
    ]);
    expect(problems({ ...base, RECEIPTS_LISTEN: 'localhost' })).toEqual([
      'RECEIPTS_LISTEN: must be host:port (127.0.0.1:8091, 0.0.0.0:0)',
    ]);
    expect(problems({ ...base, BOUNCE_LISTEN: '0.0.0.0:70000' })).toEqual([
      'BOUNCE_LISTEN: port must be at most 65535',
      'BOUNCE_ADDRESS: is required when BOUNCE_LISTEN is set',
    ]);
    expect(problems({ ...base, BOUNCE_ADDRESS: 'bounces@resolve.example' })).toEqual([
      'BOUNCE_SECRET: is required when BOUNCE_ADDRESS is set',
    ]);
    const shortSecret = problems({
      ...base,
      BOUNCE_ADDRESS: 'bounces@resolve.example',
      BOUNCE_SECRET: 'short-secret',
    });
    expect(shortSecret).toEqual(['BOUNCE_SECRET: must be at least 32 characters']);
    expect(shortSecret.join()).not.toContain('short-secret');
    expect(
      problems({ ...base, BOUNCE_ADDRESS: 'bounces+x@resolve.example', BOUNCE_SECRET: 'x'.repeat(32) }),
    ).toEqual(['BOUNCE_ADDRESS: must be an address without "+" (bounces@example.org)']);

    const config = loadNotifierConfig({
      ...twilio,
      TWILIO_STATUS_CALLBACK_URL: 'https://resolve.example/notifier/receipts/twilio',
      RECEIPTS_LISTEN: '0.0.0.0:8091',
      NOTIFY_CALLBACK_TOKEN: 'notify-callback-token-0123',
      BOUNCE_ADDRESS: 'bounces@resolve.example',
      BOUNCE_SECRET: 'y'.repeat(32),
      BOUNCE_LISTEN: '[::1]:2526',
      SCHEDULER_INTERVAL_MS: '5000',
    });
    expect(config).toMatchObject({
      receipts: { host: '0.0.0.0', port: 8091, notifyBearerToken: 'notify-callback-token-0123' },
      bounces: { address: 'bounces@resolve.example', listen: { host: '::1', port: 2526 } },
      schedulerIntervalMs: 5000,
    });
    // Off unless asked for; the scheduler always runs.
    expect(loadNotifierConfig(base)).toMatchObject({ schedulerIntervalMs: 30_000 });
    expect(loadNotifierConfig(base).receipts).toBeUndefined();
    expect(loadNotifierConfig(base).bounces).toBeUndefined();
  });

  it('concurrency leaves one pooled connection free (a delivery holds one, the outbox may need another)', () => {
    expect(safeConcurrency(10, 12)).toBe(10);
    expect(safeConcurrency(10, 10)).toBe(9);
    expect(safeConcurrency(10, 1)).toBe(1);
  });
});
