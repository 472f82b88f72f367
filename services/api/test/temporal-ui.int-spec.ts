import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { freePort } from '@resolve/testing';
import { person, raiseBody, startStack, type Stack } from './support/harness';

/**
 * What a board operator sees: the Temporal dev server's Web UI, in a real (headless) Chromium,
 * lists an escalation found by Resolve's search attributes; with the codec endpoint set in the
 * UI, the workflow's input is decoded through the API's /codec for a business manager (and only
 * ciphertext shows without); and the API's Prometheus metrics count what happened.
 * Screenshots go to test-artifacts/ (git-ignored).
 */
jest.setTimeout(300_000);

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '../../../test-artifacts');
const S = 'sefton-sscp';
/** What the page scripts below use of the browser (this package compiles without the DOM library). */
type Page = {
  localStorage: { setItem(key: string, value: string): void };
  document: { body: { innerText: string } };
};

describe('Operators: the Temporal Web UI, its codec, and metrics', () => {
  let stack: Stack;
  let uiUrl: string;
  let apiUrl: string;
  let browser: BrowserContext;
  let profile: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} is missing: run \`bash infra/provision/provision.sh\` (as root) to install Debian's chromium for this test`,
      );
    }
    const [uiPort, apiPort] = [await freePort(), await freePort()];
    uiUrl = `http://127.0.0.1:${uiPort}`;
    apiUrl = `http://127.0.0.1:${apiPort}`;
    stack = await startStack({ temporalUiPort: uiPort, codecCorsOrigins: [uiUrl] });
    await stack.app.listen(apiPort, '127.0.0.1');

    const raise = async (reference: string) => {
      const res = await stack
        .http()
        .post('/escalations')
        .set('Authorization', await stack.as(person(S, 'csc', 'practitioner')))
        .send(raiseBody(S, reference))
        .expect(201);
      return res.body as { id: string; workflow: { id: string } };
    };
    const open = await raise('SEF-UI-0001');
    const moved = await raise('SEF-UI-0002');
    await stack
      .http()
      .post(`/escalations/${moved.id}/escalate`)
      .set('Authorization', await stack.as(person(S, 'csc', 'practitioner')))
      .send({ reason: 'No answer at step 1.' })
      .expect(200);
    ids.open = open.workflow.id;
    ids.moved = moved.workflow.id;

    // Visibility is eventually consistent: wait until the server answers the UI's query.
    const query = `ResolvePartnership="${S}" AND ResolveTier=1 AND ResolveStatus="open"`;
    for (let i = 0; ; i++) {
      const found: string[] = [];
      for await (const w of stack.env.client.workflow.list({ query })) found.push(w.workflowId);
      if (found.includes(ids.open) && !found.includes(ids.moved)) break;
      if (i > 100) throw new Error(`visibility never listed ${ids.open} alone: ${found.join(', ')}`);
      await new Promise((r) => setTimeout(r, 200));
    }

    const { chromium } = await import('playwright-core');
    profile = mkdtempSync(path.join(tmpdir(), 'resolve-chromium-'));
    // A fresh profile (--user-data-dir) per run.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      viewport: { width: 1400, height: 1000 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('lists the escalation found by a search-attribute query (partnership, tier, status)', async () => {
    const page = await browser.newPage();
    const query = `ResolvePartnership="${S}" AND ResolveTier=1 AND ResolveStatus="open"`;
    await page.goto(`${uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(query)}`, {
      waitUntil: 'domcontentloaded',
    });
    await page.getByText(ids.open, { exact: true }).first().waitFor({ timeout: 60_000 });
    // The escalation now at tier 2 is not in the tier-1 list.
    expect(await page.getByText(ids.moved, { exact: true }).count()).toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'temporal-ui.png'), fullPage: true });
    await page.close();
  });

  it("decodes the workflow's input through /codec with a business manager's codec cookie", async () => {
    const context = browser;
    // The codec session: the API checks the token (business manager) and sets an HttpOnly cookie.
    const session = await context.request.post(`${apiUrl}/codec/session`, {
      headers: { Authorization: await stack.as(person(S, null, 'business-manager')) },
    });
    expect(session.status()).toBe(200);
    // The UI's codec settings (as its "Codec Server" dialog stores them in this browser).
    await context.addInitScript((endpoint: string) => {
      (globalThis as unknown as Page).localStorage.setItem('endpoint', JSON.stringify(endpoint));
      (globalThis as unknown as Page).localStorage.setItem('includeCredentials', 'true');
      (globalThis as unknown as Page).localStorage.setItem('passAccessToken', 'false');
      (globalThis as unknown as Page).localStorage.setItem('overrideRemoteCodecConfiguration', 'true');
    }, `${apiUrl}/codec`);
    const page = await context.newPage();
    const decodes: number[] = [];
    page.on('response', (r) => {
      if (r.url() === `${apiUrl}/codec/decode`) decodes.push(r.status());
    });
    await page.goto(`${uiUrl}/namespaces/default/workflows/${encodeURIComponent(ids.open)}`, {
      waitUntil: 'domcontentloaded',
    });
    // Only the decoded input has the escalation's field names (the editor renders the first lines only).
    await page.waitForFunction(
      () => /"partnershipId":\s*"sefton-sscp"/.test((globalThis as unknown as Page).document.body.innerText),
      undefined,
      { timeout: 60_000 },
    );
    expect(decodes.length).toBeGreaterThan(0);
    expect(decodes.every((s) => s === 200)).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'temporal-ui-decoded.png'), fullPage: true });
    await page.close();

    // Without the cookie the codec refuses (401) and the UI can show only ciphertext.
    await context.clearCookies();
    const refused: number[] = [];
    const again = await context.newPage();
    again.on('response', (r) => {
      if (r.url() === `${apiUrl}/codec/decode`) refused.push(r.status());
    });
    await again.goto(`${uiUrl}/namespaces/default/workflows/${encodeURIComponent(ids.open)}`, {
      waitUntil: 'domcontentloaded',
    });
    await again.getByText('Event History').first().waitFor({ timeout: 60_000 });
    for (let i = 0; i < 50 && refused.length === 0; i++) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 1000));
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((s) => s === 401)).toBe(true);
    const text = await again.evaluate(() => (globalThis as unknown as Page).document.body.innerText);
    expect(text).not.toMatch(/partnershipId/);
    expect(text).toContain(Buffer.from('binary/encrypted').toString('base64')); // the payload as stored: ciphertext
    await again.screenshot({ path: path.join(ARTIFACTS, 'temporal-ui-without-codec.png'), fullPage: true });
    await again.close();
  });

  it('GET /metrics: open escalations by protocol and tier, actions by kind and outcome, request durations by route', async () => {
    const res = await stack.http().get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain('resolve_open_escalations{protocol="sefton-sscp",tier="1"} 1');
    expect(res.text).toContain('resolve_open_escalations{protocol="sefton-sscp",tier="2"} 1');
    expect(res.text).toContain('resolve_actions{kind="escalate",outcome="accepted"} 1');
    expect(res.text).toMatch(
      /resolve_http_request_duration_seconds_count\{method="POST",route="\/escalations\/:id\/escalate",status="200"\} 1/,
    );
    expect(res.text).toMatch(
      /resolve_http_request_duration_seconds_count\{method="POST",route="\/codec\/decode",status="200"\} \d+/,
    );
    expect(res.text).not.toMatch(/SEF-UI-|[0-9a-f]{8}-[0-9a-f]{4}-/); // no references or ids as labels
  });
});
