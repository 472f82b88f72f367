import {
  appointChairIfNeeded,
  escalateTo,
  person,
  raiseBody,
  startStack,
  type Stack,
} from './support/harness';

/**
 * Every human action of the protocol engine, through its own API endpoint, against the real
 * stack. Each test follows one escalation the way a partnership would.
 */
jest.setTimeout(240_000);

describe('Escalation actions through the API', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function raise(protocolId: string, reference: string, extra: Record<string, unknown> = {}) {
    const p = protocolId === 'bscb' ? 'bscb' : protocolId;
    const res = await stack
      .http()
      .post('/escalations')
      .set('Authorization', await stack.as(person(p, 'csc', 'practitioner')))
      .send(raiseBody(protocolId, reference, extra))
      .expect(201);
    return res.body as { id: string; notice?: string };
  }

  async function post(personId: string, id: string, path: string, body: object = {}, status = 200) {
    return stack
      .http()
      .post(`/escalations/${id}/${path}`)
      .set('Authorization', await stack.as(personId))
      .send(body)
      .expect(status);
  }

  async function view(personId: string, id: string) {
    return (
      await stack
        .http()
        .get(`/escalations/${id}`)
        .set('Authorization', await stack.as(personId))
        .expect(200)
    ).body;
  }

  it('acknowledge, respond, note, plan with items, complete an item, escalate with a reason', async () => {
    const P = 'sefton-sscp';
    const raiser = person(P, 'csc', 'practitioner');
    const receiver = person(P, 'police', 'practitioner');
    const { id } = await raise(P, 'SEF-ACT-0001');

    // The raiser cannot acknowledge their own escalation: that would lock the receiver out.
    const ownAck = await post(raiser, id, 'acknowledge', {}, 409);
    expect(ownAck.body.reason).toBe('wrong-side');
    await post(receiver, id, 'acknowledge', { reason: 'Received; will discuss today.' });
    await post(receiver, id, 'acknowledge', {}, 409); // once per tier
    await post(receiver, id, 'respond', { reason: 'We think the threshold is not met yet.' });
    await post(raiser, id, 'respond', {}, 409); // the response comes from the receiving agency
    await post(raiser, id, 'notes', { text: 'Called the DS at 14:00.' });
    // Answered once recorded; in the timeline once the relay has signalled it and it is projected.
    await stack.notesInTimeline();

    const due = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const plan = await post(raiser, id, 'plan', {
      reason: 'Agreed on the phone.',
      items: [
        { what: 'Police to review the referral with the DS', ownerAgencyId: `${P}-police`, dueAt: due },
      ],
    });
    expect(plan.body.accepted).toBe(true);
    // One side's plan is a proposal: its items wait for the other side's agreement.
    let v = await view(raiser, id);
    expect(v.planItems).toHaveLength(1);
    expect(v.planItems[0]).toMatchObject({
      what: 'Police to review the referral with the DS',
      status: 'proposed',
    });
    expect(v.planProposal).toMatchObject({ bySide: 'raising', awaitingSide: 'receiving' });
    const ownAccept = await post(raiser, id, 'plan/accept', {}, 409);
    expect(ownAccept.body.reason).toBe('wrong-side');
    await post(receiver, id, 'plan/accept', { reason: 'Agreed.' });
    v = await view(raiser, id);
    expect(v.planProposal).toBeNull();
    expect(v.planItems[0]).toMatchObject({
      what: 'Police to review the referral with the DS',
      status: 'open',
    });
    await post(receiver, id, `plan-items/${v.planItems[0].id}/complete`, { reason: 'Reviewed.' });
    await post(receiver, id, `plan-items/${v.planItems[0].id}/complete`, {}, 409);
    // Who owns an item is the engine's rule: refused with its reason, and the item not kept.
    const bad = await post(
      raiser,
      id,
      'plan',
      { items: [{ what: 'x', ownerAgencyId: `${P}-school`, dueAt: due }] },
      409,
    );
    expect(bad.body).toMatchObject({ error: 'action-refused', reason: 'plan-item-owner' });
    expect(bad.body.message).toMatch(/one of the two agencies/);
    expect((await view(raiser, id)).planItems).toHaveLength(1);
    const unknownOwner = await post(
      raiser,
      id,
      'plan',
      { items: [{ what: 'x', ownerAgencyId: 'nowhere', dueAt: due }] },
      400,
    );
    expect(unknownOwner.body.message).toMatch(/ownerAgencyId: no such agency/);

    // A reason is required: the engine refuses an escalation without one (it learns only whether one was given).
    const noReason = await post(raiser, id, 'escalate', {}, 409);
    expect(noReason.body.reason).toBe('reason-required');
    expect((await post(raiser, id, 'escalate', { reason: '   ' }, 409)).body.reason).toBe('reason-required');
    const escalated = await post(raiser, id, 'escalate', { reason: 'The plan did not resolve it.' });
    expect(escalated.body.escalation.tier).toBe(2);
    v = await view(raiser, id);
    const types = v.history.map((e: { type: string }) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'acknowledged',
        'responded',
        'note-added',
        'plan-proposed',
        'plan-agreed',
        'plan-item-completed',
        'escalated',
      ]),
    );
    // The reason is kept with the timeline entry, from Postgres.
    expect(v.history.find((e: { type: string }) => e.type === 'escalated').text).toBe(
      'The plan did not resolve it.',
    );
    expect(v.planItems[0].status).toBe('done');
  });

  it('BSCB: the receiving agency sets out a longer timetable and the escalating agency agrees or declines', async () => {
    const P = 'bscb';
    // BSCB stage 1 is between the agencies' supervisors / team managers.
    const raiser = person(P, 'csc', 'line-manager');
    const receiver = person(P, 'police', 'line-manager');
    const { id } = await raise(P, 'BSCB-ACT-0001');
    let v = await view(raiser, id);
    for (let i = 0; i < 50 && !v.deadline; i++) {
      await new Promise((r) => setTimeout(r, 200));
      v = await view(raiser, id);
    }
    const later = new Date(Date.parse(v.deadline.dueAt) + 5 * 86_400_000).toISOString();
    // Proposed by the receiving agency.
    expect((await post(raiser, id, 'extension', { dueAt: later }, 409)).body.reason).toBe('wrong-side');
    // Only the roles stage 1 names act there: a practitioner does not.
    const practitioner = await post(
      person(P, 'police', 'practitioner'),
      id,
      'extension',
      { dueAt: later },
      409,
    );
    expect(practitioner.body.reason).toBe('not-your-tier');
    expect(practitioner.body.message).toMatch(/line manager/);
    await post(receiver, id, 'extension', { dueAt: later, reason: 'Needs a strategy meeting first.' });
    await post(receiver, id, 'extension/accept', {}, 409); // not by the proposer
    await post(raiser, id, 'extension/decline', { reason: 'Too long given the risk.' });
    await post(receiver, id, 'extension', { dueAt: later });
    const accepted = await post(raiser, id, 'extension/accept');
    expect(accepted.body.escalation.dueAt).toBe(later);
    v = await view(raiser, id);
    expect(new Date(v.deadline.dueAt).toISOString()).toBe(later);
    expect(v.history.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(['extension-proposed', 'extension-declined', 'extension-agreed']),
    );
  });

  it('immediate risk fast-tracks and reminds that the statutory route must be used as well', async () => {
    const P = 'bscb';
    const raised = await raise(P, 'BSCB-ACT-0002', { immediateRisk: true });
    expect(raised.notice).toMatch(/not a child protection or adult safeguarding referral/);
    const v = await view(person(P, 'csc', 'practitioner'), raised.id);
    expect(v.immediateRisk).toBe(true);
    expect(v.tier.number).toBe(2); // BSCB's fast track starts at stage 2

    const other = await raise(P, 'BSCB-ACT-0003');
    const flagged = await post(person(P, 'police', 'practitioner'), other.id, 'immediate-risk', {
      reason: 'New information',
    });
    expect(flagged.body.notice).toMatch(/statutory route/);
    expect(flagged.body.escalation).toMatchObject({ immediateRisk: true, tier: 2 });
    await post(person(P, 'police', 'practitioner'), other.id, 'immediate-risk', {}, 409);
  });

  it('meeting, final decision by the chair only, learning referral, and nothing after closure', async () => {
    const P = 'sefton-sscp';
    const raiser = person(P, 'csc', 'practitioner');
    const headOfService = person(P, 'csc', 'head-of-service');
    const chair = person(P, null, 'independent-chair');
    const { id } = await raise(P, 'SEF-ACT-0002');
    // Each step is escalated by the raising side's role that acts there (practitioner, line
    // manager, head of service); the raising practitioner cannot escalate from step 2.
    await post(raiser, id, 'escalate', { reason: 'step 2' });
    const notTheirStep = await post(raiser, id, 'escalate', { reason: 'step 3' }, 409);
    expect(notTheirStep.body.reason).toBe('not-your-tier');
    expect(notTheirStep.body.message).toMatch(/line manager/);
    await escalateTo(stack, P, id, 4);
    expect((await view(raiser, id)).tier.number).toBe(4);
    const at = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const met = await post(chair, id, 'meeting', {
      kind: 'chaired-meeting',
      at,
      reason: 'SSCP chaired meeting',
    });
    expect(met.body.accepted).toBe(true);
    await post(raiser, id, 'decision', { decision: 'x' }, 409);
    // At step 4 an agency refers learning through its head of service, not the practitioner.
    const practitionerRefers = await post(raiser, id, 'learning-referral', {}, 409);
    expect(practitionerRefers.body.reason).toBe('not-your-tier');
    await post(headOfService, id, 'learning-referral', {
      reason: 'Threshold guidance unclear across agencies.',
    });
    expect((await post(headOfService, id, 'learning-referral', {}, 409)).body.reason).toBe(
      'already-referred',
    );
    // Sefton's chair is appointed on the case (from the SSCP Senior Leadership Team); until then
    // nobody records the decision, not even an independent chair of the partnership.
    const unappointed = await post(chair, id, 'decision', { decision: 'x' }, 409);
    expect(unappointed.body.reason).toBe('no-chair-appointed');
    const notAppointer = await post(
      raiser,
      id,
      'chair',
      { chairPersonId: chair, reason: 'Chair for this case.' },
      409,
    );
    expect(notAppointer.body.reason).toBe('not-the-appointer');
    await appointChairIfNeeded(stack, P, id);
    expect((await view(chair, id)).chair).toMatchObject({ personId: chair });
    const decided = await post(chair, id, 'decision', {
      decision: 'A strategy discussion is to be held within 2 working days.',
    });
    expect(decided.body.escalation.status).toBe('decided');
    const v = await view(chair, id);
    expect(v.status).toBe('decided');
    expect(v.history.find((e: { type: string }) => e.type === 'final-decision-recorded').text).toMatch(
      /strategy discussion/,
    );
    const after = await post(raiser, id, 'notes', { text: 'late note' }, 409);
    expect(after.body.message).toMatch(/decided/);
  });

  it('withdraw: only the person who raised it (the engine refuses anyone else)', async () => {
    const P = 'sefton-sscp';
    const { id } = await raise(P, 'SEF-ACT-0003');
    for (const other of [person(P, 'police', 'practitioner'), person(P, null, 'business-manager')]) {
      const refused = await post(other, id, 'withdraw', {}, 409);
      expect(refused.body).toMatchObject({ error: 'action-refused', reason: 'not-the-raiser' });
    }
    // The raiser's line manager is not a party at step 1 (need to know): for them the case does not exist.
    await post(person(P, 'csc', 'line-manager'), id, 'withdraw', {}, 404);
    const withdrawn = await post(person(P, 'csc', 'practitioner'), id, 'withdraw', {
      reason: 'Resolved informally.',
    });
    expect(withdrawn.body.escalation.status).toBe('withdrawn');
  });

  it("Lincolnshire step 4: the SLOs name the route when escalating; the case view offers the protocol's routes", async () => {
    const P = 'lincolnshire-lscp';
    const slo = person(P, 'csc', 'senior-liaison-officer');
    const { id } = await raise(P, 'LIN-ACT-0001');
    await escalateTo(stack, P, id, 3);
    const atStep3 = await view(slo, id);
    expect(atStep3.tier.number).toBe(3);
    expect(atStep3.routeChoices.map((r: { key: string }) => r.key).sort()).toEqual([
      'learning-referral',
      'urgent-chaired-meeting',
    ]);
    expect(atStep3.availableActions).toContain('escalate');
    const unnamed = await post(slo, id, 'escalate', { reason: 'The SLOs could not agree.' }, 409);
    expect(unnamed.body).toMatchObject({ reason: 'route-required' });
    expect(unnamed.body.message).toMatch(/urgent-chaired-meeting or learning-referral/);
    const chosen = await post(slo, id, 'escalate', {
      reason: 'Non-urgent: lessons for the partnership.',
      route: 'learning-referral',
    });
    expect(chosen.body.escalation).toMatchObject({ status: 'referred-for-learning', tier: 4 });
  });

  it("refuses an agency's administrator as the person a concern is raised with", async () => {
    const P = 'sefton-sscp';
    const refused = await stack
      .http()
      .post('/escalations')
      .set('Authorization', await stack.as(person(P, 'csc', 'practitioner')))
      .send(
        raiseBody(P, 'ADMIN-RECV-0001', {
          receivingAgencyId: `${P}-police`,
          receivingPersonId: person(P, 'police', 'agency-administrator'),
        }),
      );
    expect(refused.status).toBe(400);
    expect(refused.body.message).toBe(
      `receivingPersonId: ${person(P, 'police', 'agency-administrator')} holds no role in the cases of agency ${P}-police`,
    );
  });

  it('the demonstration protocol only in a partnership that has enabled it', async () => {
    const P = 'sefton-sscp';
    const raiser = person(P, 'csc', 'practitioner');
    const body = raiseBody('demo', 'DEMO-GATE-0001', {
      raisingAgencyId: `${P}-csc`,
      receivingAgencyId: `${P}-police`,
      receivingPersonId: person(P, 'police', 'practitioner'),
    });
    const admin = await stack.as(person(P, null, 'partnership-administrator'));
    const setDemo = (enabled: unknown, as = admin) =>
      stack.http().put(`/partnerships/${P}/demo-protocol`).set('Authorization', as).send({ enabled });
    // Only the administrator switches it, with a clear error for a bad value.
    expect((await setDemo(false, await stack.as(raiser))).status).toBe(403);
    const bad = await setDemo('no');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/enabled must be true or false/);
    expect((await setDemo(false)).body).toEqual({ partnershipId: P, demoProtocolEnabled: false });
    try {
      const refused = await stack
        .http()
        .post('/escalations')
        .set('Authorization', await stack.as(raiser))
        .send(body);
      expect(refused.status).toBe(400);
      expect(refused.body.message).toMatch(/demonstration protocol \(two-minute steps\) is not enabled/);
    } finally {
      expect((await setDemo(true)).status).toBe(200);
    }
    const switched = (await stack.db.dataSource.query(
      `SELECT detail FROM audit_log WHERE action = 'directory.demo-protocol-set' ORDER BY seq`,
    )) as { detail: { before: { enabled: boolean }; after: { enabled: boolean } } }[];
    expect(switched.map((r) => r.detail.after.enabled)).toEqual([false, true]);
    const allowed = await stack
      .http()
      .post('/escalations')
      .set('Authorization', await stack.as(raiser))
      .send(body);
    expect(allowed.status).toBe(201);
  });
});
