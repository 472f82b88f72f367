import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { createApiApp } from '../src/app';
import { createTokenVerifier } from '../src/auth/token-verifier';
import { PDF_TITLES } from '../src/records/pdf/pdf-options';
import { isA4, readPdf, type PdfReadBack } from '../src/records/pdf/pdf-text.testing';
import {
  appointChairIfNeeded,
  escalateTo,
  person,
  raiseBody,
  startStack,
  type Stack,
} from './support/harness';

/**
 * Every record and report as PDF, through the real stack and Debian's Chromium: cases raised and
 * driven by people until each document exists, then each fetched as PDF and read back (pdf.js):
 * A4, the case's own content, OFFICIAL-SENSITIVE and "Page n of N" on every page, no case
 * reference in the file name or the title. The same refusals and audit as the HTML, and a
 * server without Chromium answers 503 for the PDF while the HTML still works.
 */
jest.setTimeout(300_000);

const ARTIFACTS = path.resolve(__dirname, '../../../test-artifacts/pdf');
const CHILD = 'Alexandra Testchild';
const CONCERN = 'Police declined a joint visit & the strategy discussion was not held.';

describe('Records and reports as PDF', () => {
  let stack: Stack;
  /** The same API on the same stack, pointed at a Chromium that is not there. */
  let withoutChromium: INestApplication;

  beforeAll(async () => {
    stack = await startStack();
    withoutChromium = await createApiApp({
      dataSource: stack.db.dataSource,
      temporal: stack.env.client,
      verifier: createTokenVerifier({
        issuer: stack.issuer.issuer,
        audience: stack.issuer.audience,
        localPublicJwk: stack.issuer.publicJwk,
      }),
      chromiumPath: '/nonexistent/chromium',
    });
    await withoutChromium.init();
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => {
    await withoutChromium?.close();
    await stack?.stop();
  });

  async function raise(protocolId: string, reference: string, extra: Record<string, unknown> = {}) {
    const p = protocolId;
    const res = await stack
      .http()
      .post('/escalations')
      .set('Authorization', await stack.as(person(p, 'csc', 'practitioner')))
      .send(raiseBody(protocolId, reference, extra))
      .expect(201);
    return res.body.id as string;
  }

  async function post(personId: string, id: string, action: string, body: object = {}) {
    const res = await stack
      .http()
      .post(`/escalations/${id}/${action}`)
      .set('Authorization', await stack.as(personId))
      .send(body);
    if (res.status !== 200) throw new Error(`${action}: ${res.status} ${JSON.stringify(res.body)}`);
  }

  async function get(personId: string, url: string) {
    return stack
      .http()
      .get(url)
      .set('Authorization', await stack.as(personId))
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
  }

  async function settled(personId: string, id: string, done: (types: string[], tier: number) => boolean) {
    for (let i = 0; i < 100; i++) {
      const v = (
        await stack
          .http()
          .get(`/escalations/${id}`)
          .set('Authorization', await stack.as(personId))
          .expect(200)
      ).body;
      if (
        done(
          v.history.map((e: { type: string }) => e.type),
          v.tier?.number ?? 0,
        )
      )
        return;
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new Error(`escalation ${id} did not settle`);
  }

  /**
   * Fetches a PDF and checks what every printed document must be: a PDF download named without
   * the reference, A4 pages each with the marking and "Page n of N", titled with its kind.
   */
  async function pdf(
    personId: string,
    url: string,
    expected: { fileName: RegExp; title: string; artifact: string; reference?: string },
  ): Promise<PdfReadBack & { text: string }> {
    const res = await get(personId, url);
    if (res.status !== 200) throw new Error(`${url}: ${res.status} ${res.body.toString()}`);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="[A-Za-z0-9._-]+"$/);
    expect(res.headers['content-disposition']).toMatch(expected.fileName);
    const body = res.body as Buffer;
    expect(Number(res.headers['content-length'])).toBe(body.length);
    expect(body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    writeFileSync(path.join(ARTIFACTS, expected.artifact), body);

    const read = await readPdf(body);
    expect(read.pages.length).toBeGreaterThanOrEqual(1);
    read.pages.forEach((page, i) => {
      expect(isA4(page)).toBe(true);
      // Chromium's header and footer (the document's own marking adds more on the first page).
      expect((page.text.match(/OFFICIAL-SENSITIVE/g) ?? []).length).toBeGreaterThanOrEqual(2);
      expect(page.text).toContain(`Page ${i + 1} of ${read.pages.length}`);
    });
    expect(read.title).toBe(expected.title);
    if (expected.reference) {
      expect(read.title).not.toContain(expected.reference);
      expect(res.headers['content-disposition']).not.toContain(expected.reference);
    }
    // pdf.js breaks lines where the layout does; the content checks read one line of text.
    return {
      ...read,
      text: read.pages
        .map((p) => p.text)
        .join('\n')
        .replace(/\s+/g, ' '),
    };
  }

  let seftonCase = '';

  it('Sefton to a final decision: summary log entry, report to SSCP and decision record; no Sutton referral form', async () => {
    const P = 'sefton-sscp';
    const raiser = person(P, 'csc', 'practitioner');
    const chair = person(P, null, 'independent-chair');
    const id = await raise(P, 'SEF-PDF-0001', {
      natureOfConcern: CONCERN,
      subject: { kind: 'child', people: [{ name: CHILD, dateOfBirth: '2016-02-29' }] },
    });
    seftonCase = id;
    await post(person(P, 'police', 'practitioner'), id, 'acknowledge', { reason: 'Received.' });
    await escalateTo(stack, P, id, 4, { reason: 'Not agreed at this step.' });
    await settled(raiser, id, (_, tier) => tier === 4);

    // Before the chair decides, the decision record is refused as PDF exactly as in HTML.
    const early = await get(raiser, `/escalations/${id}/records/decision.pdf`);
    expect(early.status).toBe(409);
    const earlyHtml = await get(raiser, `/escalations/${id}/records/decision.html`);
    expect(earlyHtml.status).toBe(409);
    expect(JSON.parse(early.body.toString())).toMatchObject({
      error: 'conflict',
      reason: 'decision-not-available',
      message: JSON.parse(earlyHtml.body.toString()).message,
    });

    await post(chair, id, 'meeting', {
      kind: 'chaired-meeting',
      at: new Date(Date.now() + 2 * 86_400_000).toISOString(),
      reason: 'SSCP chaired meeting, Bootle, room 3.',
    });
    await appointChairIfNeeded(stack, P, id);
    await post(chair, id, 'decision', {
      decision: 'A strategy discussion is to be held within 1 working day; police attend.',
      referLearning: true,
    });
    await settled(raiser, id, (types) => types.includes('closed'));

    const fileName = (kind: string) => new RegExp(`filename="escalation-${id}-${kind}\\.pdf"$`);
    // Sutton's Appendix B is no Sefton form: refused, as PDF as in JSON (issue 12).
    const referral = await get(raiser, `/escalations/${id}/records/referral-form.pdf`);
    expect(referral.status).toBe(404);
    expect(JSON.parse(referral.body.toString())).toMatchObject({
      reason: 'referral-form-not-in-protocol',
      message: expect.stringContaining('belongs to another partnership'),
    });

    const log = await pdf(raiser, `/escalations/${id}/records/summary-log.pdf`, {
      fileName: fileName('summary-log'),
      title: PDF_TITLES['summary-log'],
      artifact: 'summary-log.pdf',
      reference: 'SEF-PDF-0001',
    });
    expect(log.text).toContain('Agency Escalation Summary Log');
    expect(log.text).toContain('SEF-PDF-0001');
    expect(log.text).toContain('A strategy discussion is to be held within 1 working day; police attend.');

    const report = await pdf(
      person(P, 'police', 'head-of-service'),
      `/escalations/${id}/records/report-to-partnership.pdf`,
      {
        fileName: fileName('report-to-partnership'),
        title: PDF_TITLES['report-to-partnership'],
        artifact: 'report-to-partnership.pdf',
        reference: 'SEF-PDF-0001',
      },
    );
    expect(report.text).toContain('Report to Sefton Safeguarding Children Partnership (SSCP)');
    expect(report.text).toContain('SSCP chaired meeting, Bootle, room 3.');
    expect(report.text).toContain(CONCERN);

    const decision = await pdf(chair, `/escalations/${id}/records/decision.pdf`, {
      fileName: fileName('decision'),
      title: PDF_TITLES.decision,
      artifact: 'decision.pdf',
      reference: 'SEF-PDF-0001',
    });
    expect(decision.text).toContain('Record of the independently chaired meeting and final decision');
    expect(decision.text).toContain(
      'A strategy discussion is to be held within 1 working day; police attend.',
    );
  });

  it('refuses the PDF to whoever the HTML refuses, with the same answer, and audits each read', async () => {
    const P = 'sefton-sscp';
    const id = seftonCase;
    expect(id).not.toBe('');
    for (const outsider of [
      person(P, 'school', 'practitioner'),
      person('bscb', 'csc', 'head-of-service'),
      person(P, null, 'partnership-administrator'),
    ]) {
      for (const kind of ['referral-form', 'summary-log', 'report-to-partnership', 'decision']) {
        const asPdf = await get(outsider, `/escalations/${id}/records/${kind}.pdf`);
        const asHtml = await get(outsider, `/escalations/${id}/records/${kind}.html`);
        expect([asPdf.status, asHtml.status]).toEqual([404, 404]);
        expect(JSON.parse(asPdf.body.toString())).toMatchObject({
          error: 'not-found',
          message: `escalation ${id} not found`,
        });
        expect(JSON.parse(asPdf.body.toString()).message).toBe(JSON.parse(asHtml.body.toString()).message);
      }
    }
    await stack.http().get(`/escalations/${id}/records/referral-form.pdf`).expect(401);
    const malformed = await get(
      person(P, 'csc', 'practitioner'),
      '/escalations/not-a-case/records/summary-log.pdf',
    );
    expect(malformed.status).toBe(404);

    const audit = await stack
      .http()
      .get(`/audit?escalationId=${id}&limit=500`)
      .set('Authorization', await stack.as(person(P, null, 'business-manager')))
      .expect(200);
    const reads = audit.body.items.filter((i: { action: string }) => i.action.endsWith('.pdf'));
    expect(reads).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: 'escalation.read.records.summary-log.pdf',
          personId: person(P, 'csc', 'practitioner'),
          outcome: 200,
        }),
        expect.objectContaining({
          action: 'escalation.read.records.decision.pdf',
          personId: person(P, null, 'independent-chair'),
          outcome: 200,
        }),
        expect.objectContaining({
          action: 'escalation.read.records.decision.pdf',
          outcome: 409,
        }),
        expect.objectContaining({
          action: 'escalation.read.records.summary-log.pdf',
          personId: person(P, 'school', 'practitioner'),
          outcome: 404,
        }),
      ]),
    );
  });

  it('BSCB at stage 3: the monitoring form, the disputes report and the agency log', async () => {
    const P = 'bscb';
    const raiser = person(P, 'csc', 'practitioner');
    const board = person(P, null, 'business-manager');
    const id = await raise(P, 'BSCB-PDF-0001', { natureOfConcern: CONCERN, category: 'need-for-action' });
    const tooEarly = await get(raiser, `/escalations/${id}/records/monitoring-form.pdf`);
    expect(tooEarly.status).toBe(409);
    expect(JSON.parse(tooEarly.body.toString()).message).toContain(
      'the monitoring form is issued from stage 3',
    );

    await escalateTo(stack, P, id, 3, { reason: 'Could not agree.' });
    await settled(raiser, id, (types, tier) => tier === 3 && types.includes('informed'));

    const form = await pdf(raiser, `/escalations/${id}/records/monitoring-form.pdf`, {
      fileName: new RegExp(`filename="escalation-${id}-monitoring-form\\.pdf"$`),
      title: PDF_TITLES['monitoring-form'],
      artifact: 'monitoring-form.pdf',
      reference: 'BSCB-PDF-0001',
    });
    expect(form.text).toContain('BSCB-PDF-0001');
    expect(form.text).toContain(CONCERN);
    expect(form.text).toContain('The need for action');

    const today = new Date().toISOString().slice(0, 10);
    const disputes = await pdf(board, `/partnerships/${P}/reports/disputes?format=pdf`, {
      fileName: /filename="disputes-report-bscb-\d{4}-\d{2}-\d{2}\.pdf"$/,
      title: PDF_TITLES['disputes-report'],
      artifact: 'disputes-report.pdf',
    });
    expect(disputes.text).toMatch(/dispute/i);
    expect(disputes.text).not.toContain(CHILD);
    const refused = await get(raiser, `/partnerships/${P}/reports/disputes?format=pdf`);
    expect(refused.status).toBe(403);

    const agency = `${P}-csc`;
    const log = await pdf(person(P, 'csc', 'line-manager'), `/agencies/${agency}/escalation-log.pdf`, {
      fileName: new RegExp(`filename="escalation-log-${agency}-${today}\\.pdf"$`),
      title: PDF_TITLES['escalation-log'],
      artifact: 'agency-escalation-log.pdf',
    });
    // The log is landscape A4 (its CSS names the landscape page).
    expect(log.pages.every((p) => p.width > p.height)).toBe(true);
    // Its narrow reference column wraps after the hyphen.
    expect(log.text.replace(/-\s/g, '-')).toContain('BSCB-PDF-0001');
    const practitioner = await get(raiser, `/agencies/${agency}/escalation-log.pdf`);
    expect(practitioner.status).toBe(403);
    expect(JSON.parse(practitioner.body.toString()).message).toMatch(/for its managers/);
  });

  it('answers 503 naming the cause when Chromium is missing, while the HTML is still served', async () => {
    const P = 'sefton-sscp';
    const raiser = person(P, 'csc', 'practitioner');
    const id = seftonCase;
    const res = await request(withoutChromium.getHttpServer())
      .get(`/escalations/${id}/records/summary-log.pdf`)
      .set('Authorization', await stack.as(raiser));
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({
      error: 'unavailable',
      reason: 'pdf-printer-missing-browser',
      message:
        "PDF printing is unavailable: no Chromium executable at /nonexistent/chromium (CHROMIUM_PATH); install Debian's chromium package or set CHROMIUM_PATH",
    });
    // Need-to-know first: an outsider learns nothing, not even that printing is down.
    await request(withoutChromium.getHttpServer())
      .get(`/escalations/${id}/records/summary-log.pdf`)
      .set('Authorization', await stack.as(person(P, 'school', 'practitioner')))
      .expect(404);
    const board = await request(withoutChromium.getHttpServer())
      .get(`/partnerships/bscb/reports/disputes?format=pdf`)
      .set('Authorization', await stack.as(person('bscb', null, 'business-manager')));
    expect(board.status).toBe(503);
    expect(board.body.reason).toBe('pdf-printer-missing-browser');

    const html = await request(withoutChromium.getHttpServer())
      .get(`/escalations/${id}/records/summary-log.html`)
      .set('Authorization', await stack.as(raiser))
      .expect(200);
    expect(html.text).toContain('SEF-PDF-0001');
  });
});
