import { generateKeyPairSync } from 'node:crypto';
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
  WEBHOOK_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
  AUDIT_HEAD_SIGNING_KEY: generateKeyPairSync('ed25519')
    .privateKey.export({ format: 'der', type: 'pkcs8' })
    .toString('base64'),
  AUDIT_HEAD_LOG: '/var/log/resolve/audit-heads.jsonl',
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
      'WEBHOOK_SECRET_KEY',
      'METRICS_TOKEN',
      'TEMPORAL_ADDRESS',
      'AUDIT_HEAD_SIGNING_KEY',
      'AUDIT_HEAD_LOG',
    ]);
  });

  it('AUDIT_HEAD_SIGNING_KEY must be an Ed25519 private key, named without echoing it', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    expect(problems({ ...composeDefaults, AUDIT_HEAD_SIGNING_KEY: rsa })).toEqual([
      'AUDIT_HEAD_SIGNING_KEY: must be an Ed25519 private key, not rsa',
    ]);
    const [garbled] = problems({ ...composeDefaults, AUDIT_HEAD_SIGNING_KEY: 'bm90LWEta2V5' });
    expect(garbled).toMatch(/^AUDIT_HEAD_SIGNING_KEY: must be an Ed25519 private key/);
    expect(garbled).not.toContain('bm90LWEta2V5');
    expect(loadApiConfig({ ...composeDefaults, ...secure }).AUDIT_HEAD_SIGNING_KEY?.asymmetricKeyType).toBe(
      'ed25519',
    );
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

describe('rate limits and proxies', () => {
  const load = (env: Record<string, string>) => loadApiConfig({ ...composeDefaults, ...env });

  it('RATE_LIMITS sets the groups it names and keeps the others', () => {
    expect(load({}).RATE_LIMITS).toEqual({ default: 1200, cases: 600, documents: 120 });
    expect(load({ RATE_LIMITS: 'documents=30, cases=100' }).RATE_LIMITS).toEqual({
      default: 1200,
      cases: 100,
      documents: 30,
    });
  });

  it('RATE_LIMITS names each bad entry', () => {
    const [problem] = problems({ ...composeDefaults, RATE_LIMITS: 'reads=10,cases=0,documents=ten' });
    expect(problem).toMatch(/^RATE_LIMITS: /);
    expect(problem).toMatch(/"reads=10": the group must be one of default, cases, documents/);
    expect(problem).toMatch(/"cases=0": requests per minute must be a whole number/);
    expect(problem).toMatch(/"documents=ten": requests per minute must be a whole number/);
  });

  it('TRUST_PROXY takes true/false, a hop count, or addresses, CIDRs and names', () => {
    expect(load({}).TRUST_PROXY).toBeUndefined();
    expect(load({ TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
    expect(load({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(load({ TRUST_PROXY: 'loopback, 10.0.0.0/8, fd00::/8' }).TRUST_PROXY).toEqual([
      'loopback',
      '10.0.0.0/8',
      'fd00::/8',
    ]);
    const [problem] = problems({ ...composeDefaults, TRUST_PROXY: 'proxy.internal,10.0.0.0/33' });
    expect(problem).toMatch(/^TRUST_PROXY: proxy.internal, 10.0.0.0\/33: not true\/false/);
  });
});

describe('the owner role', () => {
  it('MIGRATIONS_DATABASE_URL is optional, parsed strictly, and its default password refused in production', () => {
    expect(loadApiConfig(composeDefaults).MIGRATIONS_DATABASE_URL).toBeUndefined();
    expect(problems({ ...composeDefaults, MIGRATIONS_DATABASE_URL: 'mysql://x' })).toEqual([
      expect.stringMatching(/^MIGRATIONS_DATABASE_URL: /),
    ]);
    expect(
      problems({
        ...composeDefaults,
        RESOLVE_ENV: 'production',
        MIGRATIONS_DATABASE_URL: 'postgres://resolve:resolve@db/resolve',
      }),
    ).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^MIGRATIONS_DATABASE_URL: uses a default database password/),
      ]),
    );
  });
});

describe('token verification settings', () => {
  const load = (env: Record<string, string>) => loadApiConfig({ ...composeDefaults, ...env });

  it('defaults to asymmetric algorithms, RFC 9068 access tokens and 30 s of skew', () => {
    expect(load({})).toMatchObject({
      AUTH_ALGORITHMS: expect.arrayContaining(['RS256', 'ES256', 'PS256', 'EdDSA']),
      AUTH_TOKEN_TYPES: ['at+jwt'],
      AUTH_CLOCK_SKEW_SECONDS: 30,
    });
    expect(load({}).AUTH_ALGORITHMS).not.toContain('HS256');
    expect(load({ AUTH_ALGORITHMS: 'RS256, PS256', AUTH_TOKEN_TYPES: 'at+jwt,JWT' })).toMatchObject({
      AUTH_ALGORITHMS: ['RS256', 'PS256'],
      AUTH_TOKEN_TYPES: ['at+jwt', 'JWT'],
    });
  });

  it('names a shared-secret algorithm, a bad type and a skew over five minutes', () => {
    expect(
      problems({
        ...composeDefaults,
        AUTH_ALGORITHMS: 'RS256,HS256',
        AUTH_TOKEN_TYPES: 'at jwt',
        AUTH_CLOCK_SKEW_SECONDS: '600',
      }),
    ).toEqual([
      expect.stringMatching(/^AUTH_ALGORITHMS: "HS256" is not one of RS256/),
      expect.stringMatching(/^AUTH_TOKEN_TYPES: "at jwt" is not a media type/),
      expect.stringMatching(/^AUTH_CLOCK_SKEW_SECONDS: /),
    ]);
  });
});

describe('the payload codec', () => {
  it('decodes unattributed payloads for nobody unless told, and names a bad setting', () => {
    expect(loadApiConfig(composeDefaults).CODEC_UNATTRIBUTED_PAYLOADS).toBe('refuse');
    expect(
      loadApiConfig({ ...composeDefaults, CODEC_UNATTRIBUTED_PAYLOADS: 'business-manager' })
        .CODEC_UNATTRIBUTED_PAYLOADS,
    ).toBe('business-manager');
    expect(problems({ ...composeDefaults, CODEC_UNATTRIBUTED_PAYLOADS: 'independent-chair' })).toEqual([
      expect.stringMatching(/^CODEC_UNATTRIBUTED_PAYLOADS: .*refuse.*business-manager/),
    ]);
  });
});

describe('the fault point of the crash tests', () => {
  it('is off unless set, takes only a known point, and is refused in production', () => {
    expect(loadApiConfig(composeDefaults).RESOLVE_FAULT_POINT).toBeUndefined();
    expect(
      loadApiConfig({ ...composeDefaults, RESOLVE_FAULT_POINT: 'between-record-and-audit' })
        .RESOLVE_FAULT_POINT,
    ).toBe('between-record-and-audit');
    expect(problems({ ...composeDefaults, RESOLVE_FAULT_POINT: 'somewhere' })).toEqual([
      expect.stringMatching(/^RESOLVE_FAULT_POINT: .*between-record-and-audit/),
    ]);
    expect(
      problems({
        ...secure,
        RESOLVE_ENV: 'production',
        AUTH_LOCAL_KEY_FILE: '',
        RESOLVE_FAULT_POINT: 'between-record-and-audit',
      }),
    ).toEqual([expect.stringMatching(/^RESOLVE_FAULT_POINT: is set: a crash test stops the service/)]);
  });
});
