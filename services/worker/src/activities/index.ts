import type { DataSource } from 'typeorm';
import type { HolidaySet } from '@resolve/calendar';
import type { EscalationActivities } from '@resolve/contracts';
import {
  ActionRecordsRepository,
  AuditRepository,
  DirectoryRepository,
  EscalationProjectionRepository,
  EscalationsRepository,
} from '@resolve/persistence';
import { createAuthorisationActivities } from './authorise';
import { createDeadlineActivities } from './deadlines';
import { createProjectionActivities } from './projection';

/**
 * The escalation worker's activities, built from their dependencies: the repositories over the
 * data source (the projection's may be given, instrumented, by the caller).
 */
export function createEscalationActivities(deps: {
  dataSource: DataSource;
  projections?: EscalationProjectionRepository;
  holidays?: HolidaySet | (() => HolidaySet);
}): EscalationActivities {
  const { dataSource } = deps;
  const projections = deps.projections ?? new EscalationProjectionRepository(dataSource);
  return {
    ...createDeadlineActivities(deps),
    ...createProjectionActivities({
      projections,
      escalations: new EscalationsRepository(dataSource),
      audit: new AuditRepository(dataSource),
    }),
    ...createAuthorisationActivities({
      actions: new ActionRecordsRepository(dataSource),
      directory: new DirectoryRepository(dataSource),
      escalations: new EscalationsRepository(dataSource),
      audit: new AuditRepository(dataSource),
    }),
  };
}
