import { createHash } from 'node:crypto';
import { AuditRepository } from '@resolve/persistence';
import { Lodger } from '../src/records/lodging/lodger';
import { actingPerson, escalateTo, person, raiseBody } from './support/harness';
import { startWebStack, WebClient, type WebStack } from './web-support';

/**
 * Issue 12, forms lodged when the protocol says (docs/records-and-reports.md, "Lodged forms"),
 * against the real stack (Postgres, the Temporal dev server, worker, notifier with a real SMTP
 * server, the API and its web pages with the local OpenID provider): a Sefton case taken to step
 * 3 lodges the Report to SSCP once with the SSCP's escalations mailbox, whose email says nothing
 * about the family and links to a page that opens the form for the mailbox and for nobody else;
 * the form stays as lodged when the case moves on; the mailbox sees nothing else.
 */
jest.setTimeout(300_000);

const S = 'sefton-sscp';
const MAILBOX = person(S, null, 'escalations-mailbox');
const MAILBOX_ADDRESS = `escalations@${S}.resolve.test`;
const REFERENCE = 'SEF-LODGE-0042';
const CHILD = 'Tamsin Hargreaves';
const CONCERN = 'Tamsin was seen with unexplained bruising on her left arm at the breakfast club.';

const sha256 = (text: string) => `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;

async function until<T>(
  what: string,
  probe: () => Promise<T | null | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('Lodged forms (Sefton Report to SSCP at step 3)', () => {
  let web: WebStack;
  let caseId: string;
  let lodgementId: string;
  let lodgedHtml: string;

  const get = async (personId: string, url: string) =>
    web.stack
      .http()
      .get(url)
      .set('Authorization', await web.stack.as(personId));
  const lodgementRows = (escalationId: string) =>
    web.stack.db.dataSource.query(
      `SELECT id, lodgement_key, record_kind, tier_number, recipient_partnership_role, protocol_version, content_hash
         FROM lodgement WHERE escalation_id = $1 ORDER BY lodged_at`,
      [escalationId],
    ) as Promise<Record<string, unknown>[]>;

  beforeAll(async () => {
    web = await startWebStack();
    const raised = await web.stack
      .http()
      .post('/escalations')
      .set('Authorization', await web.stack.as(actingPerson(S, 1, 'raising')))
      .send(
        raiseBody(S, REFERENCE, {
          natureOfConcern: CONCERN,
          subject: { kind: 'child', people: [{ name: CHILD, dateOfBirth: '2016-02-03' }] },
        }),
      );
    expect([raised.status, raised.body.message]).toEqual([201, undefined]);
    caseId = raised.body.id;
  });
  afterAll(async () => {
    await web?.stop();
  });

  it('lodges nothing at steps 1 and 2, and the Report to SSCP once with the mailbox on entering step 3', async () => {
    await escalateTo(web.stack, S, caseId, 2);
    // Steps 1 and 2 lodge nothing: wait for the lodger to have taken in step 2's moment.
    await until('step 2 taken in', async () => {
      const [row] = (await web.stack.db.dataSource.query(
        `SELECT count(*)::int AS pending FROM lodgement_moment WHERE escalation_id = $1 AND status = 'pending'`,
        [caseId],
      )) as { pending: number }[];
      const [entered] = (await web.stack.db.dataSource.query(
        `SELECT count(*)::int AS n FROM lodgement_moment WHERE escalation_id = $1`,
        [caseId],
      )) as { n: number }[];
      return entered.n >= 2 && row.pending === 0;
    });
    expect(await lodgementRows(caseId)).toEqual([]);

    await escalateTo(web.stack, S, caseId, 3);
    const listed = await until('the lodgement in the mailbox', async () => {
      const res = await get(MAILBOX, '/lodgements');
      return res.body.lodgements?.find((l: { escalationId: string }) => l.escalationId === caseId);
    });
    lodgementId = listed.id;
    expect(listed).toMatchObject({
      title: 'Report to SSCP (Appendix 2)',
      document: 'report-to-partnership',
      recordKind: 'report',
      moment: 'tier-entered',
      tier: { number: 3 },
      protocol: { id: S, version: 4 },
      lodgedWith: { partnershipRole: 'escalations-mailbox' },
    });

    // Exactly one, and once only however often the moment is looked at again.
    const lodger = web.stack.app.get(Lodger);
    await web.stack.db.dataSource.query(
      `UPDATE lodgement_moment SET status = 'pending' WHERE escalation_id = $1`,
      [caseId],
    );
    expect((await lodger.tick()).lodged).toBe(0);
    const rows = await lodgementRows(caseId);
    expect(
      rows.map((r) => [r.record_kind, r.tier_number, r.recipient_partnership_role, r.protocol_version]),
    ).toEqual([['report', 3, 'escalations-mailbox', 4]]);

    // The form as lodged: the report of this case at step 3, its hash the hash of those bytes.
    const html = await get(MAILBOX, `/escalations/${caseId}/lodgements/${lodgementId}/form.html`);
    expect(html.status).toBe(200);
    lodgedHtml = html.text;
    expect(lodgedHtml).toContain(REFERENCE);
    expect(lodgedHtml).toContain(CONCERN);
    expect(html.headers['x-resolve-content-hash']).toBe(sha256(lodgedHtml));
    expect(rows[0].content_hash).toBe(sha256(lodgedHtml));
  });

  it('tells the mailbox once by email, with nothing about the family, linking to a page only the recipient opens', async () => {
    const [mail] = await web.stack.smtp.waitFor(
      (m) => m.to.includes(MAILBOX_ADDRESS) && /lodged/i.test(m.subject),
    );
    expect(mail.subject).toBe('Form lodged with you: Report to SSCP (Appendix 2)');
    for (const body of [mail.subject, mail.text, mail.html]) {
      expect(body).not.toContain(REFERENCE);
      expect(body).not.toContain('HARGREAVES');
      expect(body).not.toContain('Hargreaves');
      expect(body).not.toContain('Tamsin');
      expect(body).not.toContain('bruising');
      expect(body).not.toContain('2016');
    }
    const link = /http:\/\/localhost:3000(\/lodged\/[0-9a-f-]{36})/.exec(mail.text)?.[1];
    expect(link).toBe(`/lodged/${lodgementId}`);

    // The lodger's second look sent nothing more: one email to the mailbox for this lodgement.
    await new Promise((r) => setTimeout(r, 3000));
    expect(
      web.stack.smtp.messages.filter((m) => m.to.includes(MAILBOX_ADDRESS) && /lodged/i.test(m.subject)),
    ).toHaveLength(1);
    const deliveries = (await web.stack.db.dataSource.query(
      `SELECT delivery_key, status FROM notification_delivery WHERE delivery_key LIKE $1`,
      [`lodged:${lodgementId}:%`],
    )) as { delivery_key: string; status: string }[];
    expect(deliveries).toEqual([{ delivery_key: `lodged:${lodgementId}:${MAILBOX}:email`, status: 'sent' }]);

    // The recipient, signed in, opens the form as lodged.
    const mailbox = new WebClient();
    await mailbox.signIn(web.baseUrl, MAILBOX);
    // Its list of lodged forms (in its navigation) links the form and its PDF.
    const inbox = await mailbox.get(`${web.baseUrl}/lodged`);
    expect(inbox.status).toBe(200);
    expect(inbox.html).toContain('href="/lodged"');
    expect(inbox.html).toContain(`href="${link}"`);
    expect(inbox.html).toContain(`href="${link}/form.pdf"`);
    expect(inbox.html).toContain('Report to SSCP (Appendix 2)');
    const page = await mailbox.get(`${web.baseUrl}${link}`);
    expect(page.status).toBe(200);
    expect(page.html).toBe(lodgedHtml);
    expect(page.headers.get('x-resolve-content-hash')).toBe(sha256(lodgedHtml));

    // Someone unrelated (another agency's practitioner; another partnership's mailbox) is told it does not exist.
    const outsider = new WebClient();
    await outsider.signIn(web.baseUrl, person(S, 'school', 'practitioner'));
    const refused = await outsider.get(`${web.baseUrl}${link}`);
    expect(refused.status).toBe(404);
    expect(refused.html).not.toContain(REFERENCE);
    for (const who of [person(S, 'school', 'practitioner'), person('bscb', null, 'escalations-mailbox')]) {
      expect((await get(who, `/escalations/${caseId}/lodgements/${lodgementId}/form.html`)).status).toBe(404);
      expect((await get(who, `/escalations/${caseId}/lodgements/${lodgementId}`)).status).toBe(404);
    }

    // The same form printed, for the recipient only.
    const pdf = await web.stack
      .http()
      .get(`/escalations/${caseId}/lodgements/${lodgementId}/form.pdf`)
      .set('Authorization', await web.stack.as(MAILBOX))
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect((pdf.body as Buffer).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.headers['x-resolve-content-hash']).toBe(sha256(lodgedHtml));

    // Each opening is in the audit trail.
    const trail = await new AuditRepository(web.stack.db.dataSource).forEscalation(caseId, 0, 200);
    expect(trail.map((r) => [r.action, r.outcome, r.personId])).toEqual(
      expect.arrayContaining([['escalation.read.lodgements.form.html', 200, MAILBOX]]),
    );
  });

  it('keeps the form as lodged when the case moves on, while the live report shows the new step', async () => {
    await escalateTo(web.stack, S, caseId, 4);
    const raiser = actingPerson(S, 1, 'raising');
    const live = await until('the live report at step 4', async () => {
      const res = await get(raiser, `/escalations/${caseId}/records/report-to-partnership`);
      const step4 = res.body.report?.steps?.find((s: { number: number }) => s.number === 4);
      return step4?.reached ? res.body : null;
    });
    expect(live.report.steps.find((s: { number: number }) => s.number === 4).reached).toBe(true);

    const again = await get(MAILBOX, `/escalations/${caseId}/lodgements/${lodgementId}`);
    expect(again.status).toBe(200);
    expect(again.body.contentHash).toBe(sha256(lodgedHtml));
    expect(again.body.form.report.steps.find((s: { number: number }) => s.number === 4).reached).toBe(false);
    const html = await get(MAILBOX, `/escalations/${caseId}/lodgements/${lodgementId}/form.html`);
    expect(html.text).toBe(lodgedHtml);

    // Those who read the case see what was lodged for it on its page, and open it as lodged.
    const raiserWeb = new WebClient();
    await raiserWeb.signIn(web.baseUrl, raiser);
    const casePage = await raiserWeb.get(`${web.baseUrl}/cases/${caseId}`);
    expect(casePage.status).toBe(200);
    expect(casePage.html).toContain(`href="/lodged/${lodgementId}"`);
    expect(casePage.html).toContain('lodged with the escalations mailbox');
    expect((await raiserWeb.get(`${web.baseUrl}/lodged/${lodgementId}`)).html).toBe(lodgedHtml);

    // Postgres itself refuses to change a lodged form.
    await expect(
      web.stack.db.dataSource.query(`UPDATE lodgement SET form_html = 'changed' WHERE id = $1`, [
        lodgementId,
      ]),
    ).rejects.toThrow(/a lodged form is kept as lodged/);
    await expect(
      web.stack.db.dataSource.query(`DELETE FROM lodgement WHERE id = $1`, [lodgementId]),
    ).rejects.toThrow(/cannot be deleted/);
  });

  it('gives the mailbox role only when a second administrator approves it, like every role', async () => {
    const admin = person(S, null, 'partnership-administrator');
    const second = person(S, null, 'partnership-administrator-2');
    const grantee = person(S, 'school', 'practitioner');
    const asked = await web.stack
      .http()
      .post(`/people/${grantee}/partnership-roles`)
      .set('Authorization', await web.stack.as(admin))
      .send({ role: 'escalations-mailbox' });
    expect(asked.status).toBe(202);
    // Asked for, not given: the form lodged with the mailbox stays closed to the grantee.
    expect((await get(grantee, `/escalations/${caseId}/lodgements/${lodgementId}/form.html`)).status).toBe(
      404,
    );
    await web.stack
      .http()
      .post(`/role-requests/${asked.body.request.id}/approve`)
      .set('Authorization', await web.stack.as(second))
      .expect(200);
    expect((await get(grantee, `/escalations/${caseId}/lodgements/${lodgementId}/form.html`)).status).toBe(
      200,
    );
    // The role opens the lodged form, not the case.
    expect((await get(grantee, `/escalations/${caseId}`)).status).toBe(404);
  });

  it('gives the informed-only mailbox no case, no list and no action', async () => {
    expect((await get(MAILBOX, `/escalations/${caseId}`)).status).toBe(404);
    expect((await get(MAILBOX, `/escalations/${caseId}/records/report-to-partnership.html`)).status).toBe(
      404,
    );
    const list = await get(MAILBOX, '/escalations');
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([]);
    const note = await web.stack
      .http()
      .post(`/escalations/${caseId}/notes`)
      .set('Authorization', await web.stack.as(MAILBOX))
      .send({ text: 'A note from the mailbox.' });
    expect([403, 404]).toContain(note.status);
    // Its list of lodgements holds what was lodged with it and nothing else.
    const mine = await get(MAILBOX, '/lodgements');
    expect(mine.body.lodgements.map((l: { id: string }) => l.id)).toEqual([lodgementId]);
    // Those who see the case see what was lodged for it.
    const ofCase = await get(actingPerson(S, 3, 'raising'), `/escalations/${caseId}/lodgements`);
    expect(ofCase.status).toBe(200);
    expect(ofCase.body.lodgements.map((l: { id: string }) => l.id)).toEqual([lodgementId]);
    // On the web: the mailbox's case list is empty and the case page is not found.
    const mailbox = new WebClient();
    await mailbox.signIn(web.baseUrl, MAILBOX);
    expect((await mailbox.get(`${web.baseUrl}/cases/${caseId}`)).status).toBe(404);
    expect((await mailbox.get(`${web.baseUrl}/cases`)).html).not.toContain(REFERENCE);
  });
});
