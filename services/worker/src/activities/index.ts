import type { DataSource } from 'typeorm';
import type { HolidaySet } from '@resolve/calendar';
import type { EscalationActivities } from '@resolve/contracts';
import { createDeadlineActivities } from './deadlines';
import { createProjectionActivities } from './projection';

/** The escalation worker's activities, built from their dependencies. */
export function createEscalationActivities(deps: {
  dataSource: DataSource;
  holidays?: HolidaySet | (() => HolidaySet);
}): EscalationActivities {
  return { ...createDeadlineActivities(deps), ...createProjectionActivities(deps) };
}
