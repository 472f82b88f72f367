import { parseCsv } from '../src/records/render/csv';
import { person, raiseBody } from './support/harness';
import {
  decodeEntities,
  errorSummaryOf,
  startWebStack,
  titleOf,
  WebClient,
  type WebStack,
} from './web-support';

/**
 * The dashboard's disputes report for a period over HTTP against the real stack: the API's
 * report (ReportsService, its board-only rule and its period rule), shown as a page, printable
 * as the API renders it, and exported as CSV.
 */
jest.setTimeout(300_000);

const S = 'sefton-sscp';
const manager = person(S, null, 'business-manager');
const practitioner = person(S, 'csc', 'practitioner');

describe('Disputes report on the dashboard', () => {
  let web: WebStack;
  let base: string;
  let client: WebClient;

  beforeAll(async () => {
    web = await startWebStack();
    base = web.baseUrl;
    for (const reference of ['SEF-DSP-0001', 'SEF-DSP-0002'])
      await web.stack
        .http()
        .post('/escalations')
        .set('Authorization', await web.stack.as(practitioner))
        .send(raiseBody(S, reference))
        .expect(201);
    client = new WebClient();
    await client.signIn(base, manager);
  });

  afterAll(async () => {
    await web?.stop();
  });

  it("shows the year to today by default, with the API's figures, a printable report and CSV", async () => {
    const dashboard = await client.get(`${base}/dashboard`);
    expect(dashboard.html).toContain('href="/dashboard/disputes"');
    const page = await client.get(`${base}/dashboard/disputes`);
    expect(page.status).toBe(200);
    expect(titleOf(page)).toBe('Disputes report - Resolve');
    expect(page.html).toMatch(/Raised\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*2\s*</);

    const csvHref = decodeEntities(/href="(\/dashboard\/disputes\/csv\?[^"]+)"/.exec(page.html)![1]);
    const csv = await client.get(`${base}${csvHref}`, 'text/csv');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toMatch(
      /attachment; filename="disputes-report-sefton-sscp-/,
    );
    const rows = parseCsv(csv.html);
    expect(rows[0]).toEqual(['section', 'item', 'measure', 'value']);
    expect(rows).toContainEqual(['totals', 'all', 'raised', '2']);
    expect(rows).toContainEqual(['totals', 'all', 'open at period end', '2']);
    // Counts only: no case's prose in the export.
    expect(csv.html).not.toMatch(/threshold for a strategy discussion/);

    const printHref = decodeEntities(/href="(\/dashboard\/disputes\/print\?[^"]+)"/.exec(page.html)![1]);
    const printable = await client.get(`${base}${printHref}`);
    expect(printable.status).toBe(200);
    expect(printable.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(printable.html).toContain('Sefton Safeguarding Children Partnership');

    const trail = (await web.stack.db.dataSource.query(
      `SELECT action, person_id AS "personId", detail FROM audit_log WHERE action = 'reports.disputes' ORDER BY seq`,
    )) as { personId: string; detail: { channel: string; format: string } }[];
    expect(trail.map((r) => [r.personId, r.detail.channel, r.detail.format])).toEqual([
      [manager, 'web', 'page'],
      [manager, 'web', 'csv'],
      [manager, 'web', 'html'],
    ]);
  });

  it('names a wrong period against its date, and counts only a period asked for', async () => {
    const notADate = await client.get(
      `${base}/dashboard/disputes?from-day=31&from-month=2&from-year=2026&to-day=&to-month=&to-year=`,
    );
    expect(notADate.status).toBe(400);
    expect(titleOf(notADate)).toBe('Error: Disputes report - Resolve');
    expect(errorSummaryOf(notADate)).toEqual(['Enter the start of the period as a real date']);
    expect(notADate.html).toContain('id="from-error"');
    expect(notADate.html).toContain('href="#from-day"');
    const backwards = await client.get(
      `${base}/dashboard/disputes?from-day=2&from-month=1&from-year=2026&to-day=1&to-month=1&to-year=2026`,
    );
    expect(errorSummaryOf(backwards)).toEqual(['The start of the period must be before its end']);
    const empty = await client.get(
      `${base}/dashboard/disputes?from-day=1&from-month=4&from-year=2020&to-day=31&to-month=3&to-year=2021`,
    );
    expect(empty.status).toBe(200);
    expect(empty.html).toMatch(/Raised\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*0\s*</);
  });

  it("is the board's: others get the permission page for the report and its files", async () => {
    const other = new WebClient();
    await other.signIn(base, practitioner);
    for (const path of ['/dashboard/disputes', '/dashboard/disputes/csv', '/dashboard/disputes/print']) {
      const page = await other.get(`${base}${path}`);
      expect(page.status).toBe(403);
      expect(titleOf(page)).toBe('You do not have permission to see this page - Resolve');
    }
  });
});
