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

  it('production refuses the default database password, and nothing the worker does not read', () => {
    expect(problems({ ...base, RESOLVE_ENV: 'production' })).toEqual([
      expect.stringMatching(/^DATABASE_URL: uses a default database password/),
    ]);
  });
});
