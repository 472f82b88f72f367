import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import { TASK_QUEUES } from '@resolve/contracts';
import { DeliveriesRepository, openDatabase } from '@resolve/persistence';
import { loadNotifierConfig, type NotifierConfig, type NotifierEnv } from './config';
import { jsonLogger, type NotifierLogger } from './logger';
import { folderProtocolLookup } from './message-content';
import { createNotifierActivities, createNotifierCore, type NotifierDeps } from './notify';
import { createProviders } from './providers/provider-factory';
import { BounceAddresses, startBounceIntake, type BounceIntake } from './receipts/bounces';
import { startReceiptIntake, type ReceiptIntake } from './receipts/http-intake';
import { startDeliveryScheduler, type DeliveryScheduler } from './scheduler';

export interface NotifierWorkerDeps extends NotifierDeps {
  connection: NativeConnection;
  namespace: string;
  /** Default TASK_QUEUES.notifications. */
  taskQueue?: string;
  maxConcurrentActivityTaskExecutions?: number;
  /** Payload encryption: createDataConverter(RESOLVE_ENCRYPTION_KEYS) from @resolve/temporal. */
  dataConverter?: DataConverter;
}

/**
 * How many notify activities may run at once on a pool of `poolMax` connections. Each running
 * delivery holds one connection (its advisory lock) and may need a second one (the SMS outbox
 * writes through the pool), so at least one connection must stay free for progress.
 */
export function safeConcurrency(requested: number, poolMax: number): number {
  return Math.max(1, Math.min(requested, poolMax - 1));
}

/** A Temporal worker with the notifier's activities (no workflows) on its own task queue. */
export async function createNotifierWorker(deps: NotifierWorkerDeps): Promise<Worker> {
  const poolMax = Number((deps.dataSource.options as { extra?: { max?: number } }).extra?.max ?? 10);
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue ?? TASK_QUEUES.notifications,
    // Deliveries in flight across all activities hold a connection each; one stays free.
    activities: createNotifierActivities({
      ...deps,
      maxParallelDeliveries: safeConcurrency(deps.maxParallelDeliveries ?? 8, poolMax),
    }),
    maxConcurrentActivityTaskExecutions: safeConcurrency(
      deps.maxConcurrentActivityTaskExecutions ?? 10,
      poolMax,
    ),
    dataConverter: deps.dataConverter,
  });
}

/**
 * Settings of startNotifier: the environment variables of docs/notifications.md in camelCase.
 * They are validated exactly like the environment (loadNotifierConfig).
 */
export interface StartNotifierOptions {
  databaseUrl: string;
  temporalAddress: string;
  namespace?: string;
  publicBaseUrl?: string;
  mailFrom?: string;
  emailProvider?: 'smtp' | 'govuk-notify';
  smsProvider?: 'outbox' | 'govuk-notify' | 'twilio';
  smtpUrl?: string;
  notifyApiKey?: string;
  notifyBaseUrl?: string;
  notifyEmailTemplateId?: string;
  notifySmsTemplateId?: string;
  twilioAccountSid?: string;
  twilioAuthToken?: string;
  twilioFrom?: string;
  twilioBaseUrl?: string;
  twilioStatusCallbackUrl?: string;
  concurrency?: number;
  /** host:port of the HTTP intake of delivery receipts (RECEIPTS_LISTEN). */
  receiptsListen?: string;
  notifyCallbackToken?: string;
  bounceAddress?: string;
  bounceSecret?: string;
  /** host:port of the SMTP intake of bounces (BOUNCE_LISTEN). */
  bounceListen?: string;
  schedulerIntervalMs?: number;
  /** The partnership's own protocol folder (PROTOCOLS_DIR). */
  protocolsDir?: string;
  /** Reuse an open data source (the embedded starter's); otherwise one is opened from databaseUrl. */
  dataSource?: DataSource;
  /** Reuse a Temporal connection; otherwise one is made to temporalAddress. */
  connection?: NativeConnection;
  taskQueue?: string;
  /** Payload encryption, as the escalation worker's (createDataConverter from @resolve/temporal). */
  dataConverter?: DataConverter;
  logger?: NotifierLogger;
  clock?: () => Date;
  /** How long a notice waits for the workflow's projection (NotifierDeps.projectionWaitMs). */
  projectionWaitMs?: number;
}

