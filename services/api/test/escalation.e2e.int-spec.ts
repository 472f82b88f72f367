import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import request from 'supertest';
import { demoPersonId, seedDemoDirectory } from '@resolve/persistence';
import { startNotifier, type RunningNotifier } from '@resolve/notifier';
import {
  devServerEnvironment,
  startSmtpCapture,
  startTestDatabase,
  type SmtpCapture,
  type TestDatabase,
} from '@resolve/testing';
import { startEscalationWorker, type RunningWorker } from '@resolve/worker';
import { createApiApp } from '../src/app';
import { loadOrCreateLocalIssuer, type LocalIssuer } from '../src/auth/local-issuer';
import { createTokenVerifier } from '../src/auth/token-verifier';

/**
 * One escalation end to end through real parts: the NestJS API, a real Postgres, the Temporal
 * dev server, the escalation worker, the notifier and a real SMTP server started by the test.
 */
jest.setTimeout(180_000);

describe('Escalations API end to end (Sefton)', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let smtp: SmtpCapture;
  let worker: RunningWorker;
  let notifier: RunningNotifier;
  let app: INestApplication;
  let issuer: LocalIssuer;
  const P = 'sefton-sscp';
  const raiser = demoPersonId(`${P}-csc`, 'practitioner');
  const receiver = demoPersonId(`${P}-police`, 'practitioner');

  beforeAll(async () => {
    [env, db, smtp] = await Promise.all([devServerEnvironment(), startTestDatabase(), startSmtpCapture()]);
    await seedDemoDirectory(db.dataSource, [
      { id: P, name: 'Sefton' },
      { id: 'bscb', name: 'BSCB' },
    ]);
    worker = await startEscalationWorker({
      temporalAddress: env.address,
      namespace: 'default',
      dataSource: db.dataSource,
      connection: env.nativeConnection,
    });
    notifier = await startNotifier({
      databaseUrl: db.url,
      temporalAddress: env.address,
      smtpUrl: smtp.url,
      mailFrom: 'resolve@sefton.resolve.test',
      publicBaseUrl: 'http://localhost:3000',
      smsProvider: 'outbox',
      connection: env.nativeConnection,
    });
    issuer = await loadOrCreateLocalIssuer(
      path.join(mkdtempSync(path.join(tmpdir(), 'resolve-auth-')), 'issuer.json'),
      'resolve-test',
      'resolve-api',
    );
    app = await createApiApp({
      dataSource: db.dataSource,
      temporal: env.client,
      verifier: createTokenVerifier({
        issuer: issuer.issuer,
        audience: issuer.audience,
        localPublicJwk: issuer.publicJwk,
      }),
    });
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await notifier?.shutdown();
    await worker?.shutdown();
    await env?.teardown();
    await smtp?.stop();
    await db?.stop();
  });

  const as = async (personId: string) => `Bearer ${await issuer.mint(personId)}`;

  const raiseBody = (reference: string) => ({
    protocolId: P,
    reference,
    raisingAgencyId: `${P}-csc`,
    receivingAgencyId: `${P}-police`,
    receivingPersonId: receiver,
    category: 'thresholds',
    natureOfConcern: 'Disagreement about whether the threshold for a strategy discussion is met.',
    outcomesSought: 'A strategy discussion is held.',
    subject: {
      kind: 'child',
      people: [{ name: 'Alexandra Testchild', dateOfBirth: '2016-02-29' }],
      caseIdentifier: 'MOSAIC-123456',
    },
  });

  it('raises, emails tier 1, resolves, and the workflow and the row agree', async () => {
    const res = await request(app.getHttpServer())
      .post('/escalations')
      .set('Authorization', await as(raiser))
      .send(raiseBody('SEF-2026-0001'))
      .expect(201);
    const id = res.body.id as string;
    expect(res.body).toMatchObject({ reference: 'SEF-2026-0001', status: 'open', tier: { number: 1 } });
    // The workflow id is the escalation's (a uuid), never the case reference.
    expect(res.body.workflow).toEqual({ id: `escalation-${id}`, started: true });

    // The person the concern is raised with is emailed, without the child's details.
    const [mail] = await smtp.waitFor((m) => m.to.includes(`police.practitioner@${P}.resolve.test`));
    expect(mail.subject).toContain('SEF-2026-0001');
    expect(`${mail.subject} ${mail.text} ${mail.html}`).not.toMatch(/Testchild|2016-02-29|MOSAIC-123456/);

    // The deadline: 2 working days, to close of business, with its explanation.
    let view = await request(app.getHttpServer())
      .get(`/escalations/${id}`)
      .set('Authorization', await as(receiver))
      .expect(200);
    for (let i = 0; i < 50 && !view.body.deadline; i++) {
      await new Promise((r) => setTimeout(r, 200));
      view = await request(app.getHttpServer())
        .get(`/escalations/${id}`)
        .set('Authorization', await as(receiver))
        .expect(200);
    }
    expect(view.body.deadline.explanation).toMatch(/working day/);
    expect(view.body.history.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(['raised', 'tier-entered', 'deadline-set']),
    );

    // "Resolved to both agencies' satisfaction": both sides confirm.
    const first = await request(app.getHttpServer())
      .post(`/escalations/${id}/resolve`)
      .set('Authorization', await as(raiser))
      .set('X-Request-Id', 'req-resolve-0001')
      .send({ reason: 'Strategy discussion agreed for Monday.' })
      .expect(200);
    expect(first.body.escalation.status).toBe('open');
    expect(first.headers['x-request-id']).toBe('req-resolve-0001');
    // The request id follows the action: its record, then the workflow's notifications.
    const [record] = await db.dataSource.query(
      `SELECT request_id, outcome, text FROM action_record WHERE id = $1`,
      [first.body.actionId],
    );
    expect(record).toEqual({
      request_id: 'req-resolve-0001',
      outcome: 'accepted',
      text: 'Strategy discussion agreed for Monday.',
    });
    const second = await request(app.getHttpServer())
      .post(`/escalations/${id}/resolve`)
      .set('Authorization', await as(receiver))
      .send({})
      .expect(200);
    expect(second.body.escalation.status).toBe('resolved');

    const result = await env.client.workflow.getHandle(`escalation-${id}`).result();
    expect(result.summary.status).toBe('resolved');
    const [row] = await db.dataSource.query(`SELECT status, closed_at FROM escalation WHERE id = $1`, [id]);
    expect(row.status).toBe('resolved');
    expect(row.closed_at).not.toBeNull();

    view = await request(app.getHttpServer())
      .get(`/escalations/${id}`)
      .set('Authorization', await as(raiser))
      .expect(200);
    expect(view.body.status).toBe('resolved');
    expect(view.body.history.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(['resolution-confirmed', 'closed']),
    );

    // A closed escalation refuses further actions with the reason, and nothing changes.
    const refused = await request(app.getHttpServer())
      .post(`/escalations/${id}/escalate`)
      .set('Authorization', await as(raiser))
      .send({ reason: 'try again' })
      .expect(409);
    expect(refused.body.message).toMatch(/resolved/);
  });

  it('answers bad requests with 4xx that say what is wrong, and never 500', async () => {
    const auth = await as(raiser);
    const server = app.getHttpServer();
    const missing = await request(server)
      .post('/escalations')
      .set('Authorization', auth)
      .send({ protocolId: P })
      .expect(400);
    expect(missing.body.message).toMatch(/reference/);
    expect(missing.body.message).toMatch(/category/);

    const badRef = await request(server)
      .post('/escalations')
      .set('Authorization', auth)
      .send({ ...raiseBody('JOHN-SMITH'), reference: 'John Smith' })
      .expect(400);
    expect(badRef.body.message).toMatch(/reference must be/);

    const badCategory = await request(server)
      .post('/escalations')
      .set('Authorization', auth)
      .send({ ...raiseBody('SEF-2026-0002'), category: 'nope' })
      .expect(400);
    expect(badCategory.body.message).toMatch(/category: must be one of/);

    const unknownProtocol = await request(server)
      .post('/escalations')
      .set('Authorization', auth)
      .send({ ...raiseBody('SEF-2026-0003'), protocolId: 'nowhere' })
      .expect(400);
    expect(unknownProtocol.body.message).toMatch(/unknown protocol "nowhere"/);

    const extra = await request(server)
      .post('/escalations')
      .set('Authorization', auth)
      .send({ ...raiseBody('SEF-2026-0004'), childName: 'x' })
      .expect(400);
    expect(extra.body.message).toMatch(/childName/);

    const malformed = await request(server)
      .post('/escalations')
      .set('Authorization', auth)
      .set('Content-Type', 'application/json')
      .send('{"protocolId":')
      .expect(400);
    expect(malformed.body.message).toMatch(/not valid JSON/);

    await request(server)
      .get('/escalations/00000000-0000-4000-a000-000000000000')
      .set('Authorization', auth)
      .expect(404);
    await request(server).get('/escalations/not-an-id').set('Authorization', auth).expect(404);
    await request(server)
      .post('/escalations/00000000-0000-4000-a000-000000000000/resolve')
      .set('Authorization', auth)
      .send({})
      .expect(404);
    await request(server).get('/escalations?tier=abc').set('Authorization', auth).expect(400);
    await request(server).get('/escalations').expect(401);
    await request(server).get('/escalations').set('Authorization', 'Bearer not-a-jwt').expect(401);
    await request(server).get('/protocols/nowhere/timeline?from=2026-01-01T00:00:00Z').expect(404);
    await request(server).get(`/protocols/${P}/timeline?from=yesterday`).expect(400);
  });

  it('keeps a case invisible to people outside it', async () => {
    const res = await request(app.getHttpServer())
      .post('/escalations')
      .set('Authorization', await as(raiser))
      .send(raiseBody('SEF-2026-0010'))
      .expect(201);
    const outsider = demoPersonId(`${P}-school`, 'practitioner');
    await request(app.getHttpServer())
      .get(`/escalations/${res.body.id}`)
      .set('Authorization', await as(outsider))
      .expect(404);
    const list = await request(app.getHttpServer())
      .get('/escalations')
      .set('Authorization', await as(outsider))
      .expect(200);
    expect(list.body.items).toEqual([]);
    // The board's business manager sees the partnership's cases.
    const board = await request(app.getHttpServer())
      .get('/escalations?status=open')
      .set('Authorization', await as(demoPersonId(P, 'business-manager')))
      .expect(200);
    expect(board.body.items.map((i: { id: string }) => i.id)).toContain(res.body.id);
  });

  it('serves the protocol timeline preview with the Sefton golden deadlines', async () => {
    const res = await request(app.getHttpServer())
      .get(`/protocols/${P}/timeline?from=2026-05-18T08:30:00Z`)
      .expect(200);
    expect(res.body.tiers.map((t: { dueAt: string }) => t.dueAt)).toEqual([
      '2026-05-20T16:00:00.000Z',
      '2026-05-22T16:00:00.000Z',
      '2026-05-27T16:00:00.000Z',
      '2026-06-03T16:00:00.000Z',
    ]);
  });
});
