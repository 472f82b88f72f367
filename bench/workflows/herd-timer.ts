import { sleep } from '@temporalio/workflow';

/**
 * The no-op herd of bench/herd.ts: sleeps until the given instant on a durable timer, then
 * completes. N of these due at one instant are the Temporal server's own limit for a herd of
 * timers, measured beside the escalations' herd.
 */
export async function benchHerdTimerWorkflow(fireAtMs: number): Promise<void> {
  const ms = fireAtMs - Date.now();
  if (ms > 0) await sleep(ms);
}
