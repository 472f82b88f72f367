import { CaseRecordsReader } from './case-records.reader';
import { PdfPrinter } from './pdf/pdf-printer';
import { AgencyLogController, RecordsController } from './records.controller';
import { RecordsService } from './records.service';
import { Lodger } from './lodging/lodger';
import { LodgementsController } from './lodging/lodgements.controller';
import { LodgementsService } from './lodging/lodgements.service';

export { PDF_PRINTER_SETTINGS, pdfPrinterSettings, type PdfPrinterSettings } from './pdf/pdf-printer';

/**
 * Registered by app.ts: the per-case records and the agency escalation log. PdfPrinter wants
 * PDF_PRINTER_SETTINGS, which app.ts provides from the configuration (CHROMIUM_PATH).
 */
export const RECORDS_CONTROLLERS = [RecordsController, AgencyLogController, LodgementsController];
export const RECORDS_PROVIDERS = [CaseRecordsReader, RecordsService, PdfPrinter, LodgementsService, Lodger];
export { LODGER_INTERVAL_MS, Lodger } from './lodging/lodger';
export { LodgementsService } from './lodging/lodgements.service';
