import path from 'node:path';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

/** The workflows' source entry point; the worker bundles it (with the @resolve/* libs) at start. */
export const WORKFLOWS_PATH = path.resolve(__dirname, '..', '..', '..', 'workflows', 'src', 'index.ts');

let cached: Promise<WorkflowBundleWithSourceMap> | null = null;

/** Bundles the workflow code once per process (tests share one bundle). */
export function escalationWorkflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  cached ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger });
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
