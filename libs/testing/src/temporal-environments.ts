import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTE_KEYS } from '@resolve/contracts';
import { registerSearchAttributes, serverExecutable } from '@resolve/temporal';

/**
 * Temporal servers for tests. With TEMPORAL_ADDRESS set, tests use that server; otherwise they
 * start one from the binaries provisioned by infra/provision/provision.sh (found through
 * TEMPORAL_TEST_SERVER_PATH / TEMPORAL_CLI_PATH), or the SDK's own download when those are unset.
 */
export async function timeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: serverExecutable('time-skipping') },
  });
  await registerSearchAttributes(env.connection);
  return env;
}

/** A real dev server (visibility, search attributes, updates at wall-clock time). */
export async function devServerEnvironment(): Promise<TestWorkflowEnvironment> {
  if (process.env.TEMPORAL_ADDRESS) {
    return TestWorkflowEnvironment.createFromExistingServer({ address: process.env.TEMPORAL_ADDRESS });
  }
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: serverExecutable('dev-server'),
      searchAttributes: SEARCH_ATTRIBUTE_KEYS,
      log: { format: 'json', level: 'error' },
    },
  });
}
