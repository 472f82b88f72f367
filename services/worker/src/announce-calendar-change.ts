import type { Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { calendarChangedSignal } from '@resolve/contracts';

/**
 * Tells every open escalation that the bank-holiday data changed, so each recomputes its open
 * deadline (the workflow records the change in its history). Run after the workers restarted
 * with the refreshed data (libs/calendar/scripts/refresh.ts).
 */
export async function announceCalendarChange(
  deps: { dataSource: DataSource; client: Client },
  version: string,
) {
  const rows: { workflow_id: string }[] = await deps.dataSource.query(
    `SELECT workflow_id FROM escalation WHERE status = 'open' AND workflow_state = 'started' ORDER BY raised_at`,
  );
  let told = 0;
  const failed: string[] = [];
  for (const row of rows) {
    try {
      await deps.client.workflow.getHandle(row.workflow_id).signal(calendarChangedSignal, { version });
      told += 1;
    } catch {
      failed.push(row.workflow_id);
    }
  }
  return { open: rows.length, told, failed };
}
