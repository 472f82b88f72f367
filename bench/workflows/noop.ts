/** The baseline for bench/start-throughput.ts: a workflow that does nothing and completes. */
export async function benchNoopWorkflow(): Promise<void> {
  return;
}
