import { CaseRecordsReader } from './case-records.reader';
import { AgencyLogController, RecordsController } from './records.controller';
import { RecordsService } from './records.service';

/** Registered by app.ts: the per-case records and the agency escalation log. */
export const RECORDS_CONTROLLERS = [RecordsController, AgencyLogController];
export const RECORDS_PROVIDERS = [CaseRecordsReader, RecordsService];
