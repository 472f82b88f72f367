import { person, raiseBody } from './support/harness';
import { startWebStack, titleOf, WebClient, type WebStack } from './web-support';

/**
 * Issue 14: "a line manager follows the link in a real captured breach email and acts". The
 * demonstration protocol's first step lapses after two minutes; the notifier's breach alert
 * reaches the raising agency's line manager through the real SMTP server; its link opens the
 * case after sign-in, and the line manager acts there with a check page.
 */
jest.setTimeout(420_000);

const S = 'sefton-sscp';
const raiser = person(S, 'csc', 'practitioner');
const lineManager = person(S, 'csc', 'line-manager');
const REFERENCE = 'DEMO-WEB-BREACH-0001';

describe('A breach email, followed in the web service', () => {
  let web: WebStack;
  beforeAll(async () => {
    web = await startWebStack();
  });
  afterAll(async () => {
    await web?.stop();
  });

  it("brings the line manager from the breach alert's link to the case, where they act", async () => {
    const raised = await web.stack
      .http()
      .post('/escalations')
      .set('Authorization', await web.stack.as(raiser))
      .send(
        raiseBody('demo', REFERENCE, {
          raisingAgencyId: `${S}-csc`,
          receivingAgencyId: `${S}-police`,
          receivingPersonId: person(S, 'police', 'practitioner'),
        }),
      )
      .expect(201);
    const caseId = raised.body.id as string;

    // The step's two minutes pass with no response: the breach alert goes to the line managers.
    const [alert] = await web.stack.smtp.waitFor(
      (m) =>
        m.to.includes(`csc.line-manager@${S}.resolve.test`) &&
        m.subject.includes(REFERENCE) &&
        /deadline|passed|missed|overdue/i.test(m.subject),
      1,
      240_000,
    );
    const link = /https?:\/\/[^\s"<>]+\/escalations\/[0-9a-f-]{36}/.exec(alert.text)![0];
    expect(link).toContain(caseId);

    // The link's path on this service (the test's notifier names another host).
    const client = new WebClient();
    const landed = await client.signIn(web.baseUrl, lineManager, `${web.baseUrl}${new URL(link).pathname}`);
    expect(landed.url).toBe(`${web.baseUrl}/cases/${caseId}`);
    expect(landed.html).toContain(REFERENCE);

    // At the managers' step the line manager takes the case up a step, with the form's check page.
    const actionLinks = [...landed.html.matchAll(/href="\/cases\/[0-9a-f-]{36}\/actions\/([a-z-]+)"/g)].map(
      (m) => m[1],
    );
    expect(actionLinks).toContain('escalate');
    const form = await client.get(`${web.baseUrl}/cases/${caseId}/actions/escalate`);
    expect(form.status).toBe(200);
    const check = await client.post(`${web.baseUrl}/cases/${caseId}/actions/escalate`, form, {
      _step: 'check',
      reason: 'No plan from the other agency after the alert.',
    });
    expect(titleOf(check)).toMatch(/^Check your answers/);
    const hidden = Object.fromEntries(
      [...check.html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map(([, k, v]) => [
        k,
        v
          .replace(/&amp;/g, '&')
          .replace(/&#39;/g, "'")
          .replace(/&quot;/g, '"'),
      ]),
    );
    const done = await client.request(`${web.baseUrl}/cases/${caseId}/actions/escalate`, {
      form: { ...hidden, _step: 'confirm' },
    });
    expect(done.url).toBe(`${web.baseUrl}/cases/${caseId}`);
    expect(done.html).toContain('No plan from the other agency after the alert.');
    const view = await web.stack
      .http()
      .get(`/escalations/${caseId}`)
      .set('Authorization', await web.stack.as(lineManager))
      .expect(200);
    expect(view.body.tier.number).toBe(3);
  });
});
