import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import { TASK_QUEUES } from '@resolve/contracts';
import {
  devServerEnvironment,
  startSmtpCapture,
  startTestDatabase,
  testDataConverter,
  type SmtpCapture,
  type TestDatabase,
} from '@resolve/testing';
import { silentLogger } from '../src/logger';
import { startNotifier, type RunningNotifier } from '../src/worker';
import {
  agencyEmail,
  agencyPerson,
  audience,
  deliveryRows,
  insertEscalation,
  request,
  seedDirectory,
  WORKING_HOURS,
} from './support/escalations';

jest.setTimeout(180_000);

// The provisioned Temporal CLI (infra/provision/provision.sh), unless the environment names one.
const provisionedCli = path.join(
  process.env.RESOLVE_TOOLS_DIR ?? path.join(homedir(), '.cache', 'resolve-tools'),
  'bin',
  'temporal',
);
if (!process.env.TEMPORAL_CLI_PATH && !process.env.TEMPORAL_ADDRESS && existsSync(provisionedCli)) {
  process.env.TEMPORAL_CLI_PATH = provisionedCli;
}

let db: TestDatabase;
let smtp: SmtpCapture;
let env: TestWorkflowEnvironment;
let notifier: RunningNotifier;
let workflowWorker: Worker;
let workflowWorkerRun: Promise<void>;
const workflowQueue = `notifier-test-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  [db, smtp, env] = await Promise.all([startTestDatabase(), startSmtpCapture(), devServerEnvironment()]);
  await seedDirectory(db.dataSource);
  notifier = await startNotifier({
    databaseUrl: db.url,
    temporalAddress: env.connection.options.address,
    namespace: env.namespace ?? 'default',
    smtpUrl: smtp.url,
    publicBaseUrl: 'https://resolve.example.test',
    logger: silentLogger,
    clock: () => WORKING_HOURS,
    // These escalations are rows without a workflow: no projection will ever come.
    projectionWaitMs: 0,
    // Payloads are encrypted in every test environment: decode with the same keys.
    dataConverter: testDataConverter(),
  });
  workflowWorker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue: workflowQueue,
    workflowBundle: await bundleWorkflowCode({
      workflowsPath: require.resolve('./support/notify-workflow'),
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never,
    }),
  });
  workflowWorkerRun = workflowWorker.run();
});

afterAll(async () => {
  if (workflowWorker?.getState() === 'RUNNING') workflowWorker.shutdown();
  await workflowWorkerRun?.catch(() => undefined);
  await notifier?.shutdown();
  await env?.teardown();
  await smtp?.stop();
  await db?.stop();
});

describe('the notifier worker under Temporal', () => {
  it('polls its own task queue and configures itself from options', () => {
    expect(notifier.worker.options.taskQueue).toBe(TASK_QUEUES.notifications);
    expect(notifier.config.email).toEqual({ provider: 'smtp', smtpUrl: smtp.url });
    expect(notifier.config.sms).toEqual({ provider: 'outbox' });
  });

  it('an SMTP outage is retried by Temporal with backoff, and each mail arrives once when the server is back', async () => {
    const escalation = await insertEscalation(db.dataSource);
    const r = request(escalation, { audience: audience({ parties: true }) });
    const port = smtp.port;
    await smtp.stop();

    const handle = await env.client.workflow.start('notifyOnce', {
      taskQueue: workflowQueue,
      workflowId: escalation.workflowId,
      args: [r, TASK_QUEUES.notifications],
    });
    // Let a few attempts fail against the closed port.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const rows = await deliveryRows(db.dataSource, escalation.id);
      if (rows.length === 2 && rows.every((d) => /ECONNREFUSED|unavailable/.test(d.last_error ?? ''))) break;
      if (Date.now() > deadline) throw new Error(`no failed attempt recorded: ${JSON.stringify(rows)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    smtp = await startSmtpCapture({ port });

    expect(await handle.result()).toEqual({ recipients: 2, sent: 2, alreadySent: 0, failed: 0 });
    const history = await handle.fetchHistory();
    const attempts = history
      .events!.filter((e) => e.activityTaskStartedEventAttributes)
      .map((e) => e.activityTaskStartedEventAttributes!.attempt);
    expect(Math.max(...(attempts as number[]))).toBeGreaterThan(1);

    const mails = await smtp.waitFor((m) => m.subject.includes(escalation.reference), 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(smtp.messages.filter((m) => m.subject.includes(escalation.reference))).toHaveLength(2);
    expect(mails.flatMap((m) => m.to).sort()).toEqual(
      [agencyEmail('csc', 'practitioner'), agencyEmail('police', 'practitioner')].sort(),
    );
  });

  it('a permanent failure does not fail the workflow', async () => {
    smtp.rejectRecipients.add(agencyEmail('police', 'practitioner'));
    await db.dataSource.query(`UPDATE person SET phone = NULL WHERE id = $1`, [
      agencyPerson('police', 'practitioner'),
    ]);
    const escalation = await insertEscalation(db.dataSource);
    const result = await env.client.workflow.execute('notifyOnce', {
      taskQueue: workflowQueue,
      workflowId: escalation.workflowId,
      args: [request(escalation, { audience: audience({ parties: true }) }), TASK_QUEUES.notifications],
    });
    expect(result).toEqual({ recipients: 2, sent: 1, alreadySent: 0, failed: 1 });
    await smtp.waitFor((m) => m.subject === `Undeliverable notification: escalation ${escalation.reference}`);
  });
});
