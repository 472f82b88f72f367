import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { actionUpdates, addNoteSignal, snapshotQuery, type EscalationSnapshot } from '@resolve/contracts';
import { ActionRecordsRepository } from '@resolve/persistence';
import { person, raiseBody, startStack, type Stack } from './support/harness';

/**
 * An attacker's-eye view of the trust boundary between the API and the workflow (issue 13,
 * docs/security.md): anyone who reaches Temporal's frontend (port 7233) can send an update or a
 * signal to a case's workflow, with any actor in it. The worker applies an action only when the
 * API recorded it for that case, kind and person, and the person holds the roles claimed; a
 * forged action changes nothing and is written to the audit trail.
 */
jest.setTimeout(300_000);

const P = 'sefton-sscp';
const RAISER = person(P, 'csc', 'practitioner');
const RECEIVER = person(P, 'police', 'practitioner');
const BUSINESS_MANAGER = person(P, null, 'business-manager');

describe('Forged actions sent straight to Temporal', () => {
  let stack: Stack;
  let references = 0;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function raise(): Promise<{ id: string; workflowId: string }> {
    const res = await stack
      .http()
      .post('/escalations')
      .set('Authorization', await stack.as(RAISER))
      .send(raiseBody(P, `FORGE-${++references}`));
    expect(res.status).toBe(201);
    return { id: res.body.id, workflowId: res.body.workflow.id };
  }

  const handleOf = (workflowId: string) => stack.env.client.workflow.getHandle(workflowId);
  const snapshot = (workflowId: string) =>
    handleOf(workflowId).query(snapshotQuery) as Promise<EscalationSnapshot>;

  async function forgedUpdateFailure(workflowId: string, kind: keyof typeof actionUpdates, args: object) {
    const err = await handleOf(workflowId)
      .executeUpdate(actionUpdates[kind] as never, { args: [args] as never })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    return (err as WorkflowUpdateFailedError).cause as ApplicationFailure;
  }

  async function auditRowsFor(escalationId: string) {
    return stack.db.dataSource.query(
      `SELECT action, outcome, person_id AS "personId", detail FROM audit_log WHERE escalation_id = $1 AND request_id LIKE 'worker:%'`,
      [escalationId],
    ) as Promise<{ action: string; outcome: number; personId: string; detail: { reason: string } }[]>;
  }

  it('refuses an action with no record from the API, changes nothing, and audits it', async () => {
    const { id, workflowId } = await raise();
    const before = await snapshot(workflowId);
    // The raiser's own identity, a plausible action id: everything but the API's record.
    const cause = await forgedUpdateFailure(workflowId, 'withdraw', {
      actionId: '00000000-0000-4000-a000-00000000f001',
      actor: { personId: RAISER, agencyId: `${P}-csc`, role: 'practitioner', side: 'raising' },
    });
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause.details).toEqual(['not-authorised']);
    expect(cause.message).toMatch(/did not come through the Resolve API/);
    const after = await snapshot(workflowId);
    expect(after.status).toBe('open');
    expect(after.timeline).toHaveLength(before.timeline.length);
    expect(await auditRowsFor(id)).toEqual([
      expect.objectContaining({
        action: 'workflow.withdraw',
        outcome: 403,
        personId: RAISER,
        detail: expect.objectContaining({ reason: 'no action record was written for it' }),
      }),
    ]);
    // The API still sees an open case the raiser can act on.
    const res = await stack
      .http()
      .get(`/escalations/${id}`)
      .set('Authorization', await stack.as(RAISER));
    expect(res.body.status).toBe('open');
  });

  it("refuses a genuine action's record replayed under another person's claimed roles", async () => {
    const { id, workflowId } = await raise();
    // A real note through the API: its record exists, written for the raiser.
    const note = await stack
      .http()
      .post(`/escalations/${id}/notes`)
      .set('Authorization', await stack.as(RAISER))
      .send({ text: 'Spoke to the duty sergeant.' });
    expect(note.status).toBe(200);
    // The note is applied once the worker has checked it.
    for (let i = 0; i < 50; i++) {
      if ((await snapshot(workflowId)).timeline.some((e) => e.actionId === note.body.actionId)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // The attacker reuses that record's id for a resolution by the receiving practitioner.
    const cause = await forgedUpdateFailure(workflowId, 'resolve', {
      actionId: note.body.actionId,
      actor: { personId: RECEIVER, agencyId: `${P}-police`, role: 'practitioner', side: 'receiving' },
    });
    expect(cause.details).toEqual(['not-authorised']);
    const rows = await auditRowsFor(id);
    expect(rows.map((r) => r.detail.reason)).toEqual([
      'an action with this id was already applied (a replay)',
    ]);
  });

  it('refuses roles the person does not hold, even with a record naming them', async () => {
    const { id, workflowId } = await raise();
    // A record as the API would write it for the raiser's resolve, but the update claims the
    // raiser is also a head of service (a role they do not hold) acting for the raising side.
    const actionId = '00000000-0000-4000-a000-00000000f003';
    // (With its audit row, as the API writes every record: Postgres refuses one without.)
    await new ActionRecordsRepository(stack.db.dataSource).insert({
      id: actionId,
      escalationId: id,
      kind: 'resolve',
      personId: RAISER,
      agencyId: `${P}-csc`,
      role: 'practitioner',
      text: null,
      payload: {},
      outcome: 'pending',
    });
    const cause = await forgedUpdateFailure(workflowId, 'resolve', {
      actionId,
      actor: {
        personId: RAISER,
        agencyId: `${P}-csc`,
        role: 'practitioner',
        side: 'raising',
        heldRoles: ['practitioner', 'head-of-service'],
      },
    });
    expect(cause.details).toEqual(['not-authorised']);
    expect((await auditRowsFor(id)).map((r) => r.detail.reason)).toEqual([
      'the person does not hold head-of-service',
    ]);
    expect((await snapshot(workflowId)).resolution.raising).toBeNull();
  });

  it('refuses a line manager claiming to manage the raiser when the directory records no such relation', async () => {
    const { id, workflowId } = await raise();
    // At a "their line manager" step the claim decides who acts; the directory records no line
    // manager for the raiser, so claiming to be theirs is a forgery like an unheld role.
    const lineManager = person(P, 'csc', 'line-manager');
    const escalated = await stack
      .http()
      .post(`/escalations/${id}/escalate`)
      .set('Authorization', await stack.as(RAISER))
      .send({ reason: 'To the managers' });
    expect(escalated.status).toBe(200);
    const actionId = '00000000-0000-4000-a000-00000000f005';
    await new ActionRecordsRepository(stack.db.dataSource).insert({
      id: actionId,
      escalationId: id,
      kind: 'resolve',
      personId: lineManager,
      agencyId: `${P}-csc`,
      role: 'line-manager',
      text: null,
      payload: {},
      outcome: 'pending',
    });
    const cause = await forgedUpdateFailure(workflowId, 'resolve', {
      actionId,
      actor: {
        personId: lineManager,
        agencyId: `${P}-csc`,
        role: 'line-manager',
        side: 'raising',
        heldRoles: ['line-manager'],
        managesPractitioner: true,
      },
    });
    expect(cause.details).toEqual(['not-authorised']);
    expect((await auditRowsFor(id)).map((r) => r.detail.reason)).toEqual([
      "the line management it claims differs from the directory's (none recorded)",
    ]);
  });

  it('ignores a forged note signal (signals cannot answer; nothing is added)', async () => {
    const { id, workflowId } = await raise();
    const before = await snapshot(workflowId);
    await handleOf(workflowId).signal(addNoteSignal, {
      actionId: '00000000-0000-4000-a000-00000000f004',
      actor: { personId: BUSINESS_MANAGER, agencyId: null, role: 'business-manager', side: 'partnership' },
    });
    // The refusal is audited once the worker has checked it.
    for (let i = 0; i < 50 && (await auditRowsFor(id)).length === 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect((await auditRowsFor(id)).map((r) => r.action)).toEqual(['workflow.add-note']);
    const after = await snapshot(workflowId);
    expect(after.timeline.filter((e) => e.type === 'note-added')).toHaveLength(
      before.timeline.filter((e) => e.type === 'note-added').length,
    );
  });

  it('still applies the same actions when they come through the API', async () => {
    const { id } = await raise();
    const res = await stack
      .http()
      .post(`/escalations/${id}/withdraw`)
      .set('Authorization', await stack.as(RAISER))
      .send({ reason: 'Resolved by phone.' });
    expect(res.status).toBe(200);
    expect(res.body.escalation.status).toBe('withdrawn');
    expect(await auditRowsFor(id)).toEqual([]);
  });
});
