import type { Client } from '@temporalio/client';
import { calendarChangedSignal } from '@resolve/contracts';
import type { EscalationProjectionRepository } from '@resolve/persistence';

/**
 * Tells every open escalation that the bank-holiday data changed, so each recomputes its open
 * deadline (the workflow records the change in its history). Run after the workers restarted
 * with the refreshed data (libs/calendar/scripts/refresh.ts).
 */
export async function announceCalendarChange(
  deps: { projections: Pick<EscalationProjectionRepository, 'openWorkflowIds'>; client: Client },
  version: string,
) {
  const workflowIds = await deps.projections.openWorkflowIds();
  let told = 0;
  const failed: string[] = [];
  for (const workflowId of workflowIds) {
    try {
      await deps.client.workflow.getHandle(workflowId).signal(calendarChangedSignal, { version });
      told += 1;
    } catch {
      failed.push(workflowId);
    }
  }
  return { open: workflowIds.length, told, failed };
}