export interface RunningNotifier {
  worker: Worker;
  config: NotifierConfig;
  dataSource: DataSource;
  /** Resolves when the worker stops; rejects if it fails. */
  running: Promise<void>;
  /** The durable timer of held texts and of the follow-ups of failures reported by receipts. */
  scheduler: DeliveryScheduler;
  /** The HTTP intake of receipts, when RECEIPTS_LISTEN is set. */
  receiptIntake: ReceiptIntake | null;
  /** The SMTP intake of bounces, when BOUNCE_LISTEN is set. */
  bounceIntake: BounceIntake | null;
  /** Stops polling, lets running activities finish, closes what startNotifier opened. */
  shutdown(): Promise<void>;
}

const OPTION_ENV: Record<
  Exclude<
    keyof StartNotifierOptions,
    'dataSource' | 'connection' | 'taskQueue' | 'dataConverter' | 'logger' | 'clock' | 'projectionWaitMs'
  >,
  string
> = {
  databaseUrl: 'DATABASE_URL',
  temporalAddress: 'TEMPORAL_ADDRESS',
  namespace: 'TEMPORAL_NAMESPACE',
  publicBaseUrl: 'PUBLIC_BASE_URL',
  mailFrom: 'MAIL_FROM',
  emailProvider: 'EMAIL_PROVIDER',
  smsProvider: 'SMS_PROVIDER',
  smtpUrl: 'SMTP_URL',
  notifyApiKey: 'NOTIFY_API_KEY',
  notifyBaseUrl: 'NOTIFY_BASE_URL',
  notifyEmailTemplateId: 'NOTIFY_EMAIL_TEMPLATE_ID',
  notifySmsTemplateId: 'NOTIFY_SMS_TEMPLATE_ID',
  twilioAccountSid: 'TWILIO_ACCOUNT_SID',
  twilioAuthToken: 'TWILIO_AUTH_TOKEN',
  twilioFrom: 'TWILIO_FROM',
  twilioBaseUrl: 'TWILIO_BASE_URL',
  twilioStatusCallbackUrl: 'TWILIO_STATUS_CALLBACK_URL',
  concurrency: 'NOTIFIER_CONCURRENCY',
  receiptsListen: 'RECEIPTS_LISTEN',
  notifyCallbackToken: 'NOTIFY_CALLBACK_TOKEN',
  bounceAddress: 'BOUNCE_ADDRESS',
  bounceSecret: 'BOUNCE_SECRET',
  bounceListen: 'BOUNCE_LISTEN',
  schedulerIntervalMs: 'SCHEDULER_INTERVAL_MS',
  protocolsDir: 'PROTOCOLS_DIR',
};

/** The options as the environment variables they stand for. */
export function optionsToEnv(options: StartNotifierOptions): NotifierEnv {
  const env: NotifierEnv = {};
  for (const [option, variable] of Object.entries(OPTION_ENV)) {
    const value = options[option as keyof typeof OPTION_ENV];
    if (value !== undefined) env[variable] = String(value);
  }
  return env;
}

/** Runs the notifier in this process (main.ts, the embedded starter, tests). */
export async function startNotifier(options: StartNotifierOptions): Promise<RunningNotifier> {
  const config = loadNotifierConfig(optionsToEnv(options));
  return startNotifierWithConfig(config, options);
}

