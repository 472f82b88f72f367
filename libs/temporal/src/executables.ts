/**
 * Where the Temporal servers come from. The SDK downloads them by default, which fails on a
 * machine without internet; infra/provision/provision.sh builds or fetches them from the package
 * registries and exports their paths. Unset → the SDK's normal download.
 */
export function serverExecutable(kind: 'dev-server' | 'time-skipping') {
  const path = kind === 'dev-server' ? process.env.TEMPORAL_CLI_PATH : process.env.TEMPORAL_TEST_SERVER_PATH;
  return path ? ({ type: 'existing-path', path } as const) : undefined;
}
