import { actingPerson, escalateTo, person, raiseBody, startStack, type Stack } from './support/harness';

/**
 * Issue 12, protocol fidelity, against the real stack (Postgres, Temporal, SMTP):
 * - Lincolnshire step 4: whether the case is urgent is the SLOs' decision, recorded with a
 *   reason (POST /escalations/:id/urgency), apart from immediate risk; it names step 4's route.
 * - Lincolnshire 001 s117 aftercare: the plan of action names how the step was held, one of the
 *   tier's formats (conductedAs), or is refused naming them.
 */
jest.setTimeout(300_000);

const LSCP = 'lincolnshire-lscp';
const S117 = 'lincolnshire-joint-s117';
const JOINT = 'lincolnshire-lsab-lscp'; // the joint protocols' partnership
const REASON = 'The child is left without a placement from Friday; this cannot wait for the sub-group.';

describe('Urgency decided by the named roles, and how a tier is held (API)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function raise(protocolId: string, partnership: string, reference: string) {
    const res = await stack
      .http()
      .post('/escalations')
      .set('Authorization', await stack.as(person(partnership, 'csc', actingRole(protocolId))))
      .send(raiseBody(protocolId, reference))
      .expect(201);
    return res.body.id as string;
  }
  const actingRole = (protocolId: string) => (protocolId === S117 ? 'line-manager' : 'practitioner');
  async function post(who: string, id: string, path: string, body: object) {
    return stack
      .http()
      .post(`/escalations/${id}/${path}`)
      .set('Authorization', await stack.as(who))
      .send(body);
  }
  async function view(who: string, id: string) {
    return (
      await stack
        .http()
        .get(`/escalations/${id}`)
        .set('Authorization', await stack.as(who))
        .expect(200)
    ).body;
  }
  /** The case view once the workflow has projected an entry of this type (n of them). */
  async function viewWith(who: string, id: string, type: string, n = 1) {
    let v = await view(who, id);
    const count = () => v.history.filter((e: { type: string }) => e.type === type).length;
    for (let i = 0; i < 50 && count() < n; i++) {
      await new Promise((r) => setTimeout(r, 200));
      v = await view(who, id);
    }
    return v;
  }

  it('Lincolnshire: the SLOs decide urgency with a reason; it names step 4; others are refused', async () => {
    const raiser = person(LSCP, 'csc', 'practitioner');
    const sloRaising = person(LSCP, 'csc', 'senior-liaison-officer');
    const sloReceiving = person(LSCP, 'police', 'senior-liaison-officer');
    const id = await raise(LSCP, LSCP, 'LIN-URG-0001');
    // The SLOs are parties from step 3, where they are contacted (need to know): they decide there.
    await escalateTo(stack, LSCP, id, 3);

    const undecided = await view(sloRaising, id);
    expect(undecided.urgency).toMatchObject({ decided: null });
    expect(undecided.urgency.explanation).toMatch(
      /^Not decided yet: the raising agency's senior liaison officer/,
    );
    expect(undecided.availableActions).toContain('decide-urgency');
    expect((await view(raiser, id)).availableActions).not.toContain('decide-urgency');

    const byPractitioner = await post(raiser, id, 'urgency', { urgent: true, reason: REASON });
    expect(byPractitioner.status).toBe(409);
    expect(byPractitioner.body).toMatchObject({ error: 'action-refused', reason: 'not-your-role' });
    expect(byPractitioner.body.message).toMatch(
      /^whether the case is urgent is decided by the raising agency's senior liaison officer, or the receiving agency's senior liaison officer \(000 Step 4/,
    );
    // Bad input: a 400 naming the field; no reason: the engine's refusal.
    const notBoolean = await post(sloRaising, id, 'urgency', { urgent: 'yes', reason: REASON });
    expect(notBoolean.status).toBe(400);
    expect(notBoolean.body.message).toMatch(/urgent/);
    expect((await post(sloRaising, id, 'urgency', {})).status).toBe(400);
    const noReason = await post(sloRaising, id, 'urgency', { urgent: true });
    expect(noReason.status).toBe(409);
    expect(noReason.body).toMatchObject({ reason: 'reason-required' });

    const notUrgent = await post(sloRaising, id, 'urgency', { urgent: false, reason: 'Lessons only.' });
    expect(notUrgent.status).toBe(200);
    expect(notUrgent.body).toMatchObject({
      accepted: true,
      escalation: { urgent: false, immediateRisk: false },
    });
    const urgent = await post(sloReceiving, id, 'urgency', { urgent: true, reason: REASON });
    expect(urgent.status).toBe(200);
    expect(urgent.body.escalation).toMatchObject({ urgent: true, immediateRisk: false });
    // The reason stays in Postgres: the workflow's answer does not carry it.
    expect(JSON.stringify(urgent.body)).not.toContain('placement');

    const decided = await viewWith(sloRaising, id, 'urgency-decided', 2);
    expect(decided.urgency.decided).toMatchObject({
      urgent: true,
      side: 'receiving',
      decidedAs: 'senior-liaison-officer',
      personId: sloReceiving,
    });
    expect(decided.urgency.explanation).toMatch(
      /^Urgent: decided by the receiving agency's senior liaison officer; step 4 is then /,
    );
    const entries = decided.history.filter((e: { type: string }) => e.type === 'urgency-decided');
    expect(entries.map((e: { detail: object }) => e.detail)).toEqual([
      { urgent: false, previous: null, decidedAs: 'senior-liaison-officer' },
      { urgent: true, previous: false, decidedAs: 'senior-liaison-officer' },
    ]);
    expect(entries[1].text).toBe(REASON);

    // The SLOs escalate without naming the route: their decision names it.
    const step4 = await post(sloRaising, id, 'escalate', { reason: 'The SLOs could not resolve it.' });
    expect(step4.status).toBe(200);
    expect(step4.body.escalation).toMatchObject({ tier: 4, route: 'urgent-chaired-meeting', status: 'open' });
    const late = await post(sloReceiving, id, 'urgency', { urgent: false, reason: 'Changed our minds.' });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ reason: 'route-taken' });
  });

  it('Lincolnshire: a route against the decision is refused; elsewhere nobody decides urgency', async () => {
    const sloRaising = person(LSCP, 'csc', 'senior-liaison-officer');
    const id = await raise(LSCP, LSCP, 'LIN-URG-0002');
    await escalateTo(stack, LSCP, id, 3);
    expect((await post(sloRaising, id, 'urgency', { urgent: false, reason: 'Lessons only.' })).status).toBe(
      200,
    );
    const against = await post(sloRaising, id, 'escalate', {
      reason: 'The SLOs could not resolve it.',
      route: 'urgent-chaired-meeting',
    });
    expect(against.status).toBe(409);
    expect(against.body).toMatchObject({ reason: 'route-against-urgency' });
    const referred = await post(sloRaising, id, 'escalate', { reason: 'Lessons for the partnership.' });
    expect(referred.body.escalation).toMatchObject({
      status: 'referred-for-learning',
      route: 'learning-referral',
    });

    const P = 'sefton-sscp';
    const sefton = await raise(P, P, 'SEF-URG-0001');
    const refused = await post(person(P, 'csc', 'practitioner'), sefton, 'urgency', {
      urgent: true,
      reason: REASON,
    });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ reason: 'no-urgency-decision' });
    expect(refused.body.message).toMatch(/^protocol sefton-sscp v\d+ names nobody who decides urgency/);
  });

  it('s117 aftercare: the plan names how the step was held, from the tier’s formats', async () => {
    const id = await raise(S117, JOINT, 'LIN-S117-0001');
    const proposer = actingPerson(S117, 1, 'raising');
    const agreer = actingPerson(S117, 1, 'receiving');
    const items = [
      {
        what: 'Hold a multi-disciplinary meeting on the aftercare plan.',
        ownerAgencyId: `${JOINT}-police`,
        dueAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      },
    ];
    expect((await view(proposer, id)).tierFormats).toEqual([
      'line-manager-intervention',
      'multi-disciplinary-meeting',
    ]);

    const missing = await post(proposer, id, 'plan', { items });
    expect(missing.status).toBe(409);
    expect(missing.body).toMatchObject({ reason: 'format-required' });
    expect(missing.body.message).toMatch(
      /\(heldAs\): line-manager-intervention or multi-disciplinary-meeting/,
    );
    const wrong = await post(proposer, id, 'plan', { items, heldAs: 'discussion' });
    expect(wrong.status).toBe(409);
    expect(wrong.body).toMatchObject({ reason: 'format-not-allowed' });
    expect(wrong.body.message).toMatch(/is held as line-manager-intervention or multi-disciplinary-meeting/);
    const unknown = await post(proposer, id, 'plan', { items, heldAs: 'a-chat' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toMatch(/heldAs/);

    const proposed = await post(proposer, id, 'plan', { items, heldAs: 'multi-disciplinary-meeting' });
    expect(proposed.status).toBe(200);
    expect((await post(agreer, id, 'plan/accept', { reason: 'Agreed.' })).status).toBe(200);
    const v = await viewWith(proposer, id, 'plan-agreed');
    expect(v.history.find((e: { type: string }) => e.type === 'plan-proposed').detail).toMatchObject({
      heldAs: 'multi-disciplinary-meeting',
    });
    expect(v.history.find((e: { type: string }) => e.type === 'plan-agreed').detail).toMatchObject({
      heldAs: 'multi-disciplinary-meeting',
    });

    // Step 4a, decided urgent by the joint protocol's SLO: the chaired meeting names its format too.
    await escalateTo(stack, S117, id, 3);
    const slo = person(JOINT, 'police', 'senior-liaison-officer');
    expect((await post(slo, id, 'urgency', { urgent: true, reason: REASON })).status).toBe(200);
    const at4 = await post(actingPerson(S117, 3, 'raising'), id, 'escalate', { reason: 'Not resolved.' });
    expect(at4.body.escalation).toMatchObject({ tier: 4, route: 'urgent-chaired-meeting' });
    const chair = person(JOINT, null, 'independent-chair');
    const at = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const noFormat = await post(chair, id, 'meeting', { kind: 'chaired-meeting', at });
    expect(noFormat.status).toBe(409);
    expect(noFormat.body).toMatchObject({ reason: 'format-required' });
    const meeting = await post(chair, id, 'meeting', {
      kind: 'chaired-meeting',
      at,
      heldAs: 'line-manager-intervention',
    });
    expect(meeting.status).toBe(200);
    const m = await viewWith(chair, id, 'meeting-scheduled');
    expect(m.meeting).toMatchObject({ kind: 'chaired-meeting', heldAs: 'line-manager-intervention' });
  });
});
