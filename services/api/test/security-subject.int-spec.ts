import { person, raiseBody, startStack, type Stack } from './support/harness';

/**
 * The child's or adult's details (`escalation_subject`) from the side of someone holding the
 * application's database connection (issue 13, docs/security.md): they cannot be changed or
 * removed, not even with replication's trigger switch, and the refusal names the table, the
 * column and the case, never a value.
 */
jest.setTimeout(300_000);

const S = 'sefton-sscp';

describe('The subject of a case, append-only', () => {
  let stack: Stack;
  let caseId: string;

  beforeAll(async () => {
    stack = await startStack();
    const res = await stack
      .http()
      .post('/escalations')
      .set('Authorization', await stack.as(person(S, 'csc', 'practitioner')))
      .send(
        raiseBody(S, 'SEF-SUBJ-1', {
          subject: { kind: 'child', people: [{ name: 'Keziah Blackwood', dateOfBirth: '2014-07-19' }] },
        }),
      );
    expect(res.status).toBe(201);
    caseId = res.body.id;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const db = () => stack.db.dataSource;

  it.each([
    ['with the triggers as they are', false],
    ["with replication's trigger switch", true],
  ])('refuses to change, remove or truncate it (%s)', async (_how, replica) => {
    const runner = db().createQueryRunner();
    await runner.connect();
    try {
      if (replica) await runner.query(`SET session_replication_role = replica`);
      const refused = async (sql: string, params: unknown[], message: RegExp) => {
        const err = await runner.query(sql, params).then(
          () => null,
          (e: { message: string; driverError?: { code?: string } }) => e,
        );
        expect(err?.message).toMatch(message);
        expect(err?.driverError?.code).toBe('RC001');
        expect(err?.message).not.toMatch(/Keziah|2014-07-19|strategy discussion/);
      };
      await refused(
        `UPDATE escalation_subject SET nature_of_concern = 'nothing to see' WHERE escalation_id = $1`,
        [caseId],
        new RegExp(
          `escalation_subject is append-only: nature_of_concern never changes \\(escalation ${caseId}\\)`,
        ),
      );
      await refused(
        `UPDATE escalation_subject SET people = '[]' WHERE escalation_id = $1`,
        [caseId],
        /escalation_subject is append-only: people never changes/,
      );
      await refused(
        `DELETE FROM escalation_subject WHERE escalation_id = $1`,
        [caseId],
        /escalation_subject is append-only: a case's subject is never deleted/,
      );
      await refused(`TRUNCATE escalation_subject CASCADE`, [], /escalation_subject is append-only: TRUNCATE/);
    } finally {
      await runner.release();
    }
    const [subject] = await db().query(
      `SELECT nature_of_concern, people FROM escalation_subject WHERE escalation_id = $1`,
      [caseId],
    );
    expect(subject.nature_of_concern).toMatch(/strategy discussion/);
    expect(subject.people).toEqual([expect.objectContaining({ name: 'Keziah Blackwood' })]);
  });

  it('still shows the case with its subject', async () => {
    const res = await stack
      .http()
      .get(`/escalations/${caseId}`)
      .set('Authorization', await stack.as(person(S, 'csc', 'practitioner')));
    expect(res.status).toBe(200);
  });
});
