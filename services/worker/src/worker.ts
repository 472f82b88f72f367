import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import { TASK_QUEUES } from '@resolve/contracts';
import { openDatabase } from '@resolve/persistence';
import { escalationWorkflowBundle } from '@resolve/temporal';
import { createEscalationActivities } from './activities';
import { instrumentEscalationActivities } from './metrics';

export interface EscalationWorkerOptions {
  temporalAddress: string;
  namespace: string;
  /** Either a database URL (the worker opens its own pool) or an open data source. */
  databaseUrl?: string;
  dataSource?: DataSource;
  connection?: NativeConnection;
  taskQueue?: string;
  /** Payload encryption: createDataConverter(RESOLVE_ENCRYPTION_KEYS) from @resolve/temporal. */
  dataConverter?: DataConverter;
}

export interface RunningWorker {
  worker: Worker;
  /** Resolves when the worker stops; rejects if it fails. */
  running: Promise<void>;
  shutdown(): Promise<void>;
}

/** Hosts the escalation workflows and their bookkeeping activities. */
export async function startEscalationWorker(options: EscalationWorkerOptions): Promise<RunningWorker> {
  const ownsDb = !options.dataSource;
  const dataSource = options.dataSource ?? (await openDatabase(options.databaseUrl!, { migrate: false }));
  const ownsConnection = !options.connection;
  const connection = options.connection ?? (await NativeConnection.connect({ address: options.temporalAddress }));
  const worker = await Worker.create({
    connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? TASK_QUEUES.escalations,
    workflowBundle: await escalationWorkflowBundle(),
    activities: instrumentEscalationActivities(createEscalationActivities({ dataSource }), { dataSource }),
    dataConverter: options.dataConverter,
  });
  const running = worker.run();
  return {
    worker,
    running,
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      if (ownsConnection) await connection.close();
      if (ownsDb) await dataSource.destroy();
    },
  };
}
