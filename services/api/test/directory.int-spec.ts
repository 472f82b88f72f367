import { person, startStack, type Stack } from './support/harness';

/** The partnership administrator runs the directory through the API; others read names and roles. */
jest.setTimeout(180_000);

describe('Directory API', () => {
  let stack: Stack;
  const P = 'sefton-sscp';
  const admin = person(P, null, 'partnership-administrator');
  const practitioner = person(P, 'csc', 'practitioner');

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
    await stack
      .http()
      .post('/people/sefton-probation-slo/agency-roles')
      .set('Authorization', auth)
      .send({ agencyId: 'sefton-probation', role: 'senior-liaison-officer' })
      .expect(201);
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
