import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, type Payload } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { bundleResolveWorkflows, ENCRYPTED_ENCODING } from '@resolve/temporal';
import { devServerEnvironment, testDataConverter } from '@resolve/testing';
import { explodeUpdate, failingWorkflow } from './support/failing-workflow';

/**
 * Failure messages and stack traces are encrypted like payloads: a provider's error quoting an
 * address, an update's refusal, a workflow's failure. Temporal's history holds "Encoded failure"
 * and an encrypted payload; a client with the key reads the original message.
 */
jest.setTimeout(180_000);

const DETAIL = 'Keziah Blackwood-Ferreira 2014-07-19';

const utf8 = (b?: Uint8Array | null) => Buffer.from(b ?? []).toString('utf8');

/** Every `failure` object in a history, wherever it sits. */
function failuresIn(
  value: unknown,
  path = '',
  found: { path: string; failure: Record<string, unknown> }[] = [],
) {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return found;
  for (const [k, v] of Object.entries(value)) {
    if (k === 'failure' && v && typeof v === 'object')
      found.push({ path: `${path}.${k}`, failure: v as never });
    failuresIn(v, `${path}.${k}`, found);
  }
  return found;
}

/** Everything readable in a proto tree: strings, and bytes as UTF-8. */
function textOf(value: unknown): string {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (v === null || v === undefined) return;
    if (v instanceof Uint8Array) return void out.push(utf8(v));
    if (typeof v !== 'object') return void out.push(String(v));
    for (const child of Object.values(v)) walk(child);
  };
  walk(value);
  return out.join('\n');
}

describe('Failures encrypted in Temporal', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await devServerEnvironment();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it("an activity's error, a failed update and a failed workflow: encoded in the history, readable with the key", async () => {
    const taskQueue = `failures-${randomUUID()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await bundleResolveWorkflows(require.resolve('./support/failing-workflow')),
      activities: {
        async providerCall(detail: string) {
          throw ApplicationFailure.nonRetryable(
            `provider rejected the message to ${detail}`,
            'ProviderError',
          );
        },
      },
      dataConverter: testDataConverter(),
    });
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(failingWorkflow, {
        taskQueue,
        workflowId: `failing-${randomUUID()}`,
        args: [DETAIL],
      });
      // The client has the key: it reads the original messages.
      const update = await handle.executeUpdate(explodeUpdate, { args: [DETAIL] }).catch((e) => e);
      expect(update).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(update.cause.message).toBe(`update refused: ${DETAIL}`);
      const result = await handle.result().catch((e) => e);
      expect(result).toBeInstanceOf(WorkflowFailedError);
      expect(result.cause.message).toBe(`workflow failed about ${DETAIL}`);

      // What Temporal stores: no message, no stack trace, an encrypted payload in their place.
      const history = await handle.fetchHistory();
      const failures = failuresIn(history);
      const where = failures.map((f) => f.path.split('.').find((p) => p.endsWith('Attributes')));
      expect(where).toEqual(
        expect.arrayContaining([
          'activityTaskFailedEventAttributes',
          'workflowExecutionUpdateCompletedEventAttributes',
          'workflowExecutionFailedEventAttributes',
        ]),
      );
      for (const { failure } of failures) {
        expect(failure.message).toBe('Encoded failure');
        expect(failure.stackTrace ?? '').toBe('');
        const encoded = failure.encodedAttributes as Payload;
        expect(utf8(encoded.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
      }
      const raw = textOf(history);
      for (const word of [
        'Keziah',
        'Blackwood',
        '2014-07-19',
        'provider rejected',
        'update refused',
        'failing-workflow',
      ])
        expect(raw).not.toContain(word);
    });
  });
});
