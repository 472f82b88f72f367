import { DEMO_SECOND_ADMINISTRATOR } from '@resolve/persistence';
import { person, startStack, type Stack } from './support/harness';

/** The partnership administrator runs the directory through the API; others read names and roles. */
jest.setTimeout(180_000);

describe('Directory API', () => {
  let stack: Stack;
  const P = 'sefton-sscp';
  const admin = person(P, null, 'partnership-administrator');
  const practitioner = person(P, 'csc', 'practitioner');
  const secondAdmin = person(P, null, DEMO_SECOND_ADMINISTRATOR);

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('lets the administrator add an agency, a person and their roles, and names the escalation contacts', async () => {
    const auth = await stack.as(admin);
    await stack
      .http()
      .post(`/partnerships/${P}/agencies`)
      .set('Authorization', auth)
      .send({ id: 'sefton-probation', name: 'Probation Service', kind: 'probation' })
      .expect(201);
    const created = await stack
      .http()
      .post(`/partnerships/${P}/people`)
      .set('Authorization', auth)
      .send({
        id: 'sefton-probation-slo',
        displayName: 'Probation SLO',
        email: 'slo@probation.resolve.test',
        phone: '+447700900999',
        channels: ['email', 'sms'],
        identitySubject: 'idp|slo-probation',
      })
      .expect(201);
    expect(created.body).toMatchObject({ id: 'sefton-probation-slo', channels: ['email', 'sms'] });
    const asked = await stack
      .http()
      .post('/people/sefton-probation-slo/agency-roles')
      .set('Authorization', auth)
      .send({ agencyId: 'sefton-probation', role: 'senior-liaison-officer' })
      .expect(202);
    expect(asked.body.request).toMatchObject({ status: 'pending', requestedBy: admin });
    // The same request twice: already waiting.
    await stack
      .http()
      .post('/people/sefton-probation-slo/agency-roles')
      .set('Authorization', auth)
      .send({ agencyId: 'sefton-probation', role: 'senior-liaison-officer' })
      .expect(409);
    await stack
      .http()
      .post(`/role-requests/${asked.body.request.id}/approve`)
      .set('Authorization', await stack.as(secondAdmin))
      .expect(200);
    // Held now: asking again is a conflict.
    await stack
      .http()
      .post('/people/sefton-probation-slo/agency-roles')
      .set('Authorization', auth)
      .send({ agencyId: 'sefton-probation', role: 'senior-liaison-officer' })
      .expect(409);

    const agency = await stack
      .http()
      .get('/agencies/sefton-probation')
      .set('Authorization', await stack.as(practitioner))
      .expect(200);
    expect(agency.body.seniorLiaisonOfficers).toEqual([
      { role: 'senior-liaison-officer', personId: 'sefton-probation-slo', displayName: 'Probation SLO' },
    ]);

    const patched = await stack
      .http()
      .patch('/people/sefton-probation-slo')
      .set('Authorization', auth)
      .send({ channels: ['sms'], smsOutOfHours: true })
      .expect(200);
    expect(patched.body).toMatchObject({ channels: ['sms'], smsOutOfHours: true });
  });

  it('gives a role only when a second administrator approves it (four eyes), each step audited', async () => {
    const first = await stack.as(admin);
    const second = await stack.as(secondAdmin);
    const grantee = person(P, 'school', 'practitioner');
    const asked = await stack
      .http()
      .post(`/people/${grantee}/partnership-roles`)
      .set('Authorization', first)
      .send({ role: 'business-manager' })
      .expect(202);
    const requestId = asked.body.request.id as string;
    const holds = async () =>
      (
        (await stack.db.dataSource.query(
          `SELECT count(*)::int AS n FROM partnership_role WHERE person_id = $1 AND role = 'business-manager'`,
          [grantee],
        )) as { n: number }[]
      )[0].n;
    // Asked for, not given: the grantee still reads no case as a business manager.
    expect(await holds()).toBe(0);
    const waiting = await stack
      .http()
      .get(`/partnerships/${P}/role-requests`)
      .set('Authorization', second)
      .expect(200);
    expect(waiting.body).toEqual([
      expect.objectContaining({ id: requestId, personId: grantee, role: 'business-manager' }),
    ]);
    // Others may not even see the list.
    await stack
      .http()
      .get(`/partnerships/${P}/role-requests`)
      .set('Authorization', await stack.as(practitioner))
      .expect(403);

    // The one who asked cannot approve; neither can a non-administrator; a made-up id is a 404.
    const own = await stack
      .http()
      .post(`/role-requests/${requestId}/approve`)
      .set('Authorization', first)
      .expect(403);
    expect(own.body.message).toBe(
      'the administrator who asked for a role cannot approve it; another partnership administrator must',
    );
    await stack
      .http()
      .post(`/role-requests/${requestId}/approve`)
      .set('Authorization', await stack.as(grantee))
      .expect(403);
    await stack.http().post('/role-requests/not-a-request/approve').set('Authorization', second).expect(404);
    expect(await holds()).toBe(0);

    const approved = await stack
      .http()
      .post(`/role-requests/${requestId}/approve`)
      .set('Authorization', second)
      .expect(200);
    expect(approved.body).toMatchObject({
      personId: grantee,
      role: 'business-manager',
      request: { status: 'approved' },
    });
    expect(await holds()).toBe(1);
    // Once only: a second approval finds it decided.
    await stack.http().post(`/role-requests/${requestId}/approve`).set('Authorization', second).expect(409);

    // A request for a role for the second administrator themself: they cannot approve it.
    const forSecond = await stack
      .http()
      .post(`/people/${secondAdmin}/agency-roles`)
      .set('Authorization', first)
      .send({ agencyId: `${P}-csc`, role: 'head-of-service' })
      .expect(202);
    const mine = await stack
      .http()
      .post(`/role-requests/${forSecond.body.request.id}/approve`)
      .set('Authorization', second)
      .expect(403);
    expect(mine.body.message).toMatch(/cannot grant a role to their own account/);
    // Declined instead, by either.
    await stack
      .http()
      .post(`/role-requests/${forSecond.body.request.id}/decline`)
      .set('Authorization', second)
      .expect(200);
    expect(
      (await stack.http().get(`/partnerships/${P}/role-requests`).set('Authorization', first)).body,
    ).toEqual([]);

    const trail = (await stack.db.dataSource.query(
      `SELECT action, outcome, person_id AS "personId", detail FROM audit_log
        WHERE action LIKE 'directory.%' AND detail->>'requestId' IN ($1, $2) ORDER BY seq`,
      [requestId, forSecond.body.request.id],
    )) as { action: string; outcome: number; personId: string; detail: Record<string, unknown> }[];
    expect(trail.map((r) => [r.action, r.outcome, r.personId])).toEqual([
      ['directory.role-requested', 200, admin],
      ['directory.grant-refused', 403, admin],
      ['directory.role-granted', 200, secondAdmin],
      ['directory.role-requested', 200, admin],
      ['directory.grant-refused', 403, secondAdmin],
      ['directory.role-request-declined', 200, secondAdmin],
    ]);
    expect(trail[2].detail).toMatchObject({ requestedBy: admin, approvedBy: secondAdmin, before: null });
  });

  it("refuses an administrator's grant to their own account, and audits every change with before and after", async () => {
    const auth = await stack.as(admin);
    const selfAgency = await stack
      .http()
      .post(`/people/${admin}/agency-roles`)
      .set('Authorization', auth)
      .send({ agencyId: `${P}-csc`, role: 'head-of-service' })
      .expect(403);
    expect(selfAgency.body.message).toMatch(/cannot grant a role to their own account/);
    await stack
      .http()
      .post(`/people/${admin}/partnership-roles`)
      .set('Authorization', auth)
      .send({ role: 'business-manager' })
      .expect(403);
    // Nothing was granted: the administrator still sees no case.
    const roles = (await stack.db.dataSource.query(
      `SELECT count(*)::int AS n FROM agency_role WHERE person_id = $1`,
      [admin],
    )) as { n: number }[];
    expect(roles).toEqual([{ n: 0 }]);

    // A change of someone's alert address shows what it was and what it became.
    const target = person(P, 'police', 'practitioner');
    const before = (
      await stack.http().get(`/partnerships/${P}/people`).set('Authorization', auth).expect(200)
    ).body.find((p: { id: string }) => p.id === target);
    await stack
      .http()
      .patch(`/people/${target}`)
      .set('Authorization', auth)
      .send({ email: 'someone.else@resolve.test' })
      .expect(200);
    const rows = (await stack.db.dataSource.query(
      `SELECT action, outcome, person_id AS "personId", detail FROM audit_log WHERE action LIKE 'directory.%' ORDER BY seq`,
    )) as { action: string; outcome: number; personId: string; detail: Record<string, any> }[];
    const selfGrants = rows.filter(
      (r) =>
        r.action === 'directory.grant-refused' && r.personId === admin && r.detail.refused === 'self-grant',
    );
    expect(selfGrants).toEqual([
      expect.objectContaining({
        outcome: 403,
        personId: admin,
        detail: expect.objectContaining({ refused: 'self-grant' }),
      }),
      expect.objectContaining({ outcome: 403, personId: admin }),
    ]);
    const update = rows.filter((r) => r.action === 'directory.person-updated').pop()!;
    expect(update.detail).toMatchObject({
      personId: target,
      before: { email: before.email },
      after: { email: 'someone.else@resolve.test' },
    });
    // The chain still verifies with the directory's rows in it.
    const verify = await stack
      .http()
      .get('/audit/verify')
      .set('Authorization', await stack.as(person(P, null, 'business-manager')))
      .expect(200);
    expect(verify.body.ok).toBe(true);
  });

  it('refuses changes from anyone but the administrator, and hides contact details from practitioners', async () => {
    const auth = await stack.as(practitioner);
    const refused = await stack
      .http()
      .post(`/partnerships/${P}/agencies`)
      .set('Authorization', auth)
      .send({ id: 'sefton-x', name: 'X', kind: 'other' })
      .expect(403);
    expect(refused.body.message).toMatch(/partnership administrator/);
    const people = await stack.http().get(`/partnerships/${P}/people`).set('Authorization', auth).expect(200);
    expect(people.body.length).toBeGreaterThan(10);
    expect(people.body[0].email).toBeUndefined();
    expect(people.body[0].phone).toBeUndefined();
    const forBoard = await stack
      .http()
      .get(`/partnerships/${P}/people`)
      .set('Authorization', await stack.as(person(P, null, 'business-manager')))
      .expect(200);
    expect(forBoard.body.some((p: { email?: string }) => p.email)).toBe(true);
    // Another partnership's directory does not exist for this caller.
    await stack.http().get('/partnerships/bscb/people').set('Authorization', auth).expect(404);
  });

  it('answers bad directory input with field-level 400s', async () => {
    const auth = await stack.as(admin);
    const bad = await stack
      .http()
      .post(`/partnerships/${P}/people`)
      .set('Authorization', auth)
      .send({ id: 'Bad Id', displayName: '', channels: ['pager'], email: 'nope', identitySubject: 'x' })
      .expect(400);
    expect(bad.body.fields).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^id /),
        expect.stringMatching(/email must be an email/),
        expect.stringMatching(/channels/),
      ]),
    );
    const noPhone = await stack
      .http()
      .post(`/partnerships/${P}/people`)
      .set('Authorization', auth)
      .send({ id: 'sefton-nophone', displayName: 'N', channels: ['sms'], identitySubject: 'idp|n' })
      .expect(400);
    expect(noPhone.body.message).toMatch(/phone: required/);
    await stack
      .http()
      .post('/people/nobody/agency-roles')
      .set('Authorization', auth)
      .send({ agencyId: 'sefton-sscp-csc', role: 'practitioner' })
      .expect(404);
    await stack
      .http()
      .delete('/people/sefton-probation-slo/roles/not-a-role')
      .set('Authorization', auth)
      .expect(404);
  });

  it('does not show cases to the administrator, who has no part in them', async () => {
    const list = await stack
      .http()
      .get('/escalations')
      .set('Authorization', await stack.as(admin))
      .expect(200);
    expect(list.body.items).toEqual([]);
  });
});
