import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { EscalationWorkflowGateway } from '../src/escalations/escalation-workflow.gateway';
import { NoteRelay } from '../src/escalations/note-relay';
import { person, raiseBody } from './support/harness';
import {
  dateParts,
  startWebStack,
  TIMING_PROTOCOL,
  timingProtocolsDir,
  TWO_STEP_PROTOCOL,
  type WebStack,
} from './web-support';

/**
 * The web service in a real (headless) Chromium, Debian's, against the real stack: two
 * practitioners of two agencies, each in their own browser context, raise, acknowledge, agree a
 * plan and resolve a case; the receiver comes in by the link in the email they were sent; a
 * refused action shows the engine's reason; the business manager's dashboard shows the case.
 * axe-core checks every page against WCAG 2.0, 2.1 and 2.2 A and AA. Screenshots go to
 * test-artifacts/web/ (git-ignored).
 */
jest.setTimeout(300_000);

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '../../../test-artifacts/web');
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];
const S = 'sefton-sscp';
const raiser = person(S, 'csc', 'practitioner');
const receiver = person(S, 'police', 'practitioner');
const CHILD = 'Alexandra Browsertestchild';

/** Waits until the page's title is this (after a click that navigates). */
const waitTitle = (page: Page, title: string) =>
  page.waitForFunction(`document.title === ${JSON.stringify(title)}`, undefined, { timeout: 30_000 });
/** Waits until one of these elements shows this text. */
const waitText = (locator: Locator, text: string | RegExp) =>
  locator.filter({ hasText: text }).first().waitFor({ timeout: 30_000 });

interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  nodes: { target: string[] }[];
}

