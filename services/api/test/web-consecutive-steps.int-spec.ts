import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { person, raiseBody } from './support/harness';
import { decodeEntities, startWebStack, titleOf, WebClient, type WebStack } from './web-support';

/**
 * The case page of a tier with consecutive deadlines (issue 12): the steps with their owners,
 * due dates and states, the "Record a step as done" action offered to the step's owner only and
 * taken through its check page, and the timeline naming the step. Over HTTP against the real
 * stack, with the test-only two-step protocol in the protocols folder.
 */
jest.setTimeout(300_000);

const S = 'sefton-sscp';
const ID = 'two-step-referral';
const FIXTURE = join(__dirname, '../../../libs/protocols/test-fixtures/two-step-referral.json');
const raiser = person(S, 'csc', 'practitioner');
const receiver = person(S, 'police', 'practitioner');

/** The rows of the steps table, each cell's text. */
function stepRows(html: string): string[][] {
  const table = /<table class="govuk-table" id="steps">[\s\S]*?<\/table>/.exec(html)?.[0] ?? '';
  return [...table.matchAll(/<tr class="govuk-table__row">\s*<td[\s\S]*?<\/tr>/g)].map((row) =>
    [...row[0].matchAll(/<td class="govuk-table__cell">([\s\S]*?)<\/td>/g)].map((cell) =>
      decodeEntities(
        cell[1]
          .replace(/<[^>]+>/g, ' ')
          .replace(/\s+/g, ' ')
          .trim(),
      ),
    ),
  );
}

describe('Web case page with consecutive steps', () => {
  let web: WebStack;
  let base: string;
  const dir = mkdtempSync(join(tmpdir(), 'resolve-web-steps-'));

  beforeAll(async () => {
    copyFileSync(FIXTURE, join(dir, `${ID}.json`));
    web = await startWebStack({ protocolsDir: dir });
    base = web.baseUrl;
  });
  afterAll(async () => {
    await web?.stop();
  });

  it("shows each step's owner, due date and state, and lets only the owner record it done", async () => {
    const raised = await web.stack
      .http()
      .post('/escalations')
      .set('Authorization', await web.stack.as(raiser))
      .send(raiseBody(S, 'STEPS-WEB-0001', { protocolId: ID }))
      .expect(201);
    const caseId = raised.body.id as string;

    const raiserClient = new WebClient();
    await raiserClient.signIn(base, raiser);
    const receiverClient = new WebClient();
    await receiverClient.signIn(base, receiver);

    let page = await raiserClient.get(`${base}/cases/${caseId}`);
    for (let i = 0; i < 50 && !/17:00/.test(stepRows(page.html)[0]?.[2] ?? ''); i++) {
      await new Promise((r) => setTimeout(r, 200));
      page = await raiserClient.get(`${base}/cases/${caseId}`);
    }
    expect(page.html).toContain('Steps at this stage');
    const rows = stepRows(page.html);
    expect(rows).toHaveLength(2);
    expect(rows[0][0]).toMatch(
      /^Referral form issued .*counted as 2 working days from the start of this tier/,
    );
    expect(rows[0][1]).toMatch(/\(practitioner\)$/);
    expect(rows[0][2]).toMatch(/^[A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2} 17:00 \(in /);
    expect(rows[0][3]).toBe('due');
    expect(rows[1][2]).toBe('Counted when the step before it is done');
    expect(rows[1][3]).toBe('waiting for previous step');
    expect(page.html).toContain(`href="/cases/${caseId}/actions/complete-step"`);
    const theirs = await receiverClient.get(`${base}/cases/${caseId}`);
    expect(theirs.html).not.toContain(`href="/cases/${caseId}/actions/complete-step"`);

    // The action page offers the step in progress, with what completes it; then its check page.
    const form = await raiserClient.get(`${base}/cases/${caseId}/actions/complete-step`);
    expect(form.status).toBe(200);
    expect(titleOf(form)).toBe('Record a step as done - Resolve');
    expect(form.html).toContain('Referral form issued: the referral form is issued to the other agency');
    const check = await raiserClient.post(`${base}/cases/${caseId}/actions/complete-step`, form, {
      _step: 'check',
      stepKey: 'form-issued',
      reason: 'Sent by secure email.',
    });
    expect(titleOf(check)).toMatch(/^Check your answers/);
    const hidden = [...check.html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map(
      ([, k, v]) => [k, decodeEntities(v)],
    );
    const done = await raiserClient.request(`${base}/cases/${caseId}/actions/complete-step`, {
      form: { ...Object.fromEntries(hidden), _step: 'confirm' },
    });
    expect(done.url).toBe(`${base}/cases/${caseId}`);
    expect(done.html).toContain('Done: record a step as done.');

    const after = stepRows(done.html);
    expect(after[0][3]).toMatch(/^complete \(/);
    expect(after[1][0]).toContain('from the completion of "Referral form issued"');
    expect(after[1][2]).toMatch(/^[A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2} 17:00 \(in /);
    expect(after[1][3]).toBe('due');
    expect(decodeEntities(done.html)).toContain('Step completed: Referral form issued');
    // Now the reply is the receiver's to record, and no longer the raiser's.
    expect(done.html).not.toContain(`href="/cases/${caseId}/actions/complete-step"`);
    expect((await receiverClient.get(`${base}/cases/${caseId}`)).html).toContain(
      `href="/cases/${caseId}/actions/complete-step"`,
    );
  });
});
