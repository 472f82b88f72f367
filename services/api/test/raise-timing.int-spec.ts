import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFINITIONS_DIR } from '@resolve/protocols/files';
import { person, raiseBody, startStack, type Stack } from './support/harness';

/**
 * The raise's timing and entry fields (issue 12, "what the format must be able to say"): entry
 * at a later tier by the role the protocol names, the clock starting when the concern was
 * identified, and a timescale that protects the child. A partnership's protocol opts in; this
 * one is Sefton's with all three written in, dropped into the protocols folder.
 */
jest.setTimeout(300_000);

const P = 'sefton-sscp';
const ID = 'sefton-sscp-timing';

describe('Raising with timing and entry fields', () => {
  let stack: Stack;
  const dir = mkdtempSync(join(tmpdir(), 'resolve-timing-protocols-'));

  beforeAll(async () => {
    const sefton = JSON.parse(readFileSync(join(DEFINITIONS_DIR, `${P}.json`), 'utf8'));
    sefton.id = ID;
    sefton.version = 1;
    sefton.counting.identifiedAtNoEarlierThanWorkingDays = 5;
    sefton.tiers[0].timescale = {
      kind: 'working-days',
      amount: 2,
      from: 'concern-identified',
      asWritten: 'within 2 working days of the concern',
    };
    sefton.tiers[0].protectiveDeadline = { setBy: ['practitioner'] };
    sefton.tiers[2].entry = { roles: ['head-of-service'] };
    writeFileSync(join(dir, `${ID}.json`), JSON.stringify(sefton, null, 2));
    stack = await startStack({ protocolsDir: dir });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function post(who: string, body: object, status: number) {
    return stack
      .http()
      .post('/escalations')
      .set('Authorization', await stack.as(who))
      .send(body)
      .expect(status);
  }
  async function view(who: string, id: string) {
    for (let i = 0; i < 100; i++) {
      const res = await stack
        .http()
        .get(`/escalations/${id}`)
        .set('Authorization', await stack.as(who))
        .expect(200);
      if (res.body.deadline) return res.body;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`no deadline was set for ${id}`);
  }
  const practitioner = person(P, 'csc', 'practitioner');
  const headOfService = person(P, 'csc', 'head-of-service');
  const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
  const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();

  it('refuses malformed fields with a 400 naming each one', async () => {
    const res = await post(
      practitioner,
      raiseBody(P, 'TIMING-0001', {
        protocolId: ID,
        startAtTier: 'three',
        concernIdentifiedAt: 'yesterday',
        protectiveDeadline: 'soon',
      }),
      400,
    );
    const message = JSON.stringify(res.body);
    expect(message).toMatch(/startAtTier/);
    expect(message).toMatch(/concernIdentifiedAt/);
    expect(message).toMatch(/protectiveDeadline/);
  });

  it('refuses what the protocol does not allow with a 400 naming each field and why', async () => {
    const res = await post(
      practitioner,
      raiseBody(P, 'TIMING-0002', {
        protocolId: ID,
        concernIdentifiedAt: inDays(1),
        protectiveDeadline: hoursAgo(1),
      }),
      400,
    );
    expect(res.body.message).toMatch(/concernIdentifiedReason: give the reason/);
    expect(res.body.message).toMatch(/concernIdentifiedAt: must not be after the escalation is raised/);
    expect(res.body.message).toMatch(/protectiveDeadline: must be in the future/);
    const early = await post(
      practitioner,
      raiseBody(P, 'TIMING-0003', {
        protocolId: ID,
        concernIdentifiedAt: inDays(-30),
        concernIdentifiedReason: 'Found in a case audit.',
      }),
      400,
    );
    expect(early.body.message).toMatch(/concernIdentifiedAt: must be no more than 5 working days before/);
  });

  it('refuses the fields under a protocol that does not take them', async () => {
    const res = await post(
      practitioner,
      raiseBody(P, 'TIMING-0004', {
        concernIdentifiedAt: hoursAgo(1),
        concernIdentifiedReason: 'Seen at the strategy meeting.',
        protectiveDeadline: inDays(1),
      }),
      400,
    );
    expect(res.body.message).toMatch(/concernIdentifiedAt: sefton-sscp counts from the raise/);
    expect(res.body.message).toMatch(/protectiveDeadline: tier 1 .* takes no case-specific timescale/);
  });

  it('counts from when the concern was identified, and applies an earlier protective date, saying so', async () => {
    const protective = inDays(1);
    const raised = await post(
      practitioner,
      raiseBody(P, 'TIMING-0005', {
        protocolId: ID,
        concernIdentifiedAt: hoursAgo(2),
        concernIdentifiedReason: 'Raised at the core group this morning.',
        protectiveDeadline: protective,
      }),
      201,
    );
    const body = await view(practitioner, raised.body.id);
    expect(body.deadline.dueAt).toBe(new Date(protective).toISOString());
    expect(body.deadline.explanation).toMatch(/when the concern was identified/);
    expect(body.deadline.explanation).toMatch(/protects the child from harm/);
    // The reason is Postgres's: the workflow's input carries the instant only.
    expect(JSON.stringify(raised.body)).not.toContain('core group');
  });

  it('lets the role the protocol names start at a later tier, and refuses others', async () => {
    const refused = await post(
      practitioner,
      raiseBody(P, 'TIMING-0006', { protocolId: ID, startAtTier: 3 }),
      403,
    );
    expect(refused.body.message).toMatch(
      /startAtTier: a case starts at tier 3 .* only when raised by the head of service/,
    );
    const notOpen = await post(
      headOfService,
      raiseBody(P, 'TIMING-0007', { protocolId: ID, startAtTier: 2 }),
      400,
    );
    expect(notOpen.body.message).toMatch(
      /startAtTier: sefton-sscp-timing does not let a case start at tier 2/,
    );

    const raised = await post(
      headOfService,
      raiseBody(P, 'TIMING-0008', { protocolId: ID, startAtTier: 3 }),
      201,
    );
    expect(raised.body.tier.number).toBe(3);
    const body = await view(headOfService, raised.body.id);
    expect(body.tier.number).toBe(3);
    expect(JSON.stringify(body)).toMatch(/entered-by-role/);
  });

  describe('POST /escalations/:id/protective-deadline (set or changed after the raise)', () => {
    async function setIt(who: string, id: string, body: object, status: number) {
      return stack
        .http()
        .post(`/escalations/${id}/protective-deadline`)
        .set('Authorization', await stack.as(who))
        .send(body)
        .expect(status);
    }

    it('refuses a malformed date with a 400 naming dueAt, and what the tier does not allow with 409 and why', async () => {
      const raised = await post(practitioner, raiseBody(P, 'TIMING-0101', { protocolId: ID }), 201);
      const id = raised.body.id;
      await view(practitioner, id);
      const malformed = await setIt(practitioner, id, { dueAt: 'tomorrow', reason: 'x' }, 400);
      expect(JSON.stringify(malformed.body)).toMatch(/dueAt/);
      const noReason = await setIt(practitioner, id, { dueAt: inDays(1) }, 409);
      expect(noReason.body).toMatchObject({ reason: 'reason-required' });
      const past = await setIt(practitioner, id, { dueAt: hoursAgo(1), reason: 'Risk at home.' }, 409);
      expect(past.body).toMatchObject({ reason: 'in-the-past' });
      expect(past.body.message).toMatch(/^dueAt: must be in the future/);
      // Sefton's own protocol takes no protective timescale at any tier.
      const underSefton = await post(practitioner, raiseBody(P, 'TIMING-0102'), 201);
      const other = await setIt(
        practitioner,
        underSefton.body.id,
        { dueAt: inDays(1), reason: 'Risk at home.' },
        409,
      );
      expect(other.body).toMatchObject({ reason: 'not-offered' });
      expect(other.body.message).toMatch(/takes no case-specific timescale/);
    });

    it('sets the date, recounts the deadline and says so in the history; the reason stays in Postgres', async () => {
      const raised = await post(practitioner, raiseBody(P, 'TIMING-0103', { protocolId: ID }), 201);
      const id = raised.body.id;
      const before = await view(practitioner, id);
      const protective = new Date(Date.now() + 3 * 3_600_000).toISOString();
      expect(new Date(before.deadline.dueAt).getTime()).toBeGreaterThan(Date.parse(protective));
      const res = await setIt(
        practitioner,
        id,
        { dueAt: protective, reason: 'The child returns home on Friday.' },
        200,
      );
      expect(res.body).toMatchObject({ accepted: true });
      expect(res.body.escalation.dueAt).toBe(protective);
      const after = await view(practitioner, id);
      expect(after.deadline.dueAt).toBe(protective);
      expect(after.deadline.explanation).toMatch(/protects the child from harm/);
      const set = after.history.find((e: { type: string }) => e.type === 'protective-deadline-set');
      expect(set).toMatchObject({
        detail: { dueAt: protective, setAs: 'practitioner', appliesTo: 'this-tier' },
      });
      const recount = after.history.find(
        (e: { type: string; detail: Record<string, unknown> }) =>
          e.type === 'deadline-recomputed' && e.detail.because === 'protective-deadline',
      );
      expect(recount).toMatchObject({ detail: { from: before.deadline.dueAt, dueAt: protective } });
      expect(JSON.stringify(res.body)).not.toContain('returns home');

      // Changed again, later: the deadline follows it.
      const later = new Date(Date.now() + 5 * 3_600_000).toISOString();
      await setIt(practitioner, id, { dueAt: later, reason: 'Return home moved.' }, 200);
      expect((await view(practitioner, id)).deadline.dueAt).toBe(later);
    });

    it('refuses a role the tier does not name, naming who sets it', async () => {
      const raised = await post(practitioner, raiseBody(P, 'TIMING-0104', { protocolId: ID }), 201);
      await view(practitioner, raised.body.id);
      const res = await stack
        .http()
        .post(`/escalations/${raised.body.id}/protective-deadline`)
        .set('Authorization', await stack.as(person(P, null, 'business-manager')))
        .send({ dueAt: inDays(1), reason: 'Risk.' })
        .expect(409);
      expect(res.body).toMatchObject({ reason: 'not-your-role' });
      expect(res.body.message).toMatch(/a protective timescale is set by the practitioner/);
    });
  });
});
