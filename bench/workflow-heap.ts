/**
 * Heap per workflow in the worker's workflow sandbox: what each cached escalation costs the
 * worker, and the CPU to set one up (paid at every start and at every replay after an eviction).
 *
 *   node --expose-gc -r ./infra/runtime/register.js bench/workflow-heap.ts [--n 200] [--out name]
 *
 * The SDK (reuseV8Context, the default) runs every workflow in one V8 context of its workflow
 * thread, but evaluates the modules a workflow imports again for each workflow, except the ones
 * the bundle preloads (libs/temporal SHARED_WORKFLOW_MODULES). This script builds the worker's
 * bundle twice, as the worker does and without the preloads, creates N escalation workflows in a
 * ReusableVMWorkflowCreator (the SDK's own sandbox class, the one its workflow thread runs; an
 * internal module of @temporalio/worker, so an SDK upgrade may move it), and reads the heap after
 * a full garbage collection before and after. No server is involved: this is the module
 * evaluation and the workflow's set-up, not its state after activations (a sleeping escalation's
 * own state is a few KB more; bench/memory.ts measures the whole worker).
 */
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH, SHARED_WORKFLOW_MODULES, WORKFLOWS_PATH } from '@resolve/temporal';
import { gitCommit, machine, num, parseArgs, writeResults } from './lib/cli';
import { fmt } from './lib/stats';

const { ReusableVMWorkflowCreator } =
  require('@temporalio/worker/lib/workflow/reusable-vm') as typeof import('@temporalio/worker/lib/workflow/reusable-vm');

const args = parseArgs();
const N = num(args, 'n', 200);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc: the heap is read after a full collection');

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never;

/** The worker's bundle as Worker.create prepares it (code and its parsed source map). */
async function bundle(preloadModules: string[]) {
  const b: WorkflowBundleWithSourceMap = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    failureConverterPath: FAILURE_CONVERTER_PATH,
    preloadModules,
    logger: quiet,
  });
  const at = b.code.lastIndexOf('//# sourceMappingURL=data:');
  const sourceMap = JSON.parse(Buffer.from(b.code.slice(at).split('base64,')[1], 'base64').toString());
  return { code: b.code, sourceMap, filename: `/resolve-workflows-${preloadModules.length}.js` };
}

async function measure(preloadModules: string[]) {
  const creator = await ReusableVMWorkflowCreator.create(
    await bundle(preloadModules),
    5000,
    new Set(),
    undefined,
  );
  gc!();
  gc!();
  const before = process.memoryUsage().heapUsed;
  const held: unknown[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const now = new Date();
    held.push(
      await creator.createWorkflow({
        info: {
          workflowType: 'escalationWorkflow',
          workflowId: `escalation-bench-${i}`,
          runId: `run-${preloadModules.length}-${i}`,
          firstExecutionRunId: `run-${preloadModules.length}-${i}`,
          namespace: 'default',
          taskQueue: 'resolve-escalations',
          attempt: 1,
          historyLength: 1,
          startTime: now,
          runStartTime: now,
          taskTimeoutMs: 10_000,
          searchAttributes: {},
          memo: {},
          unsafe: { isReplaying: false },
        } as never,
        randomnessSeed: [i, 0] as never,
        now: now.getTime(),
        showStackTraceSources: false,
      }),
    );
  }
  const cpu = process.cpuUsage(cpu0);
  gc!();
  gc!();
  const after = process.memoryUsage().heapUsed;
  for (const w of held) await (w as { dispose(): Promise<void> }).dispose();
  await creator.destroy();
  return {
    preloadModules,
    workflows: N,
    heapPerWorkflowKiB: (after - before) / N / 1024,
    cpuMsPerWorkflow: (cpu.user + cpu.system) / 1000 / N,
  };
}

async function main() {
  const without = await measure([]);
  const withShared = await measure(SHARED_WORKFLOW_MODULES);
  const result = {
    benchmark: 'workflow-heap',
    at: new Date().toISOString(),
    commit: gitCommit(),
    command: `node --expose-gc -r ./infra/runtime/register.js bench/workflow-heap.ts --n ${N}${args.out ? ` --out ${args.out}` : ''}`,
    machine: machine(),
    sdk: require('@temporalio/worker/package.json').version,
    without,
    withShared,
  };
  const md = `# workflow-heap

${result.at} · commit ${result.commit} · @temporalio/worker ${result.sdk} · \`uptime\` load ${result.machine.load.join(' / ')}

\`${result.command}\`

${N} escalation workflows created in the SDK's reusable V8 context (its workflow sandbox), heap after a full collection:

| bundle | heap per workflow | CPU per workflow set-up |
| --- | --- | --- |
| every module per workflow (no preload) | ${fmt(without.heapPerWorkflowKiB)} KiB | ${fmt(without.cpuMsPerWorkflow)} ms |
| as the worker runs it (shared: ${SHARED_WORKFLOW_MODULES.join(', ')}) | ${fmt(withShared.heapPerWorkflowKiB)} KiB | ${fmt(withShared.cpuMsPerWorkflow)} ms |
`;
  writeResults(args.out ?? 'workflow-heap', result, md);
  console.log(md);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
