import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { person, raiseBody, startStack, type Stack } from './support/harness';

/**
 * Issue 12: a tier with two consecutive deadlines for different owners. The test-only protocol
 * (libs/protocols/test-fixtures/two-step-referral.json, a partnership's own file in the
 * protocols folder) splits step 1 into the referral form, issued by the raising agency within 2
 * working days, and the reply, by the receiving agency within 3 working days of the form. Run on
 * the real stack: Postgres, Temporal, the worker's deadline activity, SMTP.
 */
jest.setTimeout(300_000);

const P = 'sefton-sscp'; // the partnership, whose directory the test protocol uses
const ID = 'two-step-referral';
const FIXTURE = join(__dirname, '../../../libs/protocols/test-fixtures/two-step-referral.json');
const raiser = person(P, 'csc', 'practitioner');
const receiver = person(P, 'police', 'practitioner');

interface StepView {
  key: string;
  title: string;
  owner: { side: string; roles: string[] };
  dueAt: string | null;
  explanation: string | null;
  state: string;
  completedAt: string | null;
}

describe('Consecutive deadlines in one tier (POST /escalations/:id/steps/:stepKey/complete)', () => {
  let stack: Stack;
  const dir = mkdtempSync(join(tmpdir(), 'resolve-step-protocols-'));

  beforeAll(async () => {
    copyFileSync(FIXTURE, join(dir, `${ID}.json`));
    stack = await startStack({ protocolsDir: dir });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function post(who: string, path: string, body: object = {}) {
    return stack
      .http()
      .post(path)
      .set('Authorization', await stack.as(who))
      .send(body);
  }
  async function view(who: string, id: string) {
    const res = await stack
      .http()
      .get(`/escalations/${id}`)
      .set('Authorization', await stack.as(who))
      .expect(200);
    return res.body as {
      steps: StepView[] | null;
      deadline: { dueAt: string; explanation: string } | null;
      availableActions: string[];
      history: { type: string; detail: Record<string, unknown> }[];
    };
  }

  it('runs a case through both steps, each by its own owner, the reply counted from the form', async () => {
    const raised = await post(raiser, '/escalations', raiseBody(P, 'STEPS-0001', { protocolId: ID }));
    expect(raised.status).toBe(201);
    const id = raised.body.id as string;

    let v = await view(raiser, id);
    for (let i = 0; i < 50 && !v.steps?.[0]?.dueAt; i++) {
      await new Promise((r) => setTimeout(r, 200));
      v = await view(raiser, id);
    }
    const [form, reply] = v.steps!;
    expect(form).toMatchObject({
      key: 'form-issued',
      title: 'Referral form issued',
      owner: { side: 'raising', roles: ['practitioner'] },
      state: 'due',
      explanation: expect.stringContaining('counted as 2 working days from the start of this tier'),
    });
    expect(Date.parse(form.dueAt!)).toBeGreaterThan(Date.now());
    expect(reply).toMatchObject({ key: 'reply-recorded', state: 'waiting-for-previous-step', dueAt: null });
    // The tier is due with its last step, projected until the form is issued.
    expect(v.deadline?.explanation).toContain(
      'would be due if each step before it were completed at its own deadline',
    );
    expect(Date.parse(v.deadline!.dueAt)).toBeGreaterThan(Date.parse(form.dueAt!));
    expect(v.availableActions).toContain('complete-step');
    expect((await view(receiver, id)).availableActions).not.toContain('complete-step');

    // Bad input is a 400 naming what is wrong; the wrong owner, or the wrong order, a 409 saying why.
    const badKey = await post(raiser, `/escalations/${id}/steps/Form_Issued/complete`);
    expect(badKey.status).toBe(400);
    expect(badKey.body.message).toMatch(/^stepKey must be a key of lower-case words/);
    const badBody = await post(raiser, `/escalations/${id}/steps/form-issued/complete`, { reason: 42 });
    expect(badBody.status).toBe(400);
    const unknown = await post(raiser, `/escalations/${id}/steps/form-sent/complete`);
    expect(unknown.status).toBe(409);
    expect(unknown.body).toMatchObject({
      reason: 'unknown-step',
      message: 'stepKey must be one of: form-issued, reply-recorded',
    });
    const wrongOwner = await post(receiver, `/escalations/${id}/steps/form-issued/complete`);
    expect(wrongOwner.status).toBe(409);
    expect(wrongOwner.body).toMatchObject({
      reason: 'not-step-owner',
      message: `"Referral form issued" is completed by the raising agency's practitioner`,
    });
    const early = await post(receiver, `/escalations/${id}/steps/reply-recorded/complete`);
    expect(early.body).toMatchObject({ reason: 'step-out-of-order' });

    const issuedAt = Date.now();
    const issued = await post(raiser, `/escalations/${id}/steps/form-issued/complete`, {
      reason: 'Form sent by secure email.',
    });
    expect(issued.status).toBe(200);
    expect(issued.body.escalation.steps).toEqual([
      expect.objectContaining({ key: 'form-issued', state: 'complete' }),
      expect.objectContaining({ key: 'reply-recorded', state: 'due' }),
    ]);
    expect(JSON.stringify(issued.body)).not.toContain('secure email');

    v = await view(receiver, id);
    expect(v.steps![0]).toMatchObject({ state: 'complete' });
    expect(Date.parse(v.steps![0].completedAt!)).toBeGreaterThanOrEqual(issuedAt - 1000);
    // Step 2 counts from the form's issue: 3 working days from then, and the tier is due with it.
    expect(v.steps![1]).toMatchObject({
      state: 'due',
      explanation: expect.stringContaining(
        'counted as 3 working days from the completion of "Referral form issued"',
      ),
    });
    expect(v.deadline?.dueAt).toBe(v.steps![1].dueAt);
    expect(v.deadline?.explanation).toContain('due when its last step, "Reply to the referral form", is due');
    expect(v.availableActions).toContain('complete-step');
    expect((await view(raiser, id)).availableActions).not.toContain('complete-step');

    const replied = await post(receiver, `/escalations/${id}/steps/reply-recorded/complete`, {
      reason: 'Reply recorded.',
    });
    expect(replied.status).toBe(200);
    expect(replied.body.escalation).toMatchObject({ status: 'open', dueAt: null });
    const again = await post(receiver, `/escalations/${id}/steps/reply-recorded/complete`);
    expect(again.body).toMatchObject({ reason: 'step-complete' });

    v = await view(raiser, id);
    expect(v.steps!.map((s) => s.state)).toEqual(['complete', 'complete']);
    const steps = v.history.filter((e) => e.type.startsWith('step-'));
    expect(steps.map((e) => [e.type, e.detail.step])).toEqual([
      ['step-deadline-set', 'form-issued'],
      ['step-completed', 'form-issued'],
      ['step-deadline-set', 'reply-recorded'],
      ['step-completed', 'reply-recorded'],
    ]);
    expect(steps[1].detail).toMatchObject({ owner: 'raising', late: false });
    expect(steps[3].detail).toMatchObject({ owner: 'receiving', late: false });

    // The case then goes on as any met tier does: both agencies confirm it is resolved.
    expect((await post(raiser, `/escalations/${id}/resolve`, { reason: 'Done.' })).status).toBe(200);
    const closed = await post(receiver, `/escalations/${id}/resolve`, { reason: 'Done.' });
    expect(closed.body.escalation).toMatchObject({ status: 'resolved', protocolId: ID });
  });
});
