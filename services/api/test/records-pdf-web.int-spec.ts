import { AuditRepository } from '@resolve/persistence';
import { PDF_TITLES } from '../src/records/pdf/pdf-options';
import { isA4, readPdf } from '../src/records/pdf/pdf-text.testing';
import { person, raiseBody } from './support/harness';
import { startWebStack, WebClient, type WebStack } from './web-support';

/**
 * The case page's PDF links, followed with the web session (no bearer token), against the real
 * stack, the local OpenID provider and Debian's Chromium: the same need-to-know as the page,
 * and each read in the audit trail as the web's.
 */
jest.setTimeout(300_000);

const S = 'sefton-sscp';
const raiser = person(S, 'csc', 'practitioner');

describe('Web: records as PDF from the case page', () => {
  let web: WebStack;

  beforeAll(async () => {
    web = await startWebStack();
  });
  afterAll(async () => {
    await web?.stop();
  });

  /** A binary download with the client's session cookies (WebClient reads bodies as text). */
  async function download(client: WebClient, url: string) {
    const cookies = new Map<string, string>();
    for (const line of client.setCookies) {
      const [pair, ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const [name, value] = [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
      if (value === '' || attributes.some((a) => /^\s*max-age=0\s*$/i.test(a))) cookies.delete(name);
      else cookies.set(name, value);
    }
    const res = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  }

  it('links each record as PDF beside its page, and the link prints it for a signed-in person', async () => {
    const raised = await web.stack
      .http()
      .post('/escalations')
      .set('Authorization', await web.stack.as(raiser))
      .send(raiseBody(S, 'SEF-WEBPDF-01'))
      .expect(201);
    const id = raised.body.id as string;

    const client = new WebClient();
    await client.signIn(web.baseUrl, raiser);
    const page = await client.get(`${web.baseUrl}/cases/${id}`);
    expect(page.status).toBe(200);
    const links = [...page.html.matchAll(/href="(\/cases\/[^"]+\/records\/([a-z-]+)\.pdf)"/g)].map(
      ([, href, kind]) => ({ href, kind }),
    );
    // Sefton's own forms only (its summary log and report, and the decision record): the Sutton
    // referral form and the BSCB monitoring form are not offered for a Sefton case.
    expect(links.map((l) => l.kind)).toEqual(['summary-log', 'report-to-partnership', 'decision']);
    // Each beside its printable page.
    for (const { kind } of links) expect(page.html).toContain(`href="/cases/${id}/records/${kind}"`);

    const summary = links.find((l) => l.kind === 'summary-log')!;
    const res = await download(client, `${web.baseUrl}${summary.href}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="escalation-${id}-summary-log.pdf"`,
    );
    const read = await readPdf(res.body);
    expect(read.title).toBe(PDF_TITLES['summary-log']);
    expect(read.pages.every(isA4)).toBe(true);
    read.pages.forEach((p, i) => {
      expect(p.text).toContain('OFFICIAL-SENSITIVE');
      expect(p.text).toContain(`Page ${i + 1} of ${read.pages.length}`);
    });
    expect(read.pages.map((p) => p.text).join(' ')).toContain('SEF-WEBPDF-01');

    // Not yet available: the same refusal page as for the printable page, not a PDF.
    const decision = await download(client, `${web.baseUrl}/cases/${id}/records/decision.pdf`);
    expect(decision.status).toBe(409);
    expect(decision.headers.get('content-type')).toMatch(/^text\/html/);

    // Without a session: to sign-in, never the document.
    const anonymous = await fetch(`${web.baseUrl}${summary.href}`, { redirect: 'manual' });
    expect(anonymous.status).toBe(303);

    // Someone who may not see the case gets the same 404 page as for its printable page.
    const outsider = new WebClient();
    await outsider.signIn(web.baseUrl, person(S, 'school', 'practitioner'));
    const refused = await download(outsider, `${web.baseUrl}${summary.href}`);
    const refusedPage = await download(outsider, `${web.baseUrl}/cases/${id}/records/summary-log`);
    expect([refused.status, refusedPage.status]).toEqual([404, 404]);
    expect(refused.headers.get('content-type')).toMatch(/^text\/html/);

    const trail = await new AuditRepository(web.stack.db.dataSource).forEscalation(id, 0, 100);
    expect(
      trail
        .filter((r) => (r.detail as { channel?: string }).channel === 'web')
        .map((r) => [r.action, r.outcome, r.personId]),
    ).toEqual(expect.arrayContaining([['escalation.read.records.summary-log.pdf', 200, raiser]]));
  });
});
