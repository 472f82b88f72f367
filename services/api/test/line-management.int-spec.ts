import { DEMO_SECOND_ADMINISTRATOR } from '@resolve/persistence';
import { person, raiseBody, startStack, type Stack } from './support/harness';

/**
 * "Each professional should discuss the issue with their line manager" (Sefton and Lincolnshire
 * step 2): the directory records who line-manages whom, and at that step a line manager acts
 * for a side only as the own line manager of that side's professional, when one is recorded.
 */
jest.setTimeout(240_000);

describe('Line management: "their line manager" at step 2', () => {
  let stack: Stack;
  const P = 'sefton-sscp';
  const admin = person(P, null, 'partnership-administrator');
  const raiser = person(P, 'csc', 'practitioner');
  const agencyLineManager = person(P, 'csc', 'line-manager');
  const ownLineManager = 'sefton-csc-team-manager-b';

  beforeAll(async () => {
    stack = await startStack();
    // A second line manager in the raising agency, who line-manages the raiser.
    const auth = await stack.as(admin);
    await stack
      .http()
      .post(`/partnerships/${P}/people`)
      .set('Authorization', auth)
      .send({
        id: ownLineManager,
        displayName: 'Team Manager B',
        email: 'tm-b@csc.resolve.test',
        channels: ['email'],
        identitySubject: ownLineManager,
      })
      .expect(201);
    const asked = await stack
      .http()
      .post(`/people/${ownLineManager}/agency-roles`)
      .set('Authorization', auth)
      .send({ agencyId: `${P}-csc`, role: 'line-manager' })
      .expect(202);
    // Given once a second administrator approves (the four-eyes rule).
    await stack
      .http()
      .post(`/role-requests/${asked.body.request.id}/approve`)
      .set('Authorization', await stack.as(person(P, null, DEMO_SECOND_ADMINISTRATOR)))
      .expect(200);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const setLineManager = async (personId: string, body: object, status: number) =>
    stack
      .http()
      .put(`/people/${personId}/line-manager`)
      .set('Authorization', await stack.as(admin))
      .send(body)
      .expect(status);

  it('records the relation with clear refusals, and audits it with before and after', async () => {
    const self = await setLineManager(raiser, { lineManagerId: raiser }, 400);
    expect(self.body.message).toMatch(/cannot be their own line manager/);
    const unknown = await setLineManager(raiser, { lineManagerId: 'nobody-here' }, 400);
    expect(unknown.body.message).toMatch(/no person "nobody-here" in partnership sefton-sscp/);
    const missing = await setLineManager(raiser, {}, 400);
    expect(missing.body.message).toMatch(/lineManagerId/);
    const peer = await setLineManager(raiser, { lineManagerId: person(P, 'csc', 'practitioner') }, 400);
    expect(peer.body.message).toMatch(/own line manager/);
    const otherAgency = await setLineManager(
      raiser,
      { lineManagerId: person(P, 'police', 'line-manager') },
      400,
    );
    expect(otherAgency.body.message).toMatch(/holds no role above practitioner in an agency where/);
    const notAdmin = await stack
      .http()
      .put(`/people/${raiser}/line-manager`)
      .set('Authorization', await stack.as(agencyLineManager))
      .send({ lineManagerId: agencyLineManager })
      .expect(403);
    expect(notAdmin.body.message).toMatch(/only the partnership administrator/);

    await setLineManager(raiser, { lineManagerId: ownLineManager }, 200);
    // Nobody manages themselves through a chain.
    const loop = await setLineManager(ownLineManager, { lineManagerId: raiser }, 400);
    expect(loop.body.message).toMatch(/already line-manages/);

    const listed = (
      await stack
        .http()
        .get(`/partnerships/${P}/people`)
        .set('Authorization', await stack.as(admin))
        .expect(200)
    ).body.find((p: { id: string }) => p.id === raiser);
    expect(listed.lineManagerId).toBe(ownLineManager);
    const audit = (await stack.db.dataSource.query(
      `SELECT detail FROM audit_log WHERE action = 'directory.line-manager-set' ORDER BY seq`,
    )) as { detail: Record<string, unknown> }[];
    expect(audit.map((r) => r.detail)).toEqual([
      { personId: raiser, before: { lineManagerId: null }, after: { lineManagerId: ownLineManager } },
    ]);
  });

  it("lets only the raiser's own line manager act for the raising side at step 2", async () => {
    await setLineManager(raiser, { lineManagerId: ownLineManager }, 200);
    const raised = await stack
      .http()
      .post('/escalations')
      .set('Authorization', await stack.as(raiser))
      .send(raiseBody(P, 'SEF-LM-0001'))
      .expect(201);
    const id = raised.body.id as string;
    await stack
      .http()
      .post(`/escalations/${id}/escalate`)
      .set('Authorization', await stack.as(raiser))
      .send({ reason: 'Not resolved between practitioners' })
      .expect(200);

    const view = async (who: string) =>
      (
        await stack
          .http()
          .get(`/escalations/${id}`)
          .set('Authorization', await stack.as(who))
          .expect(200)
      ).body;
    expect((await view(raiser)).tier.number).toBe(2);
    // What each is offered follows the rule: the agency's other line manager is offered nothing
    // at this step, the raiser's own line manager is.
    expect((await view(agencyLineManager)).availableActions).not.toContain('resolve');
    expect((await view(ownLineManager)).availableActions).toContain('resolve');

    const resolveBySomeoneElse = await stack
      .http()
      .post(`/escalations/${id}/resolve`)
      .set('Authorization', await stack.as(agencyLineManager))
      .send({ reason: 'Resolved' })
      .expect(409);
    expect(resolveBySomeoneElse.body.reason).toBe('not-your-tier');
    expect(resolveBySomeoneElse.body.message).toMatch(
      /own line manager of the professional who raised it, and the directory records another person/,
    );

    // The receiving side has no line manager recorded: any of its line managers acts, as before.
    const receivingLineManager = person(P, 'police', 'line-manager');
    expect((await view(receivingLineManager)).availableActions).toContain('acknowledge');

    await stack
      .http()
      .post(`/escalations/${id}/resolve`)
      .set('Authorization', await stack.as(ownLineManager))
      .send({ reason: 'Resolved between the managers' })
      .expect(200);
    // Resolution is agreed by both sides: the receiving side's line manager agrees it.
    await stack
      .http()
      .post(`/escalations/${id}/resolve`)
      .set('Authorization', await stack.as(receivingLineManager))
      .send({ reason: 'Agreed' })
      .expect(200);
    expect((await view(raiser)).status).toBe('resolved');
  });
});
