import { ConfigurationError } from '@resolve/config';
import { loadWorkerConfig } from './config';

function problems(env: Record<string, string | undefined>): string[] {
  try {
    loadWorkerConfig(env);
  } catch (err) {
    if (err instanceof ConfigurationError) return err.problems;
    throw err;
  }
  return [];
}

const base = {
  DATABASE_URL: 'postgres://resolve:resolve@postgres:5432/resolve',
  TEMPORAL_ADDRESS: 'temporal:7233',
};

describe('worker configuration', () => {
  it('development: defaults', () => {
    expect(loadWorkerConfig(base)).toMatchObject({
      RESOLVE_ENV: 'development',
      TEMPORAL_NAMESPACE: 'default',
      WORKER_MAX_CACHED_WORKFLOWS: 100,
      METRICS_BIND_ADDRESS: '0.0.0.0:9464',
    });
  });

  it('production refuses the default database password, plaintext Temporal and open metrics, and nothing the worker does not read', () => {
    expect(problems({ ...base, RESOLVE_ENV: 'production' })).toEqual([
      expect.stringMatching(/^DATABASE_URL: uses a default database password/),
      expect.stringMatching(/^WEBHOOK_SECRET_KEY: is not set/),
      expect.stringMatching(
        /^METRICS_TOKEN: is empty, so anyone who reaches the service can read its \/metrics/,
      ),
      expect.stringMatching(/^TEMPORAL_ADDRESS: reaches temporal without TLS/),
    ]);
    const secure = {
      ...base,
      RESOLVE_ENV: 'production',
      DATABASE_URL: 'postgres://resolve:k3Q-long-random-password@db/resolve',
      TEMPORAL_ALLOW_PLAINTEXT: 'true',
      WEBHOOK_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
    };
    expect(problems({ ...secure, METRICS_TOKEN: 'm'.repeat(40) })).toEqual([]);
    // No metrics served, no token needed.
    expect(problems({ ...secure, METRICS_BIND_ADDRESS: 'off' })).toEqual([]);
  });

  it('every setting is parsed strictly and named when wrong', () => {
    expect(
      problems({
        ...base,
        WORKER_MAX_CACHED_WORKFLOWS: '',
        METRICS_BIND_ADDRESS: '9464',
        LOG_LEVEL: 'trace',
        TEMPORAL_ADDRESS: 'temporal',
        RESOLVE_ENV: 'staging',
      }).map((p) => p.split(':')[0]),
    ).toEqual([
      'RESOLVE_ENV',
      'TEMPORAL_ADDRESS',
      'LOG_LEVEL',
      'WORKER_MAX_CACHED_WORKFLOWS',
      'METRICS_BIND_ADDRESS',
    ]);
    expect(problems({ ...base, WORKER_MAX_CACHED_WORKFLOWS: '1e2' })).toEqual([
      'WORKER_MAX_CACHED_WORKFLOWS: must be a whole number, got "1e2"',
    ]);
    expect(
      loadWorkerConfig({ ...base, WORKER_MAX_CACHED_WORKFLOWS: '0', METRICS_BIND_ADDRESS: 'off' }),
    ).toMatchObject({
      WORKER_MAX_CACHED_WORKFLOWS: 0,
      METRICS_BIND_ADDRESS: 'off',
    });
  });
});

describe('WEBHOOK_SECRET_KEY', () => {
  const secure = {
    ...base,
    RESOLVE_ENV: 'production',
    DATABASE_URL: 'postgres://resolve:k3Q-long-random-password@db/resolve',
    TEMPORAL_ALLOW_PLAINTEXT: 'true',
    METRICS_BIND_ADDRESS: 'off',
  };

  it('production refuses to start without it, naming it', () => {
    expect(problems(secure)).toEqual([expect.stringMatching(/^WEBHOOK_SECRET_KEY: is not set/)]);
  });

  it('is base64 of 32 bytes, named when not (its value never echoed)', () => {
    const key = Buffer.alloc(32, 9);
    expect(
      loadWorkerConfig({ ...secure, WEBHOOK_SECRET_KEY: key.toString('base64') }).WEBHOOK_SECRET_KEY,
    ).toEqual(key);
    const short = Buffer.alloc(16, 9).toString('base64');
    const found = problems({ ...secure, WEBHOOK_SECRET_KEY: short });
    expect(found).toEqual([
      'WEBHOOK_SECRET_KEY: must be base64 of exactly 32 bytes (e.g. openssl rand -base64 32)',
    ]);
    expect(found.join()).not.toContain(short);
  });

  it('development starts without it (the development key, with a warning)', () => {
    expect(loadWorkerConfig(base).WEBHOOK_SECRET_KEY).toBeUndefined();
  });
});
