import type { Provider } from '@nestjs/common';
import {
  ActionRecordsRepository,
  EscalationsRepository,
  PlanItemsRepository,
  SubjectsRepository,
  TimelineEventsRepository,
} from '@resolve/persistence';
import { DataSource } from 'typeorm';

/**
 * The case repositories (escalations, their subjects, action records, plan items, timeline),
 * one instance each on the application's DataSource, shared by escalations, records, reports
 * and metrics. Registered in ApiModule (app.ts).
 */
export const CASE_REPOSITORY_PROVIDERS: Provider[] = [
  EscalationsRepository,
  SubjectsRepository,
  ActionRecordsRepository,
  PlanItemsRepository,
  TimelineEventsRepository,
].map((Repository) => ({
  provide: Repository,
  useFactory: (dataSource: DataSource) => new Repository(dataSource),
  inject: [DataSource],
}));
