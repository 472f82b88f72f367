import type { DataSource } from 'typeorm';
import type { HolidaySet } from '@resolve/calendar';
import type { EscalationActivities } from '@resolve/contracts';
import { EscalationProjectionRepository } from '@resolve/persistence';
import { createDeadlineActivities } from './deadlines';
import { createProjectionActivities } from './projection';

/**
 * The escalation worker's activities, built from their dependencies: the projection repository,
 * or a data source to build it from.
 */
export function createEscalationActivities(
  deps: ({ projections: EscalationProjectionRepository } | { dataSource: DataSource }) & {
    holidays?: HolidaySet | (() => HolidaySet);
  },
): EscalationActivities {
  const projections =
    'projections' in deps ? deps.projections : new EscalationProjectionRepository(deps.dataSource);
  return { ...createDeadlineActivities(deps), ...createProjectionActivities({ projections }) };
}
