import { ReportsController } from './reports.controller';
import { ReportsService } from './reports.service';

/** Registered by app.ts (after RECORDS_PROVIDERS, whose CaseRecordsReader it uses). */
export const REPORTS_CONTROLLERS = [ReportsController];
export const REPORTS_PROVIDERS = [ReportsService];