describe('Web service in a browser, with accessibility checks', () => {
  let web: WebStack;
  let base: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const checked = new Set<string>();
  const urls: string[] = [];
  const cspViolations: string[] = [];

  beforeAll(async () => {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking'],
    });
    web = await startWebStack({ protocolsDir: timingProtocolsDir() });
    base = web.baseUrl;
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await web?.stop();
  });

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    // A script or style the page's CSP blocks is a fault of the page.
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text()))
        cspViolations.push(`${page.url()}: ${message.text()}`);
    });
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) urls.push(frame.url());
    });
    return page;
  }

  /** axe-core in the page: no WCAG 2.0/2.1/2.2 A or AA violation. Screenshot under `name`. */
  async function check(page: Page, name: string) {
    // Evaluated through the debugging protocol, so the page's CSP (nonces only) still stands.
    await page.evaluate(AXE);
    const violations = (await page.evaluate(
      `axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(WCAG_TAGS)} } }).then(r => r.violations)`,
    )) as AxeViolation[];
    const summary = violations.map(
      (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
    expect({ page: name, violations: summary }).toEqual({ page: name, violations: [] });
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
    checked.add(name);
  }

  async function signIn(page: Page, subject: string, start = `${base}/cases`) {
    await page.goto(start);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('summary', { hasText: 'Sefton' }).click();
    await page.locator(`button[value="${subject}"]`).click();
  }

  /** Opens an action from the case page, fills its form, checks the answers and confirms. */
  async function act(page: Page, title: string, fill: (page: Page) => Promise<void>, name?: string) {
    await page.getByRole('link', { name: title }).click();
    await waitText(page.locator('h1'), title);
    if (name) await check(page, `${name}-form`);
    await fill(page);
    await page.getByRole('button', { name: 'Continue' }).click();
    await waitText(page.locator('h1'), 'Check your answers');
    if (name) await check(page, `${name}-check`);
    await page.getByRole('button', { name: 'Confirm' }).click();
  }

  it('two practitioners of two agencies raise, acknowledge, agree a plan and resolve; each page passes axe', async () => {
    const csc = await newPage();

    // Signing in: the service's page, then the local provider's list of people.
    await csc.goto(`${base}/cases`);
    await waitTitle(csc, 'Sign in to Resolve - Resolve');
    await check(csc, 'sign-in');
    await csc.getByRole('button', { name: 'Sign in' }).click();
    await waitText(csc.locator('h1'), 'Choose who to sign in as');
    await check(csc, 'provider-sign-in');
    await csc.locator('summary', { hasText: 'Sefton' }).click();
    await csc.locator(`button[value="${raiser}"]`).click();
    await csc.waitForURL(`${base}/cases`);
    await check(csc, 'my-cases-empty');

    // Raising: the errors first, then the check page, then the case.
    await csc.getByRole('link', { name: 'Raise an escalation' }).first().click();
    await check(csc, 'raise');
    await csc.locator(`input[name="protocol"][value="${S}"]`).check();
    await csc.getByRole('button', { name: 'Continue' }).click();
    await waitTitle(csc, 'Error: Raise an escalation - Resolve');
    await waitText(csc.locator('.govuk-error-summary'), 'Enter the case reference');
    await check(csc, 'raise-errors');
    await csc.getByLabel('Case reference').fill('SEF-BRW-0001');
    await csc.getByLabel('Who are you raising it with?').selectOption(`${S}-police|${receiver}`);
    await csc.locator('input[name="category"][value="thresholds"]').check();
    await csc.getByLabel('Nature of the concern').fill('Disagreement about whether the threshold is met.');
    await csc.getByLabel('Outcome you are seeking').fill('A strategy discussion is held.');
    await csc.getByLabel('A child', { exact: true }).check();
    await csc.getByLabel('Name (optional)').fill(CHILD);
    await csc
      .locator('fieldset', { hasText: 'Is a child or adult at immediate risk' })
      .getByLabel('No')
      .check();
    await csc.getByRole('button', { name: 'Continue' }).click();
    await waitText(csc.locator('h1'), 'Check your answers before you raise the escalation');
    await check(csc, 'raise-check');
    await csc.getByRole('button', { name: 'Raise the escalation' }).click();
    await waitTitle(csc, 'Case SEF-BRW-0001 - Resolve');
    await waitText(csc.locator('.govuk-notification-banner'), 'Escalation SEF-BRW-0001 raised.');
    const caseUrl = csc.url();
    await check(csc, 'case-raised');

    // The police practitioner follows the link in the email they were sent.
    const [mail] = await web.stack.smtp.waitFor(
      (m) => m.to.includes(`police.practitioner@${S}.resolve.test`) && m.subject.includes('SEF-BRW-0001'),
    );
    const link = /https?:\/\/[^\s"<>]+\/escalations\/[0-9a-f-]{36}/.exec(mail.text)![0];
    const police = await newPage();
    await signIn(police, receiver, `${base}${new URL(link).pathname}`);
    await police.waitForURL(caseUrl);

    // A refused action: the engine's reason in the error summary.
    await police.goto(`${caseUrl}/actions/withdraw`);
    await police.getByRole('button', { name: 'Continue' }).click();
    await police.getByRole('button', { name: 'Confirm' }).click();
    await police.locator('.govuk-error-summary').waitFor();
    await waitTitle(police, 'Error: Withdraw the escalation - Resolve');
    await check(police, 'action-refused');
    await police.goto(caseUrl);

    await act(
      police,
      'Acknowledge the escalation',
      (p) => p.getByLabel('Comments (optional)').fill('Received.'),
      'acknowledge',
    );
    await waitText(police.locator('.govuk-notification-banner'), 'Done: acknowledge the escalation.');
    await check(police, 'case-acknowledged');

    // The plan: proposed by the raiser, agreed by the receiver.
    await csc.goto(caseUrl);
    const due = new Date(Date.now() + 10 * 86_400_000);
    await act(
      csc,
      'Propose or agree a plan of action',
      async (p) => {
        const item = p.locator('fieldset', { hasText: 'Item 1' }).first();
        await item.getByLabel('What will be done').fill('Hold a strategy discussion');
        await item.getByLabel('Which agency does it').selectOption(`${S}-police`);
        await item.getByLabel('Day').fill(String(due.getUTCDate()));
        await item.getByLabel('Month').fill(String(due.getUTCMonth() + 1));
        await item.getByLabel('Year').fill(String(due.getUTCFullYear()));
      },
      'plan',
    );
    await waitText(csc.locator('main'), 'Hold a strategy discussion');
    await police.goto(caseUrl);
    await act(police, 'Agree the proposed plan of action', async () => undefined);
    await waitText(police.locator('.govuk-notification-banner'), 'Done');

    for (const page of [csc, police]) {
      await page.goto(caseUrl);
      await act(page, 'Confirm the disagreement is resolved', (p) =>
        p.getByLabel('How was it resolved?').fill('Agreed.'),
      );
    }
    for (let i = 0; i < 50; i++) {
      await csc.goto(caseUrl);
      if ((await csc.locator('.govuk-summary-list').first().innerText()).includes('Resolved')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await csc.locator('.govuk-summary-list').first().innerText()).toContain('Resolved');
    await check(csc, 'case-resolved');

    // The list, filtered.
    await csc.goto(`${base}/cases?status=resolved`);
    await waitText(csc.locator('table'), 'SEF-BRW-0001');
    await check(csc, 'my-cases');

    // A record as HTML from the case page.
    await csc.goto(caseUrl);
    await csc.getByRole('link', { name: 'Agency escalation summary log entry' }).click();
    await waitText(csc.locator('body'), 'SEF-BRW-0001');
    await csc.screenshot({ path: path.join(ARTIFACTS, 'record-summary-log.png'), fullPage: true });
  });

  it("shows the business manager's dashboard, and works from the keyboard", async () => {
    const manager = await newPage();
    await signIn(manager, person(S, null, 'business-manager'));
    await manager.getByRole('link', { name: 'Dashboard' }).click();
    await waitText(manager.locator('h1'), 'Dashboard');
    await manager.locator('svg.app-chart').first().waitFor();
    await check(manager, 'dashboard');

    // Keyboard only: the skip link is the first stop, and leads to the content.
    await manager.goto(`${base}/cases`);
    await manager.keyboard.press('Tab');
    await waitText(manager.locator(':focus'), 'Skip to main content');
    await manager.keyboard.press('Enter');
    await manager.waitForURL(/#main-content$/);
  });

  it("asks for a protocol's timing fields (when the concern was identified, a protective timescale) accessibly", async () => {
    const page = await newPage();
    await signIn(page, raiser, `${base}/raise?protocol=${TIMING_PROTOCOL}`);
    await waitText(page.locator('legend'), 'When was the concern identified?');
    await check(page, 'raise-timing');
    const fill = async (prefix: string, days: number, time: string) => {
      const parts = dateParts(prefix, days, time);
      for (const [name, value] of Object.entries(parts)) await page.locator(`[name="${name}"]`).fill(value);
    };
    await page.getByLabel('Case reference').fill('SEF-BRW-0002');
    await page.getByLabel('Who are you raising it with?').selectOption(`${S}-police|${receiver}`);
    await page.locator('input[name="category"][value="thresholds"]').check();
    await page.getByLabel('Nature of the concern').fill('Disagreement about whether the threshold is met.');
    await page.getByLabel('Outcome you are seeking').fill('A strategy discussion is held.');
    await page
      .locator('fieldset', { hasText: 'Is a child or adult at immediate risk' })
      .getByLabel('No')
      .check();
    await fill('concernIdentifiedAt', -1, '09:00');
    await page.getByRole('button', { name: 'Continue' }).click();
    await waitTitle(page, 'Error: Raise an escalation - Resolve');
    await waitText(page.locator('.govuk-error-summary'), 'Enter why the clock starts');
    await check(page, 'raise-timing-errors');
    await page.getByLabel('Why does the clock start then?').fill('Seen at the core group.');
    await fill('protectiveDeadline', 1, '12:00');
    await page.getByRole('button', { name: 'Continue' }).click();
    await waitText(page.locator('h1'), 'Check your answers before you raise the escalation');
    await check(page, 'raise-timing-check');
    await page.getByRole('button', { name: 'Raise the escalation' }).click();
    await waitTitle(page, 'Case SEF-BRW-0002 - Resolve');
  });

  it("shows a tier's consecutive steps and records one as done, accessibly", async () => {
    const raised = await web.stack
      .http()
      .post('/escalations')
      .set('Authorization', await web.stack.as(raiser))
      .send(raiseBody(S, 'SEF-BRW-0003', { protocolId: TWO_STEP_PROTOCOL }))
      .expect(201);
    const page = await newPage();
    await signIn(page, raiser, `${base}/cases/${raised.body.id}`);
    await waitTitle(page, 'Case SEF-BRW-0003 - Resolve');
    await waitText(page.locator('#steps td'), 'Counted when the step before it is done');
    await check(page, 'case-steps');
    await act(
      page,
      'Record a step as done',
      async (p) => {
        await p.getByLabel(/Referral form issued/).check();
      },
      'complete-step',
    );
    await waitText(page.locator('body'), 'Done: record a step as done.');
    await waitText(page.locator('#steps td'), /^\s*complete/);
    await check(page, 'case-step-done');
  });

  it('lists the forms lodged with an escalations mailbox accessibly, from its navigation', async () => {
    const mailbox = await newPage();
    await signIn(mailbox, person(S, null, 'escalations-mailbox'));
    await mailbox.getByRole('link', { name: 'Lodged forms' }).click();
    await waitText(mailbox.locator('h1'), 'Forms lodged with you');
    await check(mailbox, 'lodged-forms');
  });

  it('shows a correction beside the entry it corrects, accessibly', async () => {
    const as = async () => web.stack.as(raiser);
    const raised = await web.stack
      .http()
      .post('/escalations')
      .set('Authorization', await as())
      .send(raiseBody(S, 'SEF-BRW-0004'))
      .expect(201);
    const id = raised.body.id as string;
    const note = await web.stack
      .http()
      .post(`/escalations/${id}/notes`)
      .set('Authorization', await as())
      .send({ text: 'Spoke to the GP on Tuesday.' })
      .expect(200);
    await web.stack
      .http()
      .post(`/escalations/${id}/corrections`)
      .set('Authorization', await as())
      .send({
        corrects: note.body.actionId,
        text: 'Spoke to the GP on Wednesday.',
        reason: 'Wrong day recorded.',
      })
      .expect(201);
    const page = await newPage();
    await signIn(page, raiser, `${base}/cases/${id}`);
    await waitTitle(page, 'Case SEF-BRW-0004 - Resolve');
    // The note reaches the timeline once the worker has projected it; its correction comes with it.
    const corrected = page.locator('li', { has: page.locator('.app-correction') });
    for (let i = 0; i < 50 && (await corrected.count()) === 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
      await page.reload();
    }
    const entry = await corrected.first().innerText();
    expect(entry.indexOf('Spoke to the GP on Wednesday.')).toBeGreaterThan(
      entry.indexOf('Spoke to the GP on Tuesday.'),
    );
    expect(entry).toContain('Spoke to the GP on Tuesday.');
    expect(entry).toContain('Why: Wrong day recorded.');
    await check(page, 'case-correction');
  });

  it('lists a note on its way, then refused when its case closed first, accessibly', async () => {
    const as = async () => web.stack.as(raiser);
    const raised = await web.stack
      .http()
      .post('/escalations')
      .set('Authorization', await as())
      .send(raiseBody(S, 'SEF-BRW-0005'))
      .expect(201);
    const id = raised.body.id as string;
    // Temporal refuses the relay's signal: the note is answered and saved, and stays owed.
    const gateway = web.stack.app.get(EscalationWorkflowGateway);
    const relay = web.stack.app.get(NoteRelay);
    const refusing = jest.spyOn(gateway, 'addNote').mockRejectedValue(new Error('Temporal unreachable'));
    await web.stack
      .http()
      .post(`/escalations/${id}/notes`)
      .set('Authorization', await as())
      .send({ text: 'Left a message for the school nurse.' })
      .expect(200);
    await relay.drained();
    refusing.mockRestore();

    const page = await newPage();
    await signIn(page, raiser, `${base}/cases/${id}`);
    await waitTitle(page, 'Case SEF-BRW-0005 - Resolve');
    const inDelivery = page.locator('.app-notes-in-delivery');
    await waitText(inDelivery, 'Left a message for the school nurse.');
    expect(await inDelivery.innerText()).toContain('On its way');
    await check(page, 'case-note-in-delivery');

    // The case closes, its workflow completes, and only then does the relay reach the note.
    await web.stack
      .http()
      .post(`/escalations/${id}/withdraw`)
      .set('Authorization', await as())
      .send({ reason: 'Resolved at the strategy meeting.' })
      .expect(200);
    await web.stack.env.client.workflow.getHandle(raised.body.workflow.id).result();
    expect([...(await relay.sweep(0)).values()]).toContain('refused');
    await page.reload();
    await waitText(inDelivery, 'Not added: the case had closed');
    expect(await inDelivery.innerText()).toContain('Left a message for the school nurse.');
    // A closed case takes no more notes, so the page no longer offers one.
    expect(await page.getByRole('link', { name: 'Add a note' }).count()).toBe(0);
    await check(page, 'case-note-refused');
  });

  it('checked every page, and no URL carried personal details', () => {
    expect([...checked].sort()).toEqual(
      [
        'sign-in',
        'provider-sign-in',
        'lodged-forms',
        'my-cases-empty',
        'raise',
        'raise-errors',
        'raise-check',
        'raise-timing',
        'raise-timing-errors',
        'raise-timing-check',
        'case-raised',
        'action-refused',
        'acknowledge-form',
        'acknowledge-check',
        'case-acknowledged',
        'plan-form',
        'plan-check',
        'case-resolved',
        'my-cases',
        'dashboard',
        'case-steps',
        'complete-step-form',
        'complete-step-check',
        'case-step-done',
        'case-correction',
        'case-note-in-delivery',
        'case-note-refused',
      ].sort(),
    );
    for (const url of urls) expect(url).not.toMatch(/Browsertestchild|threshold/i);
    expect(cspViolations).toEqual([]);
  });
});
