import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import type { FaultPoint } from '@resolve/persistence';
import { testEncryptionKeys } from '@resolve/testing';
import { loadOrCreateLocalIssuer, type LocalIssuer } from '../src/auth/local-issuer';
import { person, raiseBody, startStack, type Stack } from './support/harness';

/**
 * No action without its audit row, shown by killing the API (issue 13, docs/security.md): the
 * API runs as a real child process (services/api/src/main.ts) with the test-only fault point
 * RESOLVE_FAULT_POINT=between-record-and-audit, which makes it stop inside the write of an
 * action's record, after the record's INSERT and before its audit row, and wait. The test kills
 * it there with SIGKILL and looks at Postgres: there is no record without its
 * `case-record.append` row (nor any half of the write), and the same request retried with its
 * Idempotency-Key is recorded and applied once. And a note (issue 16): answered once recorded,
 * killed at RESOLVE_FAULT_POINT=between-note-claim-and-signal while its relay holds it, it is
 * delivered once by the API started again.
 */
jest.setTimeout(600_000);

const P = 'sefton-sscp';
const RAISER = person(P, 'csc', 'practitioner');
const RECEIVER = person(P, 'police', 'practitioner');
const ROOT = path.resolve(__dirname, '../../..');
const ISSUER = 'resolve-crash-test';
const AUDIENCE = 'resolve-api';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The API as its own process, armed to stop between an action's record and its audit row. */
class ApiProcess {
  private output = '';
  private readonly exited: Promise<NodeJS.Signals | number | null>;
  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.stdout!.on('data', (b: Buffer) => (this.output += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (this.output += b.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  }

  static async start(
    stack: Stack,
    keyFile: string,
    faultPoint: FaultPoint | null = 'between-record-and-audit',
  ): Promise<ApiProcess> {
    const port = await freePort();
    const child = spawn(process.execPath, ['-r', './infra/runtime/register.js', 'services/api/src/main.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        RESOLVE_ENV: 'development',
        DATABASE_URL: stack.db.url,
        RUN_MIGRATIONS: 'false',
        TEMPORAL_ADDRESS: stack.env.address,
        RESOLVE_ENCRYPTION_KEYS: testEncryptionKeys(),
        AUTH_LOCAL_KEY_FILE: keyFile,
        AUTH_ISSUER: ISSUER,
        AUTH_AUDIENCE: AUDIENCE,
        PORT: String(port),
        ...(faultPoint ? { RESOLVE_FAULT_POINT: faultPoint } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const api = new ApiProcess(child, port);
    await api.waitFor(/"api listening"/, 240_000);
    return api;
  }

  async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!pattern.test(this.output)) {
      if (this.child.exitCode !== null || this.child.signalCode !== null)
        throw new Error(`the API exited before ${pattern}: ${this.output.slice(-2000)}`);
      if (Date.now() > until)
        throw new Error(`no ${pattern} in ${timeoutMs} ms: ${this.output.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** kill -9: no shutdown hook, no rollback sent; Postgres sees the connection drop. */
  async kill(): Promise<NodeJS.Signals | number | null> {
    this.child.kill('SIGKILL');
    return this.exited;
  }
}

describe('The API killed between an action and its audit row', () => {
  let stack: Stack;
  let issuer: LocalIssuer;
  let keyFile: string;
  let api: ApiProcess | null = null;
  let caseId: string;

  const db = () => stack.db.dataSource;

  /** Records without their case-record.append row: must always be none. */
  const unaudited = async () =>
    (await db().query(
      `SELECT a.id FROM action_record a
        WHERE NOT EXISTS (SELECT 1 FROM audit_log l WHERE l.action_record_id = a.id AND l.action = 'case-record.append')`,
    )) as { id: string }[];

  /** Waits until Postgres has ended the killed process's sessions (and so rolled back their transactions). */
  async function killedSessionsGone(): Promise<void> {
    for (let i = 0; i < 300; i++) {
      const [{ n }] = await db().query(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()`,
      );
      if (n === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the killed API still has a transaction open after 30 s');
  }

  /** Sends a request to the child that will never be answered (it is killed first). */
  function sendUnanswered(req: request.Test): void {
    req.then(
      () => undefined,
      () => undefined,
    );
  }

  beforeAll(async () => {
    // This process's own relays an hour apart: a note a killed API left is the restarted one's.
    stack = await startStack({ relayIntervalMs: 3_600_000 });
    keyFile = path.join(mkdtempSync(path.join(tmpdir(), 'resolve-crash-')), 'issuer.json');
    issuer = await loadOrCreateLocalIssuer(keyFile, ISSUER, AUDIENCE);
    const raised = await stack
      .http()
      .post('/escalations')
      .set('Authorization', await stack.as(RAISER))
      .send(raiseBody(P, 'CRASH-1'));
    expect(raised.status).toBe(201);
    caseId = raised.body.id;
    const ack = await stack
      .http()
      .post(`/escalations/${caseId}/acknowledge`)
      .set('Authorization', await stack.as(RECEIVER))
      .send({ reason: 'Received.' });
    expect(ack.status).toBe(200);
  });
  afterAll(async () => {
    await api?.kill();
    await stack?.stop();
  });

  it('an action: killed with its record inserted and no audit row, neither is kept; the retry applies it once', async () => {
    api = await ApiProcess.start(stack, keyFile);
    const before = await db().query(`SELECT count(*)::int AS n FROM action_record WHERE escalation_id = $1`, [
      caseId,
    ]);
    sendUnanswered(
      request(`http://127.0.0.1:${api.port}`)
        .post(`/escalations/${caseId}/respond`)
        .set('Authorization', `Bearer ${await issuer.mint(RECEIVER)}`)
        .set('Idempotency-Key', 'crash-respond-1')
        .send({ reason: 'Threshold not met yet.' }),
    );
    await api.waitFor(/fault point reached; waiting to be killed/);
    // The record is inserted in the API's open transaction: invisible to everyone else.
    const [{ n: open }] = await db().query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()`,
    );
    expect(open).toBeGreaterThanOrEqual(1);

    expect(await api.kill()).toBe('SIGKILL');
    api = null;
    await killedSessionsGone();

    expect(await unaudited()).toEqual([]);
    expect(
      await db().query(`SELECT count(*)::int AS n FROM action_record WHERE escalation_id = $1`, [caseId]),
    ).toEqual(before);
    expect(
      await db().query(
        `SELECT count(*)::int AS n FROM action_record WHERE escalation_id = $1 AND kind = 'respond'`,
        [caseId],
      ),
    ).toEqual([{ n: 0 }]);
    const view = await stack
      .http()
      .get(`/escalations/${caseId}`)
      .set('Authorization', await stack.as(RAISER));
    expect(view.body.history.map((e: { type: string }) => e.type)).not.toContain('responded');

    // The person tries again with the same key: recorded with its audit row, applied once.
    const retry = await stack
      .http()
      .post(`/escalations/${caseId}/respond`)
      .set('Authorization', await stack.as(RECEIVER))
      .set('Idempotency-Key', 'crash-respond-1')
      .send({ reason: 'Threshold not met yet.' });
    expect(retry.status).toBe(200);
    const records = await db().query(
      `SELECT id, outcome FROM action_record WHERE escalation_id = $1 AND kind = 'respond'`,
      [caseId],
    );
    expect(records).toEqual([{ id: retry.body.actionId, outcome: 'accepted' }]);
    expect(
      await db().query(
        `SELECT count(*)::int AS n FROM audit_log WHERE action_record_id = $1 AND action = 'case-record.append'`,
        [retry.body.actionId],
      ),
    ).toEqual([{ n: 1 }]);
    expect(await unaudited()).toEqual([]);
  });

  it('a note: killed after its answer and before its signal, the restarted API delivers it once', async () => {
    api = await ApiProcess.start(stack, keyFile, 'between-note-claim-and-signal');
    const answered = await request(`http://127.0.0.1:${api.port}`)
      .post(`/escalations/${caseId}/notes`)
      .set('Authorization', `Bearer ${await issuer.mint(RAISER)}`)
      .set('Idempotency-Key', 'crash-note-1')
      .send({ text: 'Spoke to the duty sergeant.' });
    // Answered once recorded and claimed; the relay stops before the signal, holding the note.
    expect(answered.status).toBe(200);
    const noteId = answered.body.actionId as string;
    await api.waitFor(/fault point reached; waiting to be killed/);
    const timelineOf = async () =>
      (await db().query(`SELECT count(*)::int AS n FROM escalation_event WHERE action_id = $1`, [noteId]))[0]
        .n as number;
    expect(await timelineOf()).toBe(0);

    expect(await api.kill()).toBe('SIGKILL');
    api = null;
    await killedSessionsGone();
    expect(await db().query(`SELECT outcome, relayed_at FROM action_record WHERE id = $1`, [noteId])).toEqual(
      [{ outcome: 'accepted', relayed_at: null }],
    );

    // The API starts again (no fault point): its relay's start-up sweep finds the note owed.
    api = await ApiProcess.start(stack, keyFile, null);
    await api.waitFor(/note relay delivered an owed note/);
    for (let i = 0; i < 100 && (await timelineOf()) === 0; i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 500));
    expect(await timelineOf()).toBe(1);
    const [{ relayed_at }] = await db().query(`SELECT relayed_at FROM action_record WHERE id = $1`, [noteId]);
    expect(relayed_at).not.toBeNull();
    // The person's retry with the same key answers as the first time and adds nothing.
    const retry = await request(`http://127.0.0.1:${api.port}`)
      .post(`/escalations/${caseId}/notes`)
      .set('Authorization', `Bearer ${await issuer.mint(RAISER)}`)
      .set('Idempotency-Key', 'crash-note-1')
      .send({ text: 'Spoke to the duty sergeant.' });
    expect(retry.status).toBe(200);
    expect(retry.body.actionId).toBe(noteId);
    await new Promise((r) => setTimeout(r, 500));
    expect(await timelineOf()).toBe(1);
    expect(await api.kill()).toBe('SIGKILL');
    api = null;
  });

  it('a raise: killed between its record and its audit row, no case, subject or record is kept', async () => {
    api = await ApiProcess.start(stack, keyFile);
    const count = async () =>
      (
        await db().query(
          `SELECT (SELECT count(*) FROM escalation)::int AS cases, (SELECT count(*) FROM escalation_subject)::int AS subjects,
                  (SELECT count(*) FROM action_record)::int AS records`,
        )
      )[0];
    const before = await count();
    sendUnanswered(
      request(`http://127.0.0.1:${api.port}`)
        .post('/escalations')
        .set('Authorization', `Bearer ${await issuer.mint(RAISER)}`)
        .set('Idempotency-Key', 'crash-raise-1')
        .send(raiseBody(P, 'CRASH-2')),
    );
    await api.waitFor(/fault point reached; waiting to be killed/);
    expect(await api.kill()).toBe('SIGKILL');
    api = null;
    await killedSessionsGone();
    expect(await count()).toEqual(before);
    expect(await db().query(`SELECT count(*)::int AS n FROM escalation WHERE reference = 'CRASH-2'`)).toEqual(
      [{ n: 0 }],
    );
    expect(await unaudited()).toEqual([]);

    const verify = await stack
      .http()
      .get('/audit/verify')
      .set('Authorization', await stack.as(person(P, null, 'business-manager')));
    expect(verify.body).toMatchObject({ ok: true, caseRecord: { altered: [], unchained: [] } });
  });
});
