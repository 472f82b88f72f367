import { person, raiseBody, startStack, type Stack } from './support/harness';

/**
 * Issue 12: outcomes other than resolved and decided, named by the protocol. Sutton 7.3
 * (sutton-cp-conference version 2): the dissenting agency's designated safeguarding lead does
 * not concur, and the case closes with that outcome, its own timeline entry and its own record.
 */
jest.setTimeout(300_000);

const P = 'sutton-cp-conference';
const S = 'sutton-lscp'; // the partnership
const raiser = person(S, 'csc', 'practitioner');
const lead = person(S, 'csc', 'safeguarding-lead');
const ACCOUNT = 'The lead reviewed the conference minutes and does not share the concern.';

describe('Named closing outcomes (POST /escalations/:id/outcome, records/outcome)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function raise(protocolId: string, reference: string, who: string) {
    const res = await stack
      .http()
      .post('/escalations')
      .set('Authorization', await stack.as(who))
      .send(raiseBody(protocolId, reference))
      .expect(201);
    return res.body.id as string;
  }
  async function outcome(who: string, id: string, body: object) {
    return stack
      .http()
      .post(`/escalations/${id}/outcome`)
      .set('Authorization', await stack.as(who))
      .send(body);
  }
  async function get(who: string, url: string) {
    return stack
      .http()
      .get(url)
      .set('Authorization', await stack.as(who));
  }

  it('closes the case when the designated lead does not concur, with its own record', async () => {
    const id = await raise(P, 'SUT-OUT-0001', raiser);

    const byRaiser = await outcome(raiser, id, { outcome: 'lead-does-not-concur', record: ACCOUNT });
    expect(byRaiser.status).toBe(409);
    expect(byRaiser.body).toMatchObject({ reason: 'not-your-role' });
    expect(byRaiser.body.message).toMatch(/is recorded by the raising agency's safeguarding lead$/);
    expect((await outcome(lead, id, { outcome: 'lead-does-not-concur' })).body).toMatchObject({
      reason: 'account-required',
    });
    expect((await outcome(lead, id, { outcome: 'no-such-outcome', record: ACCOUNT })).body).toMatchObject({
      reason: 'unknown-outcome',
      message: 'outcome must be one of: lead-does-not-concur, not-challenged-further',
    });
    expect(
      (await outcome(lead, id, { outcome: 'not-challenged-further', record: ACCOUNT })).body,
    ).toMatchObject({ reason: 'not-at-this-tier' });
    expect((await outcome(lead, id, {})).status).toBe(400);
    const early = await get(raiser, `/escalations/${id}/records/outcome`);
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ reason: 'outcome-not-available' });

    const done = await outcome(lead, id, { outcome: 'lead-does-not-concur', record: ACCOUNT });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ accepted: true, escalation: { status: 'closed-with-outcome' } });
    expect(JSON.stringify(done.body)).not.toContain('conference minutes');

    let view = (await get(raiser, `/escalations/${id}`)).body;
    for (let i = 0; i < 50 && view.status !== 'closed-with-outcome'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      view = (await get(raiser, `/escalations/${id}`)).body;
    }
    expect(view.status).toBe('closed-with-outcome');
    const types = view.history.map((e: { type: string }) => e.type);
    expect(types.slice(-2)).toEqual(['outcome-recorded', 'closed']);
    expect(view.history.find((e: { type: string }) => e.type === 'outcome-recorded')).toMatchObject({
      detail: { outcome: 'lead-does-not-concur', recordedAs: 'safeguarding-lead' },
    });

    const record = await get(raiser, `/escalations/${id}/records/outcome`);
    expect(record.status).toBe(200);
    expect(record.body.record.outcome).toMatchObject({
      key: 'lead-does-not-concur',
      role: 'safeguarding-lead',
      tier: 1,
      text: ACCOUNT,
      clause: expect.stringMatching(/^004 7\.3/),
    });
    const html = await get(raiser, `/escalations/${id}/records/outcome.html`);
    expect(html.status).toBe(200);
    expect(html.text).toContain('Not taken further: the designated safeguarding lead does not concur');
    expect(html.text).toContain(ACCOUNT);

    const listed = await get(raiser, `/escalations?status=closed-with-outcome`);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((i: { id: string }) => i.id)).toContain(id);
    // Closed: nothing more.
    const after = await outcome(lead, id, { outcome: 'lead-does-not-concur', record: ACCOUNT });
    expect(after.status).toBe(409);
  });

  it('leaves the judgement that an answer is unsatisfactory to the dissenting side (escalatedBy)', async () => {
    const id = await raise(P, 'SUT-OUT-0002', raiser);
    const conferenceLead = person(S, 'police', 'safeguarding-lead');
    const refused = await stack
      .http()
      .post(`/escalations/${id}/escalate`)
      .set('Authorization', await stack.as(conferenceLead))
      .send({ reason: 'We think it should go up.' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ reason: 'not-the-judge' });
    expect(refused.body.message).toMatch(/is judged by the raising agency's safeguarding lead$/);
    const escalated = await stack
      .http()
      .post(`/escalations/${id}/escalate`)
      .set('Authorization', await stack.as(lead))
      .send({ reason: 'The lead concurs with the dissent.' });
    expect(escalated.status).toBe(200);
    expect(escalated.body.escalation.tier).toBe(2);
  });

  it('has no outcome record, and takes no named outcome, under a protocol that names none', async () => {
    const sefton = 'sefton-sscp';
    const who = person(sefton, 'csc', 'practitioner');
    const id = await raise(sefton, 'SEF-OUT-0001', who);
    const record = await get(who, `/escalations/${id}/records/outcome`);
    expect(record.status).toBe(404);
    expect(record.body).toMatchObject({ reason: 'outcome-not-in-protocol' });
    expect(record.body.message).toMatch(/which has no named closing outcomes/);
    expect((await outcome(who, id, { outcome: 'lead-does-not-concur', record: ACCOUNT })).body).toMatchObject(
      {
        reason: 'no-named-outcomes',
      },
    );
  });
});
