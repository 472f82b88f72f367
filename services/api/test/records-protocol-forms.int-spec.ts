import { person, raiseBody, startStack, type Stack } from './support/harness';

/**
 * Issue 12: a case's forms are its own protocol's. Another partnership's form is refused for the
 * case with the reason, and an open case's record says it is open rather than "Closed: Open".
 */
jest.setTimeout(300_000);

describe('Case forms follow the case’s protocol', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function raise(protocolId: string, reference: string) {
    const res = await stack
      .http()
      .post('/escalations')
      .set('Authorization', await stack.as(person(protocolId, 'csc', 'practitioner')))
      .send(raiseBody(protocolId, reference))
      .expect(201);
    return res.body.id as string;
  }

  async function get(personId: string, url: string) {
    return stack
      .http()
      .get(url)
      .set('Authorization', await stack.as(personId));
  }

  it('refuses Sutton’s referral form and BSCB’s monitoring form for a Sefton case, naming why', async () => {
    const P = 'sefton-sscp';
    const raiser = person(P, 'csc', 'practitioner');
    const id = await raise(P, 'SEF-FORMS-01');
    for (const [kind, title] of [
      ['referral-form', 'escalation referral form'],
      ['monitoring-form', 'monitoring form'],
    ]) {
      for (const suffix of ['', '.html']) {
        const res = await get(raiser, `/escalations/${id}/records/${kind}${suffix}`);
        expect(res.status).toBe(404);
        expect(res.body).toMatchObject({
          reason: `${kind}-not-in-protocol`,
          message: `escalation SEF-FORMS-01 runs Sefton SSCP Escalating Concerns: Step by Step (sefton-sscp), which has no ${title}: that form belongs to another partnership's protocol`,
        });
      }
    }
    // Sefton's own forms still answer.
    expect((await get(raiser, `/escalations/${id}/records/summary-log`)).status).toBe(200);
    expect((await get(raiser, `/escalations/${id}/records/report-to-partnership`)).status).toBe(200);
  });

  it('issues the referral form for a Sutton case, and shows an open case as not yet closed', async () => {
    const P = 'sutton-lscp';
    const raiser = person(P, 'csc', 'practitioner');
    const id = await raise(P, 'SUT-FORMS-01');
    const form = await get(raiser, `/escalations/${id}/records/referral-form.html`);
    expect(form.status).toBe(200);
    expect(form.text).toContain(
      '<div class="label">Closed</div><div class="value">Not yet: the case is open</div>',
    );
  });
});
