import { Client as PgClient } from 'pg';
import { startProductionTemporal, type ProductionTemporal } from '@resolve/testing';
import { escalateTo, person, raiseBody, startStack, type Stack } from './support/harness';

/**
 * The production topology, not the dev server: the real Temporal server binary
 * (infra/temporal-server/temporal-server.sh) with Postgres persistence and SQL visibility in
 * their own databases, its schemas set up by temporal-sql-tool, the namespace and Resolve's
 * search attributes registered by the same script as the compose stack's. The API, the
 * escalation worker and the notifier run against it as in every other API test.
 */
jest.setTimeout(300_000);

const S = 'sefton-sscp';
const raiser = person(S, 'csc', 'practitioner');
const receiver = person(S, 'police', 'practitioner');

/** The test's own query against one of the server's databases. */
async function queryDatabase<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new PgClient({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('Resolve on the production-shaped Temporal server (Postgres persistence, SQL visibility)', () => {
  let server: ProductionTemporal;
  let stack: Stack;
  const previousAddress = process.env.TEMPORAL_ADDRESS;

  beforeAll(async () => {
    server = await startProductionTemporal();
    // The harness's Temporal environment uses the server TEMPORAL_ADDRESS names, when set.
    process.env.TEMPORAL_ADDRESS = server.address;
    stack = await startStack();
  });

  afterAll(async () => {
    await stack?.stop();
    await server?.stop();
    if (previousAddress === undefined) delete process.env.TEMPORAL_ADDRESS;
    else process.env.TEMPORAL_ADDRESS = previousAddress;
  });

  const view = async (id: string, as = receiver) =>
    (
      await stack
        .http()
        .get(`/escalations/${id}`)
        .set('Authorization', await stack.as(as))
        .expect(200)
    ).body;

  it('raises, emails tier 1, resolves; the workflow, the row and Temporal’s own Postgres agree', async () => {
    const res = await stack
      .http()
      .post('/escalations')
      .set('Authorization', await stack.as(raiser))
      .send(
        raiseBody(S, 'SEF-PROD-0001', {
          subject: {
            kind: 'child',
            people: [{ name: 'Alexandra Testchild', dateOfBirth: '2016-02-29' }],
            caseIdentifier: 'MOSAIC-123456',
          },
        }),
      )
      .expect(201);
    const id = res.body.id as string;
    const workflowId = `escalation-${id}`;
    expect(res.body).toMatchObject({ reference: 'SEF-PROD-0001', status: 'open', tier: { number: 1 } });
    expect(res.body.workflow).toEqual({ id: workflowId, started: true });

    // The person the concern is raised with is emailed, without the child's details.
    const [mail] = await stack.smtp.waitFor((m) => m.to.includes(`police.practitioner@${S}.resolve.test`));
    expect(mail.subject).toContain('SEF-PROD-0001');
    expect(`${mail.subject} ${mail.text} ${mail.html}`).not.toMatch(/Testchild|2016-02-29|MOSAIC-123456/);

    // The worker's bookkeeping activity records the working-day deadline.
    let current = await view(id);
    for (let i = 0; i < 100 && !current.deadline; i++) {
      await new Promise((r) => setTimeout(r, 200));
      current = await view(id);
    }
    expect(current.deadline.explanation).toMatch(/working day/);
    expect(current.history.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(['raised', 'tier-entered', 'deadline-set']),
    );

    // Both sides confirm the resolution: two Workflow Updates through the server.
    const first = await stack
      .http()
      .post(`/escalations/${id}/resolve`)
      .set('Authorization', await stack.as(raiser))
      .send({ reason: 'Strategy discussion agreed for Monday.' })
      .expect(200);
    expect(first.body.escalation.status).toBe('open');
    const second = await stack
      .http()
      .post(`/escalations/${id}/resolve`)
      .set('Authorization', await stack.as(receiver))
      .send({})
      .expect(200);
    expect(second.body.escalation.status).toBe('resolved');

    const result = await stack.env.client.workflow.getHandle(workflowId).result();
    expect(result.summary.status).toBe('resolved');
    const [row] = await stack.db.dataSource.query(`SELECT status, closed_at FROM escalation WHERE id = $1`, [
      id,
    ]);
    expect(row.status).toBe('resolved');
    expect(row.closed_at).not.toBeNull();
    expect((await view(id, raiser)).history.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(['resolution-confirmed', 'closed']),
    );

    // The workflow ran on this server: its execution is in the persistence database, completed
    // (status 2), with a history of encrypted payloads only; SQL visibility has it too.
    const [execution] = await queryDatabase<{ status: number; events: string }>(
      server.persistenceUrl,
      `SELECT c.status, (SELECT count(*) FROM history_node h WHERE h.tree_id = c.run_id) AS events
         FROM current_executions c WHERE c.workflow_id = $1`,
      [workflowId],
    );
    expect(execution.status).toBe(2);
    expect(Number(execution.events)).toBeGreaterThan(5);
    const [leaks] = await queryDatabase<{ n: string }>(
      server.persistenceUrl,
      `SELECT count(*) AS n FROM history_node
        WHERE position(convert_to('Testchild', 'UTF8') in data) > 0
           OR position(convert_to('MOSAIC-123456', 'UTF8') in data) > 0`,
    );
    expect(Number(leaks.n)).toBe(0);
    // The same search finds what is stored in clear: search attribute values (ids and codes).
    const [clear] = await queryDatabase<{ n: string }>(
      server.persistenceUrl,
      `SELECT count(*) AS n FROM history_node WHERE position(convert_to($1, 'UTF8') in data) > 0`,
      [`${S}-police`],
    );
    expect(Number(clear.n)).toBeGreaterThan(0);
    let visible: { status: number; search_attributes: Record<string, unknown> }[] = [];
    for (let i = 0; i < 100; i++) {
      visible = await queryDatabase(
        server.visibilityUrl,
        `SELECT status, search_attributes FROM executions_visibility WHERE workflow_id = $1`,
        [workflowId],
      );
      if (visible[0]?.status === 2) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(visible).toHaveLength(1);
    expect(visible[0].status).toBe(2);
    expect(Object.values(visible[0].search_attributes)).toEqual(expect.arrayContaining([S, 'resolved']));
  });

  it("finds escalations by Resolve's search attributes in SQL visibility", async () => {
    const raise = async (reference: string, extra: Record<string, unknown> = {}) => {
      const res = await stack
        .http()
        .post('/escalations')
        .set('Authorization', await stack.as(raiser))
        .send(raiseBody(S, reference, extra))
        .expect(201);
      return res.body as { id: string; workflow: { id: string } };
    };
    const atTier1 = await raise('SEF-PROD-0010');
    const atTier2 = await raise('SEF-PROD-0011');
    await escalateTo(stack, S, atTier2.id, 2);
    const urgent = await raise('SEF-PROD-0012', { immediateRisk: true });
    const ours = [atTier1, atTier2, urgent].map((e) => e.workflow.id);

    // Each query, and which of the three escalations it must list (the others must not show).
    const now = new Date().toISOString();
    const inAMonth = new Date(Date.now() + 31 * 86_400_000).toISOString();
    const expectations: [string, string[]][] = [
      [`ResolvePartnership="${S}" AND ResolveTier=1 AND ResolveStatus="open"`, [ours[0], ours[2]]],
      [`ResolvePartnership="${S}" AND ResolveTier=2`, [ours[1]]],
      ['ResolveUrgent=true', [ours[2]]],
      [`ResolveProtocol="${S}" AND ResolveNextDeadline < "${inAMonth}"`, ours],
      [`ResolveStatus="open" AND ResolveNextDeadline < "${now}"`, []], // none overdue yet
      [`ResolveRaisingAgency="${S}-police" OR ResolveReceivingAgency="${S}-police"`, ours],
      ['ResolveBreaches >= 1', []],
    ];
    const listed = async (query: string) => {
      const found: string[] = [];
      for await (const w of stack.env.client.workflow.list({ query })) found.push(w.workflowId);
      return found.filter((workflowId) => ours.includes(workflowId)).sort();
    };
    // Visibility is written after each workflow task: wait until every query agrees.
    let answers: string[][] = [];
    for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
      answers = await Promise.all(expectations.map(([query]) => listed(query)));
      if (
        answers.every((found, n) => JSON.stringify(found) === JSON.stringify([...expectations[n][1]].sort()))
      )
        break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(Object.fromEntries(expectations.map(([query], n) => [query, answers[n]]))).toEqual(
      Object.fromEntries(expectations.map(([query, ids]) => [query, [...ids].sort()])),
    );

    // The attributes' values, read back through the server.
    const description = await stack.env.client.workflow.getHandle(ours[1]).describe();
    expect(description.searchAttributes).toMatchObject({
      ResolvePartnership: [S],
      ResolveProtocol: [S],
      ResolveTier: [2],
      ResolveStatus: ['open'],
      ResolveUrgent: [false],
      ResolveRaisingAgency: [`${S}-csc`],
      ResolveReceivingAgency: [`${S}-police`],
      ResolveBreaches: [0],
    });
    expect(description.searchAttributes.ResolveNextDeadline).toHaveLength(1);
  });
});
