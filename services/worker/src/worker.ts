import { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import { TASK_QUEUES } from '@resolve/contracts';
import type { Logger } from '@resolve/logging';
import { EscalationProjectionRepository, openDatabase } from '@resolve/persistence';
import { escalationWorkflowBundle } from '@resolve/temporal';
import { createEscalationActivities } from './activities';
import { instrumentEscalationActivities } from './metrics';
import {
  startWebhookDeliverer,
  webhookActivitiesFor,
  type RunningWebhookDeliverer,
  type WebhookDelivererOptions,
} from './webhooks';

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
  /** Workflows kept in memory between their tasks (default DEFAULT_MAX_CACHED_WORKFLOWS). */
  maxCachedWorkflows?: number;
  /**
   * The webhook starter's settings (docs/integrations.md): it starts a webhookDelivery workflow
   * per queued delivery; false runs none in this process (the workflows and activities are hosted anyway).
   */
  webhookDelivery?: WebhookDelivererOptions | false;
  /** WEBHOOK_SECRET_KEY (validated config); unset: the development key, with a warning. */
  webhookSecretKey?: Buffer;
  /** RESOLVE_ENV=production: receivers must be https on public addresses (receiver-address.ts). */
  production?: boolean;
  logger?: Logger;
}

/**
 * How many escalations the worker keeps in memory between their workflow tasks. The SDK's own
 * default grows with the heap limit (about 2,300 on a 4 GiB heap) and costs about 70 KB each, so
 * 10,000 open escalations took the worker from 400 MB to 1.4 GB. An escalation sleeps for hours
 * or days between tasks; keeping it cached saves only a replay of its short history (a few
 * milliseconds) when its timer fires. A busy partnership whose escalations wake often can raise
 * it (WORKER_MAX_CACHED_WORKFLOWS). What one cached escalation costs depends on the modules
 * its workflow code evaluates per workflow: 1.7 MB while the protocol libraries were copied into
 * each (a cache of 2,500 held 4.5 GB); about 140 KB of the workflow thread's heap (~350 KB of the
 * process's RSS) now that they are shared (libs/temporal SHARED_WORKFLOW_MODULES; 2026-12-06,
 * cache 1,000 against 100 at 3,000 open, docs/performance.md §4).
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 100;

export interface RunningWorker {
  worker: Worker;
  /** Resolves when the worker stops; rejects if it fails. */
  running: Promise<void>;
  shutdown(): Promise<void>;
  /** The webhook starter running beside the worker (null when turned off). */
  webhooks: RunningWebhookDeliverer | null;
}

/** Hosts the escalation workflows and their bookkeeping activities, and the webhook deliveries. */
export async function startEscalationWorker(options: EscalationWorkerOptions): Promise<RunningWorker> {
  const ownsDb = !options.dataSource;
  const dataSource = options.dataSource ?? (await openDatabase(options.databaseUrl!, { migrate: false }));
  const ownsConnection = !options.connection;
  const connection =
    options.connection ?? (await NativeConnection.connect({ address: options.temporalAddress }));
  const projections = new EscalationProjectionRepository(dataSource);
  const worker = await Worker.create({
    connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? TASK_QUEUES.escalations,
    workflowBundle: await escalationWorkflowBundle(),
    activities: {
      ...instrumentEscalationActivities(createEscalationActivities({ dataSource, projections }), {
        projections,
      }),
      ...webhookActivitiesFor(dataSource, {
        secretKey: options.webhookSecretKey,
        production: options.production,
        logger: options.logger,
      }),
    },
    dataConverter: options.dataConverter,
    maxCachedWorkflows: options.maxCachedWorkflows ?? DEFAULT_MAX_CACHED_WORKFLOWS,
  });
  const running = worker.run();
  const webhooks =
    options.webhookDelivery === false
      ? null
      : startWebhookDeliverer(
          dataSource,
          new Client({ connection, namespace: options.namespace, dataConverter: options.dataConverter }),
          { logger: options.logger, ...options.webhookDelivery },
        );
  return {
    worker,
    running,
    webhooks,
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await webhooks?.stop();
      if (ownsConnection) await connection.close();
      if (ownsDb) await dataSource.destroy();
    },
  };
}
