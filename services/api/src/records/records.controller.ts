import {
  applyDecorators,
  Controller,
  Get,
  Param,
  Query,
  Res,
  StreamableFile,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { AuthGuard, CurrentCaller } from '../auth/auth.guard';
import type { Caller } from '../auth/caller';
import { EscalationId } from '../common/uuid-param.pipe';
import { onlyKnownParameters, parsePeriod } from './period';
import { boardDocumentFileName, PDF_TITLES } from './pdf/pdf-options';
import { PdfPrinter } from './pdf/pdf-printer';
import { RecordsService, type CaseDocumentKind } from './records.service';
import { RateLimited } from '../common/rate-limit/rate-limits';

/** Headers for documents: never cached (personal data), HTML that can run nothing, PDFs to save. */
export function documentHeaders(
  res: Response,
  type: 'html' | 'csv' | 'json' | 'pdf',
  filename?: string,
): void {
  res.setHeader('Cache-Control', 'no-store');
  if (type === 'pdf') res.setHeader('Content-Type', 'application/pdf');
  if (type === 'html') {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
  }
  if (type === 'csv') res.setHeader('Content-Type', 'text/csv; charset=utf-8; header=present');
  if (filename)
    res.setHeader(
      'Content-Disposition',
      `${type === 'csv' || type === 'pdf' ? 'attachment' : 'inline'}; filename="${filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
    );
}

/** A printed document as the response body, its headers set by documentHeaders. */
export function pdfBody(pdf: Buffer): StreamableFile {
  return new StreamableFile(pdf, { length: pdf.length });
}

/**
 * OpenAPI: a route that answers a PDF (or, for a route that also answers other formats, those in
 * `otherContent` too), or 503 when the server cannot print.
 */
export function ApiPdfResponses(
  what: string,
  otherContent: Record<string, { schema: { type: 'string' | 'object' } }> = {},
) {
  return applyDecorators(
    ApiProduces(...Object.keys(otherContent), 'application/pdf'),
    ApiOkResponse({
      description: `${what} as PDF: A4, OFFICIAL-SENSITIVE and "Page n of N" on every page; a download (Content-Disposition: attachment).`,
      content: { ...otherContent, 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
    }),
    ApiServiceUnavailableResponse({
      description:
        'The server cannot print now: no Chromium at CHROMIUM_PATH, Chromium failed, too many documents waiting, or the time limit passed. `reason` names which (pdf-printer-missing-browser, pdf-printer-browser-failed, pdf-printer-failed, pdf-printer-busy, pdf-printer-timeout, pdf-printer-stopping); the HTML route still works.',
    }),
  );
}

const SAME_AS_CASE =
  'Who may fetch it: the people who may see the case (GET /escalations/:id); anyone else gets 404.';

/**
 * The records the protocols ask for, per case, as JSON, as print-ready HTML (`.html`) and as
 * that HTML printed to PDF (`.pdf`, pdf/pdf-printer.ts).
 * docs/records-and-reports.md lists each record's source clause and fields.
 */
@ApiTags('records')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('escalations')
@RateLimited('documents')
export class RecordsController {
  constructor(private readonly records: RecordsService) {}

  private async json(caller: Caller, id: string, kind: CaseDocumentKind, res: Response) {
    const doc = await this.records.caseDocument(caller, id, kind, 'json');
    documentHeaders(res, 'json');
    return doc.body;
  }

  private async html(caller: Caller, id: string, kind: CaseDocumentKind, res: Response) {
    const doc = await this.records.caseDocument(caller, id, kind, 'html');
    documentHeaders(res, 'html', `${doc.reference}-${kind}.html`);
    return doc.body;
  }

  /** The same HTML as `.html`, printed: same need-to-know, and audited as its own read. */
  private async pdf(caller: Caller, id: string, kind: CaseDocumentKind, res: Response) {
    const { fileName, pdf } = await this.records.caseDocumentPdf(caller, id, kind);
    documentHeaders(res, 'pdf', fileName);
    return pdfBody(pdf);
  }

  @Get(':id/records/referral-form')
  @ApiOperation({
    summary:
      'Sutton Appendix B escalation referral form (JSON); carries the child’s or children’s names and dates of birth',
    description: SAME_AS_CASE,
  })
  referralForm(
    @CurrentCaller() c: Caller,
    @EscalationId() id: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.json(c, id, 'referral-form', res);
  }

  @Get(':id/records/referral-form.html')
  @ApiProduces('text/html')
  @ApiOperation({
    summary: 'Sutton Appendix B escalation referral form, print-ready HTML',
    description: SAME_AS_CASE,
  })
  referralFormHtml(
    @CurrentCaller() c: Caller,
    @EscalationId() id: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.html(c, id, 'referral-form', res);
  }

  @Get(':id/records/referral-form.pdf')
  @ApiPdfResponses('The same document as `.html`')
  @ApiOperation({ summary: 'Sutton Appendix B escalation referral form, PDF', description: SAME_AS_CASE })
  referralFormPdf(
    @CurrentCaller() c: Caller,
    @EscalationId() id: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.pdf(c, id, 'referral-form', res);
  }

  @Get(':id/records/summary-log')
  @ApiOperation({
    summary: 'Sefton Appendix 1 Agency Escalation Summary Log entry for this case (JSON)',
    description: SAME_AS_CASE,
  })
  summaryLog(
    @CurrentCaller() c: Caller,
    @EscalationId() id: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.json(c, id, 'summary-log', res);
  }

  @Get(':id/records/summary-log.html')
  @ApiProduces('text/html')
  @ApiOperation({
    summary: 'Sefton Appendix 1 Agency Escalation Summary Log entry, print-ready HTML',
    description: SAME_AS_CASE,
  })
  summaryLogHtml(
    @CurrentCaller() c: Caller,
    @EscalationId() id: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.html(c, id, 'summary-log', res);
  }

  @Get(':id/records/summary-log.pdf')
  @ApiPdfResponses('The same document as `.html`')
  @ApiOperation({
    summary: 'Sefton Appendix 1 Agency Escalation Summary Log entry, PDF',
    description: SAME_AS_CASE,
  })
  summaryLogPdf(
    @CurrentCaller() c: Caller,
    @EscalationId() id: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.pdf(c, id, 'summary-log', res);
  }

  @Get(':id/records/report-to-partnership')
  @ApiOperation({
    summary: 'Sefton Appendix 2 Report to SSCP: steps 3-4 and the outcome (JSON)',
    description: SAME_AS_CASE,
  })
  report(@CurrentCaller() c: Caller, @EscalationId() id: string, @Res({ passthrough: true }) res: Response) {
    return this.json(c, id, 'report-to-partnership', res);
  }

  @Get(':id/records/report-to-partnership.html')
  @ApiProduces('text/html')
  @ApiOperation({ summary: 'Sefton Appendix 2 Report to SSCP, print-ready HTML', description: SAME_AS_CASE })
  reportHtml(
    @CurrentCaller() c: Caller,
    @EscalationId() id: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.html(c, id, 'report-to-partnership', res);
  }

  @Get(':id/records/report-to-partnership.pdf')
  @ApiPdfResponses('The same document as `.html`')
  @ApiOperation({ summary: 'Sefton Appendix 2 Report to SSCP, PDF', description: SAME_AS_CASE })
  reportPdf(
    @CurrentCaller() c: Caller,
    @EscalationId() id: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.pdf(c, id, 'report-to-partnership', res);
  }

  @Get(':id/records/monitoring-form')
  @ApiOperation({
    summary: 'BSCB monitoring form (JSON); 409 before stage 3 is reached',
    description: SAME_AS_CASE,
  })
  monitoringForm(
    @CurrentCaller() c: Caller,
    @EscalationId() id: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.json(c, id, 'monitoring-form', res);
  }

  @Get(':id/records/monitoring-form.html')
  @ApiProduces('text/html')
  @ApiOperation({
    summary: 'BSCB monitoring form, print-ready HTML; 409 before stage 3 is reached',
    description: SAME_AS_CASE,
  })
  monitoringFormHtml(
    @CurrentCaller() c: Caller,
    @EscalationId() id: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.html(c, id, 'monitoring-form', res);
  }

  @Get(':id/records/monitoring-form.pdf')
  @ApiPdfResponses('The same document as `.html`')
  @ApiOperation({
    summary: 'BSCB monitoring form, PDF; 409 before stage 3 is reached',
    description: SAME_AS_CASE,
  })
  monitoringFormPdf(
    @CurrentCaller() c: Caller,
    @EscalationId() id: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.pdf(c, id, 'monitoring-form', res);
  }

  @Get(':id/records/decision')
  @ApiOperation({
    summary:
      'Record of the chaired meeting / mediation / panel and the final binding decision (JSON); 409 before a decision exists',
    description: SAME_AS_CASE,
  })
  decision(
    @CurrentCaller() c: Caller,
    @EscalationId() id: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.json(c, id, 'decision', res);
  }

  @Get(':id/records/decision.html')
  @ApiProduces('text/html')
  @ApiOperation({
    summary:
      'Record of the meeting and the final binding decision, print-ready HTML; 409 before a decision exists',
    description: SAME_AS_CASE,
  })
  decisionHtml(
    @CurrentCaller() c: Caller,
    @EscalationId() id: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.html(c, id, 'decision', res);
  }

  @Get(':id/records/decision.pdf')
  @ApiPdfResponses('The same document as `.html`')
  @ApiOperation({
    summary: 'Record of the meeting and the final binding decision, PDF; 409 before a decision exists',
    description: SAME_AS_CASE,
  })
  decisionPdf(
    @CurrentCaller() c: Caller,
    @EscalationId() id: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.pdf(c, id, 'decision', res);
  }

  @Get(':id/records/outcome')
  @ApiOperation({
    summary:
      "Record of a case closed with one of its protocol's named outcomes (JSON); 404 for a protocol that names none, 409 before one is recorded",
    description: SAME_AS_CASE,
  })
  outcome(@CurrentCaller() c: Caller, @EscalationId() id: string, @Res({ passthrough: true }) res: Response) {
    return this.json(c, id, 'outcome', res);
  }

  @Get(':id/records/outcome.html')
  @ApiProduces('text/html')
  @ApiOperation({
    summary: 'Record of the named outcome, print-ready HTML; 409 before one is recorded',
    description: SAME_AS_CASE,
  })
  outcomeHtml(
    @CurrentCaller() c: Caller,
    @EscalationId() id: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.html(c, id, 'outcome', res);
  }

  @Get(':id/records/outcome.pdf')
  @ApiPdfResponses('The same document as `.html`')
  @ApiOperation({
    summary: 'Record of the named outcome, PDF; 409 before one is recorded',
    description: SAME_AS_CASE,
  })
  outcomePdf(
    @CurrentCaller() c: Caller,
    @EscalationId() id: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.pdf(c, id, 'outcome', res);
  }
}

const LOG_WHO =
  "Who may fetch it: the agency's managers (any role there above practitioner) and the partnership's business manager, independent chair and quality assurance manager (403 for others in the partnership; 404 outside it).";

/** Sefton Appendix 1: the Agency Escalation Summary Log of one agency, as JSON, CSV, HTML and PDF. */
@ApiTags('records')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('agencies')
@RateLimited('documents')
export class AgencyLogController {
  constructor(
    private readonly records: RecordsService,
    private readonly printer: PdfPrinter,
  ) {}

  private async log(caller: Caller, agencyId: string, query: Record<string, unknown>) {
    onlyKnownParameters(query, ['from', 'to']);
    return this.records.agencyLog(caller, agencyId, parsePeriod(query));
  }

  @Get(':agencyId/escalation-log')
  @ApiOperation({
    summary:
      'Agency Escalation Summary Log: every case the agency raised or received, raised in [from, to) (JSON)',
    description: LOG_WHO,
  })
  @ApiQuery({
    name: 'from',
    required: false,
    description: 'YYYY-MM-DD (Europe/London) or an ISO-8601 instant; inclusive',
  })
  @ApiQuery({
    name: 'to',
    required: false,
    description: 'YYYY-MM-DD (that whole day included) or an ISO-8601 instant (exclusive)',
  })
  async json(
    @CurrentCaller() c: Caller,
    @Param('agencyId') agencyId: string,
    @Query() q: Record<string, unknown>,
    @Res({ passthrough: true }) res: Response,
  ) {
    const log = await this.log(c, agencyId, q);
    documentHeaders(res, 'json');
    return log;
  }

  @Get(':agencyId/escalation-log.csv')
  @ApiProduces('text/csv')
  @ApiOperation({
    summary: 'Agency Escalation Summary Log as CSV (RFC 4180, header row)',
    description: LOG_WHO,
  })
  @ApiQuery({ name: 'from', required: false })
  @ApiQuery({ name: 'to', required: false })
  async csv(
    @CurrentCaller() c: Caller,
    @Param('agencyId') agencyId: string,
    @Query() q: Record<string, unknown>,
    @Res({ passthrough: true }) res: Response,
  ) {
    const log = await this.log(c, agencyId, q);
    documentHeaders(res, 'csv', `escalation-log-${agencyId}-${log.generatedAt.slice(0, 10)}.csv`);
    return this.records.agencyLogCsv(log);
  }

  @Get(':agencyId/escalation-log.html')
  @ApiProduces('text/html')
  @ApiOperation({
    summary: 'Agency Escalation Summary Log, print-ready HTML (landscape)',
    description: LOG_WHO,
  })
  @ApiQuery({ name: 'from', required: false })
  @ApiQuery({ name: 'to', required: false })
  async html(
    @CurrentCaller() c: Caller,
    @Param('agencyId') agencyId: string,
    @Query() q: Record<string, unknown>,
    @Res({ passthrough: true }) res: Response,
  ) {
    const log = await this.log(c, agencyId, q);
    documentHeaders(res, 'html', `escalation-log-${agencyId}.html`);
    return this.records.agencyLogHtml(log);
  }

  @Get(':agencyId/escalation-log.pdf')
  @ApiPdfResponses('The same log as `.html` (landscape A4)')
  @ApiOperation({ summary: 'Agency Escalation Summary Log, PDF (landscape A4)', description: LOG_WHO })
  @ApiQuery({ name: 'from', required: false })
  @ApiQuery({ name: 'to', required: false })
  async pdf(
    @CurrentCaller() c: Caller,
    @Param('agencyId') agencyId: string,
    @Query() q: Record<string, unknown>,
    @Res({ passthrough: true }) res: Response,
  ) {
    const log = await this.log(c, agencyId, q);
    const pdf = await this.printer.print({
      html: this.records.agencyLogHtml(log),
      title: PDF_TITLES['escalation-log'],
    });
    documentHeaders(
      res,
      'pdf',
      boardDocumentFileName('escalation-log', agencyId, log.generatedAt.slice(0, 10)),
    );
    return pdfBody(pdf);
  }
}
