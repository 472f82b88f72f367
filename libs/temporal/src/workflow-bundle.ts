import path from 'node:path';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from './codec';

/**
 * The workflows' source entry point; the worker bundles it (with the @resolve/* libs) at start.
 * Found through the @resolve/workflows package rather than a path relative to this file, so the
 * compiled tree (dist/) and the sources resolve the same entry. The package.json subpath is not
 * an alias in tsconfig `paths`, so it always follows the workspace link to the TypeScript sources.
 */
export const WORKFLOWS_PATH = path.join(
  path.dirname(require.resolve('@resolve/workflows/package.json')),
  'src',
  'index.ts',
);

let cached: Promise<WorkflowBundleWithSourceMap> | null = null;

/**
 * Libraries the worker evaluates once in its reusable V8 context and shares between workflows.
 * Without this the SDK evaluates every module a workflow imports again for each workflow it
 * starts or replays, and keeps that copy while the workflow is cached. Since the domain imports
 * values from @resolve/protocols (eb1119e), that copy holds the protocol schema (zod), all the
 * shipped protocol definitions and the bank-holiday data: 1.7 MB of heap and 15 ms of CPU per
 * workflow, against 43 KB and 0.7 ms with these three shared (2026-12-06, SDK 1.24, measured in
 * the workflow thread; docs/performance.md §4). Made for every escalation raised or woken and
 * dropped at each eviction, it grew the worker by hundreds of MB under a burst.
 *
 * Sharing is safe only for modules whose state cannot differ between workflows. These three are
 * pure functions and constant data: the SDK deep-freezes their exports, so a write fails loudly
 * instead of leaking into another case; their module-level state is memoised lookups of that
 * constant data (the registry's table is filled only outside workflows). Modules that import
 * @temporalio/workflow (contracts, the workflows themselves) stay per workflow.
 */
export const SHARED_WORKFLOW_MODULES = ['@resolve/protocols', '@resolve/calendar', '@resolve/domain'];

/**
 * Bundles workflow code as Resolve runs it: with the failure converter that encrypts failure
 * messages raised inside workflows (a refused update's reason, a workflow's own failure), which
 * must be in the bundle because a prebuilt bundle ignores the worker's failureConverterPath.
 */
export function bundleResolveWorkflows(workflowsPath: string): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath,
    failureConverterPath: FAILURE_CONVERTER_PATH,
    preloadModules: SHARED_WORKFLOW_MODULES,
    logger: quietLogger,
  });
}

/** Bundles the workflow code once per process (tests share one bundle). */
export function escalationWorkflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  cached ??= bundleResolveWorkflows(WORKFLOWS_PATH);
  return cached;
}

const noop = () => undefined;
const quietLogger = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: console.error,
  log: noop,
} as never;
