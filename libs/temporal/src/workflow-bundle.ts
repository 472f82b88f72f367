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
 * Bundles workflow code as Resolve runs it: with the failure converter that encrypts failure
 * messages raised inside workflows (a refused update's reason, a workflow's own failure), which
 * must be in the bundle because a prebuilt bundle ignores the worker's failureConverterPath.
 */
export function bundleResolveWorkflows(workflowsPath: string): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath,
    failureConverterPath: FAILURE_CONVERTER_PATH,
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
