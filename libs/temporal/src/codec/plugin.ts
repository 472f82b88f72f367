import type { ClientPlugin } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { NativeConnectionPlugin, WorkerPlugin } from '@temporalio/worker';

/**
 * Gives every Client and Worker made from a connection the data converter, unless it sets
 * payload codecs of its own. Put on a Connection / NativeConnection (or a
 * TestWorkflowEnvironment's `plugins`), it reaches code that creates clients and workers from
 * that connection without knowing about encryption (the test suites' workers, for instance).
 */
export function dataConverterPlugin(
  dataConverter: DataConverter,
): ClientPlugin & WorkerPlugin & NativeConnectionPlugin {
  const withCodec = <T extends { dataConverter?: DataConverter }>(options: T): T =>
    options.dataConverter?.payloadCodecs?.length
      ? options
      : { ...options, dataConverter: { ...options.dataConverter, ...dataConverter } };
  return {
    name: 'resolve.payload-encryption',
    configureClient: (options) => withCodec(options),
    configureWorker: (options) => withCodec(options),
    configureReplayWorker: (options) => withCodec(options),
  };
}
