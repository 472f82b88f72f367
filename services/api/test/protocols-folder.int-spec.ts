import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFINITIONS_DIR } from '@resolve/protocols/files';
import { person, raiseBody, startStack, type Stack } from './support/harness';

/**
 * A protocol written as data by someone outside the team, dropped into the partnership's
 * protocol folder (PROTOCOLS_DIR) while the system runs: offered to new cases at once and run
 * end to end through the API, with no code change, rebuild or restart (issue 12).
 */
jest.setTimeout(300_000);

const P = 'sefton-sscp';
const ID = 'sefton-sscp-pilot';

describe('A protocol dropped into the protocols folder', () => {
  let stack: Stack;
  const dir = mkdtempSync(join(tmpdir(), 'resolve-partnership-protocols-'));

  beforeAll(async () => {
    stack = await startStack({ protocolsDir: dir });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const as = (who: string) => stack.as(who);
  async function post(who: string, path: string, body: object, status = 200) {
    return stack
      .http()
      .post(path)
      .set('Authorization', await as(who))
      .send(body)
      .expect(status);
  }

  it('is refused before it exists, then offered and run from raise to resolution', async () => {
    const raiser = person(P, 'csc', 'practitioner');
    const receiver = person(P, 'police', 'practitioner');
    const unknown = await post(raiser, '/escalations', raiseBody(P, 'PILOT-0001', { protocolId: ID }), 400);
    expect(unknown.body.message).toMatch(/unknown protocol "sefton-sscp-pilot"/);

    // The partnership's own protocol: Sefton's steps under a new id, with its own first-step timescale.
    const sefton = JSON.parse(readFileSync(join(DEFINITIONS_DIR, `${P}.json`), 'utf8'));
    const pilot = {
      ...sefton,
      id: ID,
      version: 1,
      title: 'Sefton pilot: a shorter first step',
      tiers: sefton.tiers.map((t: { number: number; timescale: object }) =>
        t.number === 1
          ? {
              ...t,
              timescale: {
                kind: 'working-days',
                amount: 1,
                from: 'tier-start',
                asWritten: 'within 1 working day',
              },
            }
          : t,
      ),
    };
    writeFileSync(join(dir, `${ID}.json`), JSON.stringify(pilot, null, 2));
    await new Promise((r) => setTimeout(r, 1100)); // the folder is read at most once a second

    const listed = await stack.http().get('/protocols').expect(200);
    expect(listed.body.map((p: { id: string }) => p.id)).toContain(ID);

    const raised = await post(raiser, '/escalations', raiseBody(P, 'PILOT-0001', { protocolId: ID }), 201);
    expect(raised.body.protocol).toMatchObject({
      id: ID,
      version: 1,
      title: 'Sefton pilot: a shorter first step',
    });
    const id = raised.body.id as string;
    await post(receiver, `/escalations/${id}/acknowledge`, { reason: 'Received.' });
    // Its own timescale governs the case: one working day, not Sefton's two.
    const view = await stack
      .http()
      .get(`/escalations/${id}`)
      .set('Authorization', await as(raiser))
      .expect(200);
    expect(view.body.deadline.explanation).toMatch(/1 working day/);
    await post(raiser, `/escalations/${id}/plan`, {
      reason: 'Joint visit',
      items: [{ what: 'Joint visit', ownerAgencyId: `${P}-police`, dueAt: '2099-01-05T16:00:00.000Z' }],
    });
    await post(receiver, `/escalations/${id}/plan/accept`, { reason: 'Agreed.' });
    await post(raiser, `/escalations/${id}/resolve`, { reason: 'Resolved.' });
    const done = await post(receiver, `/escalations/${id}/resolve`, { reason: 'Resolved.' });
    expect(done.body.escalation).toMatchObject({ status: 'resolved', protocolId: ID, protocolVersion: 1 });
  });

  it('reports a broken file without offering it, and keeps offering the rest', async () => {
    writeFileSync(join(dir, 'broken.json'), JSON.stringify({ id: 'broken', version: 1 }));
    await new Promise((r) => setTimeout(r, 1100));
    const listed = await stack.http().get('/protocols').expect(200);
    const ids = listed.body.map((p: { id: string }) => p.id);
    expect(ids).toContain(ID);
    expect(ids).not.toContain('broken');
  });
});
