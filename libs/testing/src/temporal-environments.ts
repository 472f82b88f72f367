import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DataConverter } from '@temporalio/common';
import { SEARCH_ATTRIBUTE_KEYS } from '@resolve/contracts';
import {
  createDataConverter,
  dataConverterPlugin,
  generateEncryptionKey,
  registerSearchAttributes,
  serverExecutable,
} from '@resolve/temporal';

/**
 * The payload encryption of test runs: one key generated per test file (module registry), as
 * production has one from RESOLVE_ENCRYPTION_KEYS. The environments below put it on their
 * connections, so every Client and Worker made from `env.client`, `env.connection` or
 * `env.nativeConnection` encrypts and decrypts with it.
 */
let testKeys: string | null = null;
export function testEncryptionKeys(): string {
  testKeys ??= generateEncryptionKey('test-run');
  return testKeys;
}
let testConverter: DataConverter | null = null;
export function testDataConverter(): DataConverter {
  testConverter ??= createDataConverter(testEncryptionKeys());
  return testConverter;
}
const plugins = () => [dataConverterPlugin(testDataConverter())];

/**
 * Temporal servers for tests. With TEMPORAL_ADDRESS set, tests use that server; otherwise they
 * start one from the binaries provisioned by infra/provision/provision.sh (found through
 * TEMPORAL_TEST_SERVER_PATH / TEMPORAL_CLI_PATH), or the SDK's own download when those are unset.
 */
export async function timeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: serverExecutable('time-skipping') },
    plugins: plugins(),
  });
  await registerSearchAttributes(env.connection);
  return env;
}

/**
 * A real dev server (visibility, search attributes, updates at wall-clock time). `uiPort`
 * starts its Web UI there too.
 */
export async function devServerEnvironment(
  options: { uiPort?: number } = {},
): Promise<TestWorkflowEnvironment> {
  if (process.env.TEMPORAL_ADDRESS) {
    if (options.uiPort)
      throw new Error(
        `a Web UI on port ${options.uiPort} needs a local dev server: unset TEMPORAL_ADDRESS (${process.env.TEMPORAL_ADDRESS})`,
      );
    return TestWorkflowEnvironment.createFromExistingServer({
      address: process.env.TEMPORAL_ADDRESS,
      plugins: plugins(),
    });
  }
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: serverExecutable('dev-server'),
      searchAttributes: SEARCH_ATTRIBUTE_KEYS,
      log: { format: 'json', level: 'error' },
      ...(options.uiPort ? { ui: true, uiPort: options.uiPort } : {}),
    },
    plugins: plugins(),
  });
}
