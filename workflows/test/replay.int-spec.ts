import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  DefaultLogger,
  Runtime,
  Worker,
  bundleWorkflowCode,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { escalationWorkflowBundle } from '@resolve/temporal';
import { historyFromJson } from './history-json';

/**
 * Replays every recorded history (workflows/test/fixtures/histories/, recorded by
 * ./record-histories.ts) against the workflow code as it is now. A change that would make a
 * running escalation's workflow take a different path from its history fails here, before it
 * ships: see docs/workflow-evolution.md for how to make such a change safely.
 *
 * No Temporal server is needed: replay runs the workflow code against the history alone.
 */
jest.setTimeout(120_000);

const HISTORIES_DIR = path.join(__dirname, 'fixtures', 'histories');

const PROTOCOL_IDS = [
  'lincolnshire-lscp',
  'lincolnshire-joint-children',
  'lincolnshire-joint-adults',
  'lincolnshire-joint-s117',
  'sefton-sscp',
  'bscb',
  'sutton-lscp',
  'sutton-cp-conference',
  'sutton-strategic',
  'demo',
];

interface Fixture {
  name: string;
  json: { events: Record<string, unknown>[] };
}

const fixtures: Fixture[] = readdirSync(HISTORIES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => ({
    name: f.replace(/\.json$/, ''),
    json: JSON.parse(readFileSync(path.join(HISTORIES_DIR, f), 'utf8')),
  }));

const histories = () =>
  fixtures.map((f) => ({ workflowId: `fixture-${f.name}`, history: historyFromJson(f.json) }));

const quiet = (() => {
  const noop = () => undefined;
  return { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop } as never;
})();

function bundle(file: string): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath: path.join(__dirname, 'changed-workflows', file),
    logger: quiet,
  });
}

async function replayAll(workflowBundle: WorkflowBundleWithSourceMap) {
  const failures: { workflowId: string; error: Error }[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories(
    { workflowBundle, replayName: 'resolve-replay-test' },
    histories(),
  )) {
    replayed += 1;
    if (result.error) failures.push({ workflowId: result.workflowId, error: result.error });
  }
  return { replayed, failures };
}

beforeAll(() => {
  try {
    // The nondeterminism cases below make the SDK core warn once per history: expected here.
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
    });
  } catch {
    // already installed in this process
  }
});

describe('recorded escalation histories', () => {
  it('cover every protocol, modestly (one to a few histories each)', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(10);
    // A few per protocol, plus one for each action or input field added since (issue 12).
    expect(fixtures.length).toBeLessThanOrEqual(26);
    for (const id of PROTOCOL_IDS) {
      expect(fixtures.filter((f) => f.name.startsWith(`${id}.`)).map((f) => f.name)).not.toEqual([]);
    }
  });

  it('hold plain payloads with ids and non-identifying facts only', () => {
    const encodings = new Set<string>();
    const walk = (v: unknown) => {
      if (Array.isArray(v)) return v.forEach(walk);
      if (typeof v !== 'object' || v === null) return;
      const meta = (v as { metadata?: { encoding?: string } }).metadata;
      if (meta?.encoding) encodings.add(Buffer.from(meta.encoding, 'base64').toString('utf8'));
      Object.values(v).forEach(walk);
    };
    for (const f of fixtures) {
      walk(f.json);
      const started = f.json.events[0].workflowExecutionStartedEventAttributes as {
        input: { payloads: { data: string }[] };
      };
      const input = JSON.parse(Buffer.from(started.input.payloads[0].data, 'base64').toString('utf8'));
      // The workflow input (EscalationStart): ids, dates, the category and the pinned protocol.
      expect(Object.keys(input).sort()).toEqual(
        expect.arrayContaining([
          'actionId',
          'category',
          'escalationId',
          'immediateRisk',
          'partnershipId',
          'protocol',
          'raisedAt',
          'raisedBy',
          'raisingAgencyId',
          'receivingAgencyId',
          'reference',
        ]),
      );
      expect(Object.keys(input.raisedBy).sort()).toEqual(['agencyId', 'personId', 'role', 'side']);
    }
    // Nothing encrypted with a key the test run threw away.
    expect([...encodings].sort()).toEqual(['binary/null', 'json/plain']);
  });

  it('every history replays against the current workflow code', async () => {
    const { replayed, failures } = await replayAll(await escalationWorkflowBundle());
    expect(replayed).toBe(fixtures.length);
    expect(failures.map((f) => `${f.workflowId}: ${f.error.name}: ${f.error.message}`)).toEqual([]);
  });

  it('a workflow that calls an extra activity first is caught as nondeterministic', async () => {
    const changed = await bundle('extra-activity.ts');
    const [first] = histories();
    const error = await Worker.runReplayHistory(
      { workflowBundle: changed },
      first.history,
      first.workflowId,
    ).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DeterminismViolationError);
    // And every other history too: none of them can run under the changed code.
    const { failures } = await replayAll(changed);
    expect(failures.map((f) => f.workflowId).sort()).toEqual(
      histories()
        .map((h) => h.workflowId)
        .sort(),
    );
    expect(failures.every((f) => f.error instanceof DeterminismViolationError)).toBe(true);
  });

  it('the same change behind patched() replays every history', async () => {
    const { replayed, failures } = await replayAll(await bundle('patched-extra-activity.ts'));
    expect(replayed).toBe(fixtures.length);
    expect(failures.map((f) => `${f.workflowId}: ${f.error.message}`)).toEqual([]);
  });
});
