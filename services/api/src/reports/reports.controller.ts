import { Controller, Get, Param, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AuthGuard, CurrentCaller } from '../auth/auth.guard';
import type { Caller } from '../auth/caller';
import { ApiError } from '../common/api-error';
import { onlyKnownParameters, parsePeriod } from '../records/period';
import { boardDocumentFileName, PDF_TITLES } from '../records/pdf/pdf-options';
import { PdfPrinter } from '../records/pdf/pdf-printer';
import { ApiPdfResponses, documentHeaders, pdfBody } from '../records/records.controller';
import { renderDisputesReportHtml } from '../records/render/disputes-report';
import { ReportsService } from './reports.service';
import { RateLimited } from '../common/rate-limit/rate-limits';

const YEAR_MS = 365 * 86_400_000;

@ApiTags('reports')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('partnerships')
@RateLimited('documents')
export class ReportsController {
  constructor(
    private readonly reports: ReportsService,
    private readonly printer: PdfPrinter,
  ) {}

  @Get(':partnershipId/reports/disputes')
  @ApiOperation({
    summary:
      'Annual report of disputes and panel findings (BSCB 003 section 3): JSON, or print-ready HTML with inline SVG charts (format=html), or that HTML as PDF (format=pdf)',
    description:
      "For the partnership's business manager, independent chair and quality assurance manager (403 for the partnership's other people, 404 outside it). " +
      'Period [from, to); default: the 365 days to now.',
  })
  @ApiQuery({
    name: 'from',
    required: false,
    description:
      'YYYY-MM-DD (Europe/London) or an ISO-8601 instant; inclusive; default: 365 days before `to`',
  })
  @ApiQuery({
    name: 'to',
    required: false,
    description: 'YYYY-MM-DD (that whole day included) or an ISO-8601 instant (exclusive); default: now',
  })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'html', 'pdf'] })
  @ApiPdfResponses('The report as JSON (default), as HTML (format=html), or that HTML (format=pdf)', {
    'application/json': { schema: { type: 'object' } },
    'text/html': { schema: { type: 'string' } },
  })
  async disputes(
    @CurrentCaller() c: Caller,
    @Param('partnershipId') partnershipId: string,
    @Query() q: Record<string, unknown>,
    @Res({ passthrough: true }) res: Response,
  ) {
    onlyKnownParameters(q, ['from', 'to', 'format']);
    const format = q.format ?? 'json';
    if (format !== 'json' && format !== 'html' && format !== 'pdf')
      throw new ApiError('validation-failed', `format: json, html or pdf; got ${JSON.stringify(q.format)}`, {
        fields: ['format'],
      });
    const period = parsePeriod(q, {
      to: () => new Date().toISOString(),
      from: (to) => new Date(Date.parse(to) - YEAR_MS).toISOString(),
    });
    const report = await this.reports.disputes(c, partnershipId, { from: period.from!, to: period.to! });
    if (format === 'html') {
      documentHeaders(res, 'html', `disputes-report-${partnershipId}-${report.period.to.slice(0, 10)}.html`);
      return renderDisputesReportHtml(report);
    }
    if (format === 'pdf') {
      const pdf = await this.printer.print({
        html: renderDisputesReportHtml(report),
        title: PDF_TITLES['disputes-report'],
      });
      documentHeaders(
        res,
        'pdf',
        boardDocumentFileName('disputes-report', partnershipId, report.period.to.slice(0, 10)),
      );
      return pdfBody(pdf);
    }
    documentHeaders(res, 'json');
    return report;
  }
}
