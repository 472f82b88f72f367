import { Controller, Get, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiError } from '../common/api-error';
import { knownProtocol } from '../escalations/escalation-queries.service';
import { parsePeriod } from '../records/period';
import { documentHeaders } from '../records/records.controller';
import { renderDisputesReportHtml } from '../records/render/disputes-report';
import { disputesReportCsv, periodFromAnswers, periodInWords, type PeriodAnswers } from './disputes-report';
import { barChart, type Bar } from './charts';
import { isBoard, pageContext } from './page-context';
import { WebApplication } from './web-application';
import { WebAudit } from './web-audit';
import { WebExceptionFilter } from './web-exception.filter';
import { WebRenderer } from './web-renderer';
import type { SignedInRequest } from './web-request';
import { WebSignedInGuard } from './web-signed-in.guard';
import { deadlineInWords } from './words';

const WEEK_MS = 7 * 86_400_000;
/** The dashboard reads at most this many open cases (pages of 200). */
const MAX_PAGES = 25;

type ListItem = Awaited<ReturnType<WebApplication['queries']['list']>>['items'][number];

/**
 * The business manager's dashboard: the partnership's open cases by step and by protocol,
 * those overdue and those due this week, as server-drawn SVG charts with the same figures in
 * tables. For the partnership's board roles (as the disputes report is).
 */
@ApiExcludeController()
@UseFilters(WebExceptionFilter)
@UseGuards(WebSignedInGuard)
@Controller('dashboard')
export class DashboardController {
  constructor(
    private readonly app: WebApplication,
    private readonly renderer: WebRenderer,
  ) {}

  @Get()
  async show(@Req() req: SignedInRequest, @Res() res: Response) {
    const { caller } = req.web;
    if (!isBoard(caller))
      throw new ApiError(
        'forbidden',
        "the dashboard is for the partnership's business manager, independent chair and quality assurance manager",
      );
    const open: ListItem[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < MAX_PAGES; i++) {
      const page = await this.app.queries.list(caller, { status: 'open', limit: '200', cursor });
      open.push(...page.items.filter((c) => c.partnershipId === caller.partnershipId));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    await new WebAudit(this.app).read(req, 'escalation.list', null, {
      view: 'dashboard',
      count: open.length,
    });
    const now = Date.now();
    const overdue = open.filter((c) => c.dueAt && new Date(c.dueAt).getTime() < now);
    const dueThisWeek = open.filter((c) => {
      const at = c.dueAt ? new Date(c.dueAt).getTime() : NaN;
      return at >= now && at < now + WEEK_MS;
    });
    const count = (keyOf: (c: ListItem) => string) => {
      const counts = new Map<string, { all: number; overdue: number }>();
      for (const c of open) {
        const key = keyOf(c);
        const entry = counts.get(key) ?? { all: 0, overdue: 0 };
        entry.all++;
        if (overdue.includes(c)) entry.overdue++;
        counts.set(key, entry);
      }
      return [...counts].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }));
    };
    const byTier = count((c) => `Step ${c.tier}`);
    const byProtocol = count((c) => knownProtocol(c.protocolId)?.title ?? c.protocolId);
    const bars = (rows: [string, { all: number }][]): Bar[] =>
      rows.map(([label, n]) => ({ label, value: n.all }));
    const listed = (items: ListItem[]) =>
      items
        .map((c) => ({
          id: c.id,
          reference: c.reference,
          tier: c.tier,
          due: deadlineInWords(c.dueAt)?.text ?? '',
        }))
        .sort((a, b) => a.due.localeCompare(b.due));
    this.renderer.page(res, 'dashboard.njk', {
      ...pageContext(req, 'dashboard'),
      title: 'Dashboard',
      totals: { open: open.length, overdue: overdue.length, dueThisWeek: dueThisWeek.length },
      byTier,
      byProtocol,
      tierChart: barChart(
        'Open cases by step',
        `${open.length} open cases, counted by the step each is at`,
        bars(byTier),
      ),
      protocolChart: barChart(
        'Open cases by protocol',
        `${open.length} open cases, counted by protocol`,
        bars(byProtocol),
      ),
      deadlineChart: barChart('Deadlines', 'Open cases overdue, and due in the next 7 days', [
        { label: 'Overdue', value: overdue.length, alert: true },
        { label: 'Due in the next 7 days', value: dueThisWeek.length },
      ]),
      overdue: listed(overdue),
      dueThisWeek: listed(dueThisWeek),
    });
  }

  // ------------------------------------------------------------------------------------------
  // The disputes report for a period (the API's GET /partnerships/:id/reports/disputes)

  @Get('disputes')
  async disputes(@Req() req: SignedInRequest, @Res() res: Response, @Query() query: Record<string, unknown>) {
    const text = (name: string) => (typeof query[name] === 'string' ? (query[name] as string).trim() : '');
    const answers = Object.fromEntries(
      ['from-day', 'from-month', 'from-year', 'to-day', 'to-month', 'to-year'].map((k) => [k, text(k)]),
    ) as unknown as PeriodAnswers;
    const { period, errors } = periodFromAnswers(answers);
    const { caller } = req.web;
    const report = period ? await this.app.reports.disputes(caller, caller.partnershipId, period) : null;
    if (report)
      await new WebAudit(this.app).read(req, 'reports.disputes', null, {
        period: report.period,
        format: 'page',
      });
    const files = report
      ? new URLSearchParams({ from: report.period.from, to: report.period.to }).toString()
      : '';
    this.renderer.page(
      res,
      'disputes.njk',
      {
        ...pageContext(req, 'dashboard'),
        title: 'Disputes report',
        values: answers,
        errors: Object.fromEntries(errors.map((e) => [e.name, e.text])),
        errorList: errors.map((e) => ({ text: e.text, href: `#${e.name}` })),
        report,
        periodWords: report ? periodInWords(report.period) : '',
        csvHref: `/dashboard/disputes/csv?${files}`,
        printHref: `/dashboard/disputes/print?${files}`,
      },
      errors.length ? 400 : 200,
    );
  }

  /** The report's figures as CSV, for a spreadsheet. */
  @Get('disputes/csv')
  async disputesCsv(
    @Req() req: SignedInRequest,
    @Res() res: Response,
    @Query() query: Record<string, unknown>,
  ) {
    const report = await this.reportFor(req, query, 'csv');
    documentHeaders(
      res,
      'csv',
      `disputes-report-${report.partnership.id}-${report.period.to.slice(0, 10)}.csv`,
    );
    res.send(disputesReportCsv(report));
  }

  /** The printable report, as the API renders it (charts, definitions, the chairs' findings). */
  @Get('disputes/print')
  async disputesPrint(
    @Req() req: SignedInRequest,
    @Res() res: Response,
    @Query() query: Record<string, unknown>,
  ) {
    const report = await this.reportFor(req, query, 'html');
    documentHeaders(res, 'html');
    res.send(renderDisputesReportHtml(report));
  }

  private async reportFor(req: SignedInRequest, query: Record<string, unknown>, format: string) {
    const period = parsePeriod(query, {
      to: () => new Date().toISOString(),
      from: (to) => new Date(Date.parse(to) - 365 * 86_400_000).toISOString(),
    });
    const { caller } = req.web;
    const report = await this.app.reports.disputes(caller, caller.partnershipId, {
      from: period.from!,
      to: period.to!,
    });
    await new WebAudit(this.app).read(req, 'reports.disputes', null, { period: report.period, format });
    return report;
  }
}
