import { ConfigurationError } from '@resolve/config';
import { loadApiConfig } from './config';

function problems(env: Record<string, string | undefined>): string[] {
  try {
    loadApiConfig(env);
  } catch (err) {
    if (err instanceof ConfigurationError) return err.problems;
    throw err;
  }
  return [];
}

/** What docker-compose.yml gives the API when .env sets nothing but the encryption keys. */
const composeDefaults = {
  DATABASE_URL: 'postgres://resolve:resolve@postgres:5432/resolve',
  TEMPORAL_ADDRESS: 'temporal:7233',
  PORT: '3000',
  RUN_MIGRATIONS: 'true',
  METRICS_TOKEN: '',
  AUTH_LOCAL_KEY_FILE: '/var/lib/resolve/auth/local-issuer.json',
};
const secure = {
  DATABASE_URL: 'postgres://resolve:k3Q-long-random-password@db.internal:5432/resolve',
  TEMPORAL_ADDRESS: 'temporal.internal:7233',
  TEMPORAL_TLS: 'true',
  AUTH_ISSUER: 'https://login.sefton.example/realms/sscp',
  AUTH_JWKS_URL: 'https://login.sefton.example/realms/sscp/protocol/openid-connect/certs',
  METRICS_TOKEN: 'a-random-metrics-token-of-40-characters!',
};

describe('API configuration', () => {
  it('development: the embedded defaults start', () => {
    const config = loadApiConfig(composeDefaults);
    expect(config).toMatchObject({ RESOLVE_ENV: 'development', AUTH_ISSUER: 'resolve-local' });
    expect(config.METRICS_TOKEN).toBeUndefined();
  });

  it('production refuses the embedded defaults, naming each one', () => {
    expect(problems({ ...composeDefaults, RESOLVE_ENV: 'production' }).map((p) => p.split(':')[0])).toEqual([
      'AUTH_LOCAL_KEY_FILE',
      'AUTH_ISSUER',
      'DATABASE_URL',
      'METRICS_TOKEN',
      'TEMPORAL_ADDRESS',
    ]);
  });

  it('production refuses an identity provider key set fetched over http', () => {
    expect(
      problems({ ...secure, RESOLVE_ENV: 'production', AUTH_JWKS_URL: 'http://login.sefton.example/certs' }),
    ).toEqual([expect.stringMatching(/^AUTH_JWKS_URL: .*use https:\/\//)]);
  });

  it('production starts with an identity provider, a strong password and a metrics token', () => {
    const config = loadApiConfig({ ...secure, RESOLVE_ENV: 'production', AUTH_LOCAL_KEY_FILE: '' });
    expect(config.RESOLVE_ENV).toBe('production');
    expect(config.AUTH_LOCAL_KEY_FILE).toBeUndefined();
    expect(config.METRICS_TOKEN).toBe(secure.METRICS_TOKEN);
  });

  it('every setting is parsed strictly and named when wrong', () => {
    expect(problems({ ...composeDefaults, RELAY_INTERVAL_MS: '5s' })).toEqual([
      expect.stringMatching(/^RELAY_INTERVAL_MS: must be a whole number of milliseconds without a unit/),
    ]);
    expect(
      problems({
        ...composeDefaults,
        PORT: '',
        RUN_MIGRATIONS: 'yes',
        LOG_LEVEL: 'verbose',
        CORS_ORIGINS: 'https://ui.example/',
        AUTH_JWKS_URL: 'ldap://directory',
        RELAY_INTERVAL_MS: '0',
      }).map((p) => p.split(':')[0]),
    ).toEqual(['PORT', 'AUTH_JWKS_URL', 'RUN_MIGRATIONS', 'CORS_ORIGINS', 'RELAY_INTERVAL_MS', 'LOG_LEVEL']);
    expect(
      loadApiConfig({ ...composeDefaults, RELAY_INTERVAL_MS: '2500', CORS_ORIGINS: 'https://a.example' }),
    ).toMatchObject({
      RELAY_INTERVAL_MS: 2500,
      CORS_ORIGINS: ['https://a.example'],
      RUN_MIGRATIONS: true,
      PORT: 3000,
    });
  });
});
