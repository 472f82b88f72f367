import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFINITIONS_DIR } from '@resolve/protocols/files';
import { person, raiseBody, startStack, type Stack } from './support/harness';

/**
 * Recipients a protocol informs at every stage get a notice and a lodged record for each stage,
 * even when the case is resolved early (issue 12; docs/records-and-reports.md, "Lodged forms"),
 * on the real stack with a partnership's own protocol from its folder naming the informed-only
 * escalations mailbox.
 */
jest.setTimeout(300_000);

const P = 'sefton-sscp';
const ID = 'sefton-sscp-mailbox';
const MAILBOX = person(P, null, 'escalations-mailbox');
const MAILBOX_ADDRESS = `escalations@${P}.resolve.test`;

describe('Every-stage recipients: a lodged record per stage', () => {
  let stack: Stack;
  const dir = mkdtempSync(join(tmpdir(), 'resolve-every-stage-'));

  beforeAll(async () => {
    const sefton = JSON.parse(readFileSync(join(DEFINITIONS_DIR, `${P}.json`), 'utf8'));
    writeFileSync(
      join(dir, `${ID}.json`),
      JSON.stringify({
        ...sefton,
        id: ID,
        version: 1,
        title: 'Sefton, with the SSCP mailbox told at every stage',
        informedAtEveryStage: [
          { partnershipRole: 'escalations-mailbox', why: 'the SSCP escalations mailbox' },
        ],
      }),
    );
    stack = await startStack({ protocolsDir: dir });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function post(who: string, path: string, body: object) {
    const res = await stack
      .http()
      .post(path)
      .set('Authorization', await stack.as(who))
      .send(body);
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res;
  }
  const lodgements = async (id: string) =>
    (await stack.db.dataSource.query(
      `SELECT l.lodgement_key AS key, l.record_kind, l.moment, l.form_json
         FROM lodgement l WHERE l.escalation_id = $1 ORDER BY l.timeline_seq`,
      [id],
    )) as { key: string; record_kind: string; moment: string; form_json: { entry: { status: string } } }[];

  it('lodges the summary log entry with the mailbox when raised and when resolved at step 1', async () => {
    const raiser = person(P, 'csc', 'practitioner');
    const receiver = person(P, 'police', 'practitioner');
    const raised = await post(raiser, '/escalations', raiseBody(P, 'SEF-EVERY-0001', { protocolId: ID }));
    const id = raised.body.id as string;
    const tier1 = raised.body.tier?.key ?? 'professional-to-professional';
    await post(receiver, `/escalations/${id}/acknowledge`, { reason: 'Received.' });
    await post(raiser, `/escalations/${id}/plan`, {
      reason: 'Joint visit',
      items: [{ what: 'Joint visit', ownerAgencyId: `${P}-police`, dueAt: '2099-01-05T16:00:00.000Z' }],
    });
    await post(receiver, `/escalations/${id}/plan/accept`, { reason: 'Agreed.' });
    await post(raiser, `/escalations/${id}/resolve`, { reason: 'Resolved.' });
    await post(receiver, `/escalations/${id}/resolve`, { reason: 'Resolved.' });

    const deadline = Date.now() + 60_000;
    let rows = await lodgements(id);
    while (rows.length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      rows = await lodgements(id);
    }
    expect(rows.map((r) => [r.key, r.record_kind, r.moment])).toEqual([
      [`every-stage:${tier1}:log-entry:partnership:escalations-mailbox`, 'log-entry', 'every-stage'],
      ['every-stage:closed:log-entry:partnership:escalations-mailbox', 'log-entry', 'every-stage'],
    ]);
    // Each record as the stage stood: open when raised, resolved when closed.
    expect(rows.map((r) => r.form_json.entry.status)).toEqual(['open', 'resolved']);

    // The mailbox is told of each stage (the notice) and of each lodged record, and opens both records.
    const lodgedMail = await stack.smtp.waitFor(
      (m) => m.to.includes(MAILBOX_ADDRESS) && m.subject.startsWith('Form lodged with you'),
      2,
    );
    expect(lodgedMail).toHaveLength(2);
    await stack.smtp.waitFor(
      (m) => m.to.includes(MAILBOX_ADDRESS) && m.subject.startsWith('For information'),
    );
    const mine = await stack
      .http()
      .get('/lodgements')
      .set('Authorization', await stack.as(MAILBOX));
    const ofCase = mine.body.lodgements.filter((l: { escalationId: string }) => l.escalationId === id);
    expect(ofCase).toHaveLength(2);
    for (const l of ofCase) {
      const form = await stack
        .http()
        .get(`/escalations/${id}/lodgements/${l.id}/form.html`)
        .set('Authorization', await stack.as(MAILBOX));
      expect(form.status).toBe(200);
      expect(form.text).toContain('SEF-EVERY-0001');
    }
    // And still not the case itself.
    const page = await stack
      .http()
      .get(`/escalations/${id}`)
      .set('Authorization', await stack.as(MAILBOX));
    expect(page.status).toBe(404);
  });
});