export async function startNotifierWithConfig(
  config: NotifierConfig,
  extras: Pick<
    StartNotifierOptions,
    'dataSource' | 'connection' | 'taskQueue' | 'dataConverter' | 'logger' | 'clock' | 'projectionWaitMs'
  > = {},
): Promise<RunningNotifier> {
  const logger = extras.logger ?? jsonLogger();
  const ownsDb = !extras.dataSource;
  // Migrations belong to the API / embedded starter, as for the escalation worker.
  const dataSource =
    extras.dataSource ??
    (await openDatabase(config.databaseUrl, { migrate: false, poolSize: config.concurrency + 2 }));
  const providers = createProviders(config, dataSource);
  const ownsConnection = !extras.connection;
  let connection: NativeConnection;
  try {
    connection = extras.connection ?? (await NativeConnection.connect({ address: config.temporal.address }));
  } catch (err) {
    if (ownsDb) await dataSource.destroy();
    throw err;
  }
  const deliveries = new DeliveriesRepository(dataSource);
  const notifierDeps: NotifierDeps = {
    dataSource,
    deliveries,
    providers,
    config: { publicBaseUrl: config.publicBaseUrl, mailFrom: config.mailFrom },
    projectionWaitMs: extras.projectionWaitMs,
    clock: extras.clock,
    logger,
    ...(config.protocolsDir
      ? {
          protocols: folderProtocolLookup(config.protocolsDir, (event) =>
            'problem' in event
              ? logger.warn('protocol file not used for messages', event)
              : logger.info('protocol read from the protocols folder', event),
          ),
        }
      : {}),
  };
  const worker = await createNotifierWorker({
    ...notifierDeps,
    connection,
    namespace: config.temporal.namespace,
    taskQueue: extras.taskQueue,
    maxConcurrentActivityTaskExecutions: config.concurrency,
    dataConverter: extras.dataConverter,
  });
  const running = worker.run();
  // The scheduler sends one delivery at a time (one connection for its lock), beside the
  // activities' deliveries, which leave one connection of the pool free (safeConcurrency).
  const scheduler = startDeliveryScheduler({
    core: createNotifierCore({ ...notifierDeps, maxParallelDeliveries: 1 }),
    deliveries,
    clock: extras.clock ?? (() => new Date()),
    logger,
    intervalMs: config.schedulerIntervalMs,
  });
  const intakeDeps = { deliveries, logger, onFollowUpPending: () => scheduler.kick() };
  let receiptIntake: ReceiptIntake | null = null;
  let bounceIntake: BounceIntake | null = null;
  try {
    if (config.receipts) {
      receiptIntake = await startReceiptIntake({
        ...intakeDeps,
        host: config.receipts.host,
        port: config.receipts.port,
        ...(config.sms.provider === 'twilio' && config.sms.statusCallbackUrl
          ? { twilio: { authToken: config.sms.authToken, callbackUrl: config.sms.statusCallbackUrl } }
          : {}),
        ...(config.receipts.notifyBearerToken
          ? { notify: { bearerToken: config.receipts.notifyBearerToken } }
          : {}),
      });
    }
    if (config.bounces?.listen) {
      bounceIntake = await startBounceIntake({
        ...intakeDeps,
        ...config.bounces.listen,
        addresses: new BounceAddresses(config.bounces.address, config.bounces.secret),
      });
    }
  } catch (err) {
    await receiptIntake?.close();
    await scheduler.stop();
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running.catch(() => undefined);
    if (ownsConnection) await connection.close();
    if (ownsDb) await dataSource.destroy();
    throw err;
  }
  logger.info('notifier running', {
    taskQueue: extras.taskQueue ?? TASK_QUEUES.notifications,
    // Not `email` / `sms`: the log redacts fields of those names (they usually hold contacts).
    emailProvider: config.email.provider,
    smsProvider: config.sms.provider,
  });
  let stopped: Promise<void> | null = null;
  return {
    worker,
    config,
    dataSource,
    running,
    scheduler,
    receiptIntake,
    bounceIntake,
    shutdown() {
      stopped ??= (async () => {
        await receiptIntake?.close();
        await bounceIntake?.close();
        await scheduler.stop();
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running.catch(() => undefined);
        await providers.email.close?.();
        await providers.sms.close?.();
        if (ownsConnection) await connection.close();
        if (ownsDb) await dataSource.destroy();
      })();
      return stopped;
    },
  };
}
