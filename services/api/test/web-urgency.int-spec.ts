import { escalateTo, person, raiseBody } from './support/harness';
import {
  decodeEntities,
  errorSummaryOf,
  startWebStack,
  titleOf,
  WebClient,
  type Page,
  type WebStack,
} from './web-support';

/**
 * Issue 12, Lincolnshire step 4: the SLOs decide whether the case is urgent through the web
 * service (GOV.UK form, error summary, check page), and the case page says where its urgency
 * comes from. Real stack: Postgres, Temporal, SMTP, the local OpenID provider.
 */
jest.setTimeout(300_000);

const L = 'lincolnshire-lscp';
const practitioner = person(L, 'csc', 'practitioner');
const slo = person(L, 'csc', 'senior-liaison-officer');
const REASON = 'The placement ends on Friday; this cannot wait for the sub-group.';

describe('Web: deciding urgency (Lincolnshire)', () => {
  let web: WebStack;
  let base: string;
  beforeAll(async () => {
    web = await startWebStack({ partnerships: [{ id: L, name: 'Lincolnshire' }] });
    base = web.baseUrl;
  });
  afterAll(async () => {
    await web?.stop();
  });

  /** Sends an action's form to its check page, then confirms it. */
  async function act(client: WebClient, caseId: string, kind: string, answers: Record<string, string>) {
    const url = `${base}/cases/${caseId}/actions/${kind}`;
    const form = await client.get(url);
    expect(form.status).toBe(200);
    const check = await client.post(url, form, { _step: 'check', ...answers });
    if (check.status !== 200) return check;
    expect(titleOf(check)).toMatch(/^Check your answers/);
    const hidden = [...check.html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map(
      ([, k, v]) => [k, decodeEntities(v)],
    );
    return client.request(url, { form: { ...Object.fromEntries(hidden), _step: 'confirm' } });
  }
  const text = (page: Page) => decodeEntities(page.html.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');

  it('the SLO decides with a reason; the case page shows the decision and where urgency comes from', async () => {
    const raised = await fetch(`${base}/escalations`, {
      method: 'POST',
      headers: { authorization: await web.stack.as(practitioner), 'content-type': 'application/json' },
      body: JSON.stringify(raiseBody(L, 'LIN-WEB-URG-1')),
    });
    expect(raised.status).toBe(201);
    const id = ((await raised.json()) as { id: string }).id;
    await escalateTo(web.stack, L, id, 3);

    const client = new WebClient();
    await client.signIn(base, slo);
    const before = await client.get(`${base}/cases/${id}`);
    expect(before.status).toBe(200);
    expect(text(before)).toMatch(/Urgency Not decided yet: the raising agency's senior liaison officer/);
    expect(before.html).toContain(`/cases/${id}/actions/decide-urgency`);

    const form = await client.get(`${base}/cases/${id}/actions/decide-urgency`);
    expect(titleOf(form)).toBe('Decide whether the case is urgent - Resolve');
    const empty = await client.post(`${base}/cases/${id}/actions/decide-urgency`, form, { _step: 'check' });
    expect(empty.status).toBe(400);
    expect(titleOf(empty)).toBe('Error: Decide whether the case is urgent - Resolve');
    expect(errorSummaryOf(empty)).toEqual([
      'Select whether urgent resolution is required',
      'Enter why you decided this',
    ]);

    const done = await act(client, id, 'decide-urgency', { urgent: 'yes', reason: REASON });
    expect(done.url).toBe(`${base}/cases/${id}`);
    let page = done;
    for (let i = 0; i < 50 && !text(page).includes('Urgency decided: urgent'); i++) {
      await new Promise((r) => setTimeout(r, 200));
      page = await client.get(`${base}/cases/${id}`);
    }
    expect(text(page)).toContain('Urgency decided: urgent');
    expect(text(page)).toContain(REASON);
    expect(text(page)).toMatch(
      /Urgency Urgent: decided by the raising agency's senior liaison officer; step 4 is then /,
    );

    // The practitioner is not offered it, and the engine's refusal names who decides.
    const other = new WebClient();
    await other.signIn(base, practitioner);
    expect((await other.get(`${base}/cases/${id}`)).html).not.toContain('/actions/decide-urgency');
    const refused = await act(other, id, 'decide-urgency', { urgent: 'no', reason: 'Not urgent, we think.' });
    expect(refused.status).toBe(409);
    expect(errorSummaryOf(refused)[0]).toMatch(
      /^Whether the case is urgent is decided by the raising agency's senior liaison officer, or the receiving agency's senior liaison officer/,
    );
  });
});
