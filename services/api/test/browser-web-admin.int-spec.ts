import { DEMO_SECOND_ADMINISTRATOR } from '@resolve/persistence';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ACTION_PAGES } from '../src/web/case-actions';
import { person, raiseBody } from './support/harness';
import { startWebStack, type WebStack } from './web-support';

/**
 * The pages browser-web.int-spec.ts does not walk through, in Debian's Chromium with axe-core
 * (WCAG 2.0, 2.1 and 2.2, A and AA): every action's form and its check page, the case page
 * with the nature of the concern, the partnership administrator's directory pages (lists,
 * forms with their errors, check pages, the removal confirmation), the "no permission" page;
 * and one whole directory change made with the keyboard alone. Screenshots go to
 * test-artifacts/web-admin/ (git-ignored).
 */
jest.setTimeout(600_000);

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '../../../test-artifacts/web-admin');
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];
const S = 'sefton-sscp';
const raiser = person(S, 'csc', 'practitioner');
const receiver = person(S, 'police', 'practitioner');
const admin = person(S, null, 'partnership-administrator');

interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  nodes: { target: string[] }[];
}

describe('Every form, check page and directory page in a browser, with accessibility checks', () => {
  let web: WebStack;
  let base: string;
  let browser: Browser;
  let caseId: string;
  const contexts: BrowserContext[] = [];
  const checked = new Set<string>();
  const cspViolations: string[] = [];

  beforeAll(async () => {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking'],
    });
    web = await startWebStack();
    base = web.baseUrl;
    mkdirSync(ARTIFACTS, { recursive: true });

    // A case with an agreed plan, so that the plan item form has an item to offer.
    const api = web.stack.http();
    const raised = await api
      .post('/escalations')
      .set('Authorization', await web.stack.as(raiser))
      .send(raiseBody(S, 'SEF-A11Y-0001'))
      .expect(201);
    caseId = raised.body.id;
    await api
      .post(`/escalations/${caseId}/acknowledge`)
      .set('Authorization', await web.stack.as(receiver))
      .send({})
      .expect(200);
    await api
      .post(`/escalations/${caseId}/plan`)
      .set('Authorization', await web.stack.as(raiser))
      .send({
        items: [
          {
            what: 'Hold a strategy discussion',
            ownerAgencyId: `${S}-police`,
            dueAt: new Date(Date.now() + 10 * 86_400_000).toISOString(),
          },
        ],
      })
      .expect(200);
    await api
      .post(`/escalations/${caseId}/plan/accept`)
      .set('Authorization', await web.stack.as(receiver))
      .send({})
      .expect(200);
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
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text()))
        cspViolations.push(`${page.url()}: ${message.text()}`);
    });
    return page;
  }

  /** axe-core in the page: no WCAG 2.0/2.1/2.2 A or AA violation. Screenshot under `name`. */
  async function check(page: Page, name: string) {
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
    await page.waitForURL(start);
  }

  const h1 = async (page: Page) => (await page.locator('h1').innerText()).trim();
  const focusedId = (page: Page) => page.evaluate('document.activeElement && document.activeElement.id');
  const focusedText = (page: Page) =>
    page.evaluate('document.activeElement && document.activeElement.textContent.trim()') as Promise<string>;

  /** Presses Tab until the focused element is this one (by id, or by its text); fails after 80 stops. */
  async function tabTo(page: Page, target: { id?: string; text?: string }) {
    for (let i = 0; i < 80; i++) {
      await page.keyboard.press('Tab');
      if (target.id && (await focusedId(page)) === target.id) return;
      if (target.text && (await focusedText(page)) === target.text) return;
    }
    throw new Error(`Tab never reached ${JSON.stringify(target)}`);
  }

  /**
   * Fills an action's form with answers the form accepts: each text box, the first plan item
   * (what, owner, a date in ten days), each other date in ten days, the first choice of each
   * set of radios. Further plan items stay empty, as they are optional.
   */
  async function fillActionForm(page: Page) {
    const due = new Date(Date.now() + 10 * 86_400_000);
    const form = page.locator('main form');
    for (const box of await form.locator('textarea').all()) {
      if (/^item[12]-/.test((await box.getAttribute('name')) ?? '')) continue;
      await box.fill('Agreed at the professionals meeting.');
    }
    for (const select of await form.locator('select').all()) {
      if (/^item[12]-/.test((await select.getAttribute('name')) ?? '')) continue;
      await select.selectOption({ index: 1 });
    }
    for (const input of await form
      .locator('input[name$="-day"], input[name$="-month"], input[name$="-year"]')
      .all()) {
      const name = (await input.getAttribute('name')) ?? '';
      if (/^item[12]-/.test(name)) continue;
      const part = name.slice(name.lastIndexOf('-') + 1);
      await input.fill(
        String(
          part === 'day' ? due.getUTCDate() : part === 'month' ? due.getUTCMonth() + 1 : due.getUTCFullYear(),
        ),
      );
    }
    const radioNames = new Set<string>();
    for (const radio of await form.locator('input[type="radio"]').all())
      radioNames.add((await radio.getAttribute('name')) ?? '');
    for (const name of radioNames) await form.locator(`input[type="radio"][name="${name}"]`).first().check();
  }

  const unreachableCheckPages: string[] = [];

  it("passes axe on the case page with the concern, and on every action's form and check page", async () => {
    const page = await newPage();
    await signIn(page, raiser, `${base}/cases/${caseId}`);
    await page.locator('#nature-of-concern').waitFor();
    expect(await page.locator('#nature-of-concern').innerText()).toContain(
      'threshold for a strategy discussion',
    );
    // The plan's item comes through the workflow's projection a moment after it is agreed.
    for (
      let i = 0;
      i < 50 && !(await page.locator('main').innerText()).includes('Hold a strategy discussion');
      i++
    ) {
      await new Promise((r) => setTimeout(r, 200));
      await page.reload();
    }
    await check(page, 'case-with-concern');

    for (const kind of Object.keys(ACTION_PAGES)) {
      await page.goto(`${base}/cases/${caseId}/actions/${kind}`);
      expect(await h1(page)).toBe(ACTION_PAGES[kind as keyof typeof ACTION_PAGES].title);
      await check(page, `action-${kind}-form`);
      // Sent empty: the error summary, and the title's "Error: " prefix, where anything is required.
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.locator('h1').waitFor();
      if (await page.locator('.govuk-error-summary').count()) {
        expect(await page.title()).toMatch(/^Error: /);
        await check(page, `action-${kind}-errors`);
        await fillActionForm(page);
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.locator('h1').waitFor();
      }
      if ((await h1(page)).startsWith('Check your answers')) await check(page, `action-${kind}-check`);
      else unreachableCheckPages.push(kind);
    }
    // Only the chair's appointment needs a choice this person is not offered at this step, a
    // named closing outcome one Sefton's protocol does not name, and a step of a tier, which
    // Sefton's tiers do not have (the steps' form and check page are checked on the two-step
    // protocol in browser-web.int-spec.ts).
    expect(unreachableCheckPages).toEqual(['complete-step', 'appoint-chair', 'record-outcome']);
  });

  it('passes axe on the directory pages, and adds an agency with the keyboard alone', async () => {
    const page = await newPage();
    await signIn(page, admin);
    await page.getByRole('link', { name: 'Directory' }).click();
    await page.waitForURL(`${base}/directory`);
    await check(page, 'directory-agencies');
    await page.getByRole('link', { name: 'People', exact: true }).click();
    await page.waitForURL(`${base}/directory/people`);
    await check(page, 'directory-people');
    await page.goto(`${base}/directory/agencies/${S}-police`);
    await check(page, 'directory-agency');

    // Keyboard only: from the agencies page to the new agency, through the errors and the check page.
    await page.goto(`${base}/directory`);
    await tabTo(page, { text: 'Add an agency' });
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/directory/add-agency`);
    await check(page, 'directory-add-agency-form');
    await tabTo(page, { text: 'Continue' });
    await page.keyboard.press('Enter');
    await page.locator('.govuk-error-summary').waitFor();
    expect(await page.title()).toBe('Error: Add an agency - Resolve');
    await check(page, 'directory-add-agency-errors');
    // GOV.UK Frontend puts the focus on the error summary; its first link leads to the field.
    await tabTo(page, { text: 'Enter agency name' });
    await page.keyboard.press('Enter');
    expect(await focusedId(page)).toBe('name');
    await page.keyboard.type('Sefton Housing Partnership');
    await page.keyboard.press('Tab');
    expect(await focusedId(page)).toBe('id');
    await page.keyboard.type('sefton-sscp-housing');
    await page.keyboard.press('Tab');
    expect(await focusedId(page)).toBe('kind');
    // Arrow keys move through a set of radios and choose as they go.
    for (let i = 0; i < 6; i++) await page.keyboard.press('ArrowDown');
    expect(await page.locator('input[name="kind"]:checked').getAttribute('value')).toBe('housing');
    await tabTo(page, { text: 'Continue' });
    await page.keyboard.press('Enter');
    await page.locator('h1', { hasText: 'Check your answers' }).waitFor();
    await check(page, 'directory-add-agency-check');
    await tabTo(page, { text: 'Confirm' });
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/directory/agencies/sefton-sscp-housing`);
    expect(await page.locator('.govuk-notification-banner').innerText()).toContain('Agency added.');
    await check(page, 'directory-agency-added');

    // Adding a person, with the service's own refusal shown against its field.
    await page.goto(`${base}/directory/add-person`);
    await check(page, 'directory-add-person-form');
    await page.getByLabel('Full name').fill('Robin Keyboardtest');
    await page.getByLabel('Email address').fill('robin.keyboardtest@housing.example');
    await page.getByLabel('Text message (SMS)').check();
    await page.getByLabel('Directory id').fill('sefton-sscp-housing-officer-0001');
    await page.getByLabel('Sign-in subject').fill('entra-oid-0001');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('h1', { hasText: 'Check your answers' }).waitFor();
    await check(page, 'directory-add-person-check');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.locator('.govuk-error-summary').waitFor();
    expect(await page.locator('.govuk-error-summary').innerText()).toContain(
      'Mobile phone number: required when channels include sms',
    );
    await check(page, 'directory-add-person-refused');
    await page.getByLabel('Mobile phone number').fill('+447700900456');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.locator('.govuk-notification-banner', { hasText: 'Person added.' }).waitFor();
    await check(page, 'directory-person');
    expect(page.url()).not.toMatch(/robin|keyboardtest|officer/i);
    const personUrl = page.url();

    await page.getByRole('link', { name: 'Change contact details' }).click();
    await check(page, 'directory-contact-form');
    await page.goBack();
    await page.getByRole('button', { name: 'Give a role in an agency' }).click();
    await check(page, 'directory-agency-role-form');
    await page.getByLabel('Agency', { exact: true }).selectOption('sefton-sscp-housing');
    await page.getByLabel('line manager').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('h1', { hasText: 'Check your answers' }).waitFor();
    await check(page, 'directory-agency-role-check');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.locator('.govuk-notification-banner', { hasText: 'Role requested.' }).waitFor();
    // The role waits for a second administrator (four eyes), who approves it on their own list.
    await page.goto(`${base}/directory/people`);
    await page.getByRole('link', { name: 'Roles waiting for approval' }).click();
    await page.waitForURL(`${base}/directory/role-requests`);
    await check(page, 'directory-role-requests-own');
    const second = await newPage();
    await signIn(second, person(S, null, DEMO_SECOND_ADMINISTRATOR), `${base}/directory/role-requests`);
    await check(second, 'directory-role-requests');
    await second.getByRole('button', { name: 'Approve line manager for Robin Keyboardtest' }).click();
    await second.locator('.govuk-notification-banner', { hasText: 'Role approved and given.' }).waitFor();
    await check(second, 'directory-role-approved');
    await page.goto(personUrl);
    await page.getByRole('button', { name: 'Give a partnership role' }).click();
    await check(page, 'directory-partnership-role-form');
    await page.goBack();
    await page.getByRole('link', { name: 'Change line manager' }).click();
    await check(page, 'directory-line-manager-form');
    await page.goBack();
    await page
      .getByRole('link', { name: /^Remove/ })
      .first()
      .click();
    await page.locator('h1', { hasText: 'Are you sure' }).waitFor();
    await check(page, 'directory-remove-role');
    await page.getByRole('button', { name: 'Remove the role' }).click();
    await page.locator('.govuk-notification-banner', { hasText: 'Role removed.' }).waitFor();
  });

  it('shows others the "no permission" page, which passes axe too', async () => {
    const page = await newPage();
    await signIn(page, raiser);
    expect(await page.getByRole('link', { name: 'Directory' }).count()).toBe(0);
    const response = await page.goto(`${base}/directory`);
    expect(response?.status()).toBe(403);
    expect(await h1(page)).toBe('You do not have permission to see this page');
    await check(page, 'no-permission');
  });

  it("passes axe on the business manager's disputes report, with its errors", async () => {
    const page = await newPage();
    await signIn(page, person(S, null, 'business-manager'));
    await page.goto(`${base}/dashboard`);
    await page.getByRole('link', { name: /Disputes report for a period/ }).click();
    await page.locator('h1', { hasText: 'Disputes report' }).waitFor();
    await check(page, 'disputes-report');
    const from = page.locator('fieldset', { hasText: 'From' });
    await from.getByLabel('Day').fill('31');
    await from.getByLabel('Month').fill('2');
    await from.getByLabel('Year').fill('2026');
    await page.getByRole('button', { name: 'Show the report' }).click();
    await page.locator('.govuk-error-summary').waitFor();
    expect(await page.title()).toBe('Error: Disputes report - Resolve');
    await check(page, 'disputes-report-errors');
  });

  it('checked every page it meant to', () => {
    const actionPages = Object.keys(ACTION_PAGES).flatMap((kind) => [
      `action-${kind}-form`,
      ...(unreachableCheckPages.includes(kind) ? [] : [`action-${kind}-check`]),
    ]);
    for (const name of [
      'case-with-concern',
      ...actionPages,
      'directory-agencies',
      'directory-people',
      'directory-agency',
      'directory-add-agency-form',
      'directory-add-agency-errors',
      'directory-add-agency-check',
      'directory-agency-added',
      'directory-add-person-form',
      'directory-add-person-check',
      'directory-add-person-refused',
      'directory-person',
      'directory-contact-form',
      'directory-agency-role-form',
      'directory-agency-role-check',
      'directory-role-requests-own',
      'directory-role-requests',
      'directory-role-approved',
      'directory-partnership-role-form',
      'directory-line-manager-form',
      'directory-remove-role',
      'no-permission',
      'disputes-report',
      'disputes-report-errors',
    ])
      expect({ name, checked: checked.has(name) }).toEqual({ name, checked: true });
    expect(cspViolations).toEqual([]);
  });
});
