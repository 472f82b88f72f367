import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import {
  ESCALATION_WORKFLOW_TYPE,
  escalationWorkflowId,
  TASK_QUEUES,
  type EscalationWorkflowInput,
} from '@resolve/contracts';
import { getProtocol } from '@resolve/protocols';
import { person, raiseBody, startStack, type Stack } from './support/harness';

/**
 * An attacker's-eye view of a forged workflow start (issue 13, docs/security.md): anyone who
 * reaches Temporal's frontend can start an escalation workflow with input of their making. Only
 * the API writes the escalation row, before it starts the workflow; the worker refuses a run
 * whose row is missing or does not match (another workflow id, partnership, protocol or version)
 * at its first projection, so the run fails without writing anything, and audits the refusal.
 */
jest.setTimeout(300_000);

const P = 'sefton-sscp';
const RAISER = person(P, 'csc', 'practitioner');

describe('A workflow started straight through Temporal', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const count = async (sql: string, params: unknown[]) =>
    ((await stack.db.dataSource.query(sql, params)) as { n: number }[])[0].n;

  function forgedInput(escalationId: string): EscalationWorkflowInput {
    return {
      escalationId,
      reference: 'FORGED-1',
      partnershipId: P,
      protocol: getProtocol(P),
      raisedAt: new Date().toISOString(),
      category: getProtocol(P).categories[0].id,
      immediateRisk: false,
      raisingAgencyId: `${P}-csc`,
      receivingAgencyId: `${P}-police`,
      raisedBy: { personId: RAISER, agencyId: `${P}-csc`, role: 'practitioner', side: 'raising' },
      actionId: randomUUID(),
      rules: 2,
    };
  }

  /** Starts a workflow as an attacker would and returns why it failed. */
  async function forgedStartFailure(workflowId: string, input: EscalationWorkflowInput) {
    const handle = await stack.env.client.workflow.start(ESCALATION_WORKFLOW_TYPE, {
      taskQueue: TASK_QUEUES.escalations,
      workflowId,
      args: [input],
    });
    const err = await handle.result().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    // The activity's refusal, however deep the SDK wraps it (a local activity's comes unwrapped).
    let cause: unknown = (err as WorkflowFailedError).cause;
    while (cause instanceof ActivityFailure) cause = cause.cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    return cause as ApplicationFailure;
  }

  const auditRows = (workflowId: string) =>
    stack.db.dataSource.query(`SELECT action, outcome, detail FROM audit_log WHERE request_id = $1`, [
      `worker:start:${workflowId}`,
    ]) as Promise<{ action: string; outcome: number; detail: Record<string, string> }[]>;

  it('refuses made-up input: no case, row, projection or notification, and audits it', async () => {
    const escalationId = randomUUID();
    const workflowId = escalationWorkflowId(escalationId);
    const mailBefore = stack.smtp.messages.length;
    const cause = await forgedStartFailure(workflowId, forgedInput(escalationId));
    expect(cause.type).toBe('StartRefused');
    expect(cause.message).toMatch(/was not started by the Resolve API/);

    expect(await count('SELECT count(*)::int AS n FROM escalation WHERE id = $1', [escalationId])).toBe(0);
    expect(
      await count('SELECT count(*)::int AS n FROM escalation_event WHERE escalation_id = $1', [escalationId]),
    ).toBe(0);
    expect(
      await count('SELECT count(*)::int AS n FROM notification_delivery WHERE escalation_id = $1', [
        escalationId,
      ]),
    ).toBe(0);
    await new Promise((r) => setTimeout(r, 1000));
    expect(stack.smtp.messages.slice(mailBefore)).toEqual([]);
    // The API knows no such case.
    const res = await stack
      .http()
      .get(`/escalations/${escalationId}`)
      .set('Authorization', await stack.as(RAISER));
    expect(res.status).toBe(404);

    expect(await auditRows(workflowId)).toEqual([
      {
        action: 'workflow.start',
        outcome: 403,
        detail: expect.objectContaining({
          refused: 'not-started-by-api',
          reason: 'no escalation row was written by the API for it',
          escalationId,
        }),
      },
    ]);
  });

  it("refuses a real case's id under another workflow id, leaving the case as it was", async () => {
    const raised = await stack
      .http()
      .post('/escalations')
      .set('Authorization', await stack.as(RAISER))
      .send(raiseBody(P, 'FORGE-START-1'));
    expect(raised.status).toBe(201);
    const id = raised.body.id as string;
    // The real run's own first projection is written first.
    for (let i = 0; i < 50; i++) {
      if ((await count('SELECT state_seq AS n FROM escalation WHERE id = $1', [id])) > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 500));
    const before = (await stack.db.dataSource.query(
      'SELECT state_seq, tier_number, status FROM escalation WHERE id = $1',
      [id],
    )) as unknown[];
    const events = await count('SELECT count(*)::int AS n FROM escalation_event WHERE escalation_id = $1', [
      id,
    ]);

    const deliveries = () =>
      count('SELECT count(*)::int AS n FROM notification_delivery WHERE escalation_id = $1', [id]);
    // The real run's own raise notices first: settled once the count holds for a second.
    let deliveriesBefore = -1;
    for (let i = 0; i < 60; i++) {
      const now = await deliveries();
      if (now > 0 && now === deliveriesBefore) break;
      deliveriesBefore = now;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(deliveriesBefore).toBeGreaterThan(0);
    const mailBefore = stack.smtp.messages.length;

    // The same case, immediate risk flagged, a different run: it would overwrite the projection,
    // and its notices (immediate risk, a later tier) would go to the case's real people.
    const workflowId = `escalation-${id}-forged`;
    const sefton = getProtocol(P);
    const cause = await forgedStartFailure(workflowId, {
      ...forgedInput(id),
      immediateRisk: true,
      // Its own copy of the protocol: immediate risk jumps to the heads of service, new notices.
      protocol: { ...sefton, fastTrack: { ...sefton.fastTrack, startAtTier: 3 } },
    });
    expect(cause.type).toBe('StartRefused');
    // Neither the worker nor the notifier acted for the forged run. The notifier gives a notice
    // up to 15 s for its projection before sending without it: wait past that.
    await new Promise((r) => setTimeout(r, 17_000));
    expect(await deliveries()).toBe(deliveriesBefore);
    expect(stack.smtp.messages.slice(mailBefore)).toEqual([]);

    expect(
      await stack.db.dataSource.query('SELECT state_seq, tier_number, status FROM escalation WHERE id = $1', [
        id,
      ]),
    ).toEqual(before);
    expect(
      await count('SELECT count(*)::int AS n FROM escalation_event WHERE escalation_id = $1', [id]),
    ).toBe(events);
    expect(await auditRows(workflowId)).toEqual([
      expect.objectContaining({
        action: 'workflow.start',
        outcome: 403,
        detail: expect.objectContaining({ reason: 'its escalation row names another workflow' }),
      }),
    ]);
  });

  it('still runs the workflow the API started', async () => {
    const raised = await stack
      .http()
      .post('/escalations')
      .set('Authorization', await stack.as(RAISER))
      .send(raiseBody(P, 'FORGE-START-2'));
    expect(raised.status).toBe(201);
    const description = await stack.env.client.workflow.getHandle(raised.body.workflow.id).describe();
    expect(description.status.name).toBe('RUNNING');
  });
});
