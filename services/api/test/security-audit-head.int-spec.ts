import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AUDIT_CHAIN_LOCK_KEY, AuditRepository, chainHash, fieldsOfRow } from '@resolve/persistence';
import { createApiApp } from '../src/app';
import { AuditHeadPublisher, signHead } from '../src/audit/audit-head';
import { createTokenVerifier } from '../src/auth/token-verifier';
import { person, raiseBody, startStack, type Stack } from './support/harness';

/**
 * A database superuser rewriting the audit trail (issue 13, docs/security.md). The chain is
 * hash-linked, so a changed row breaks it, unless whoever changes it also recomputes every hash
 * after it, which the superuser can. The API therefore publishes the chain's head, signed with
 * AUDIT_HEAD_SIGNING_KEY (which the database never holds), to AUDIT_HEAD_LOG; GET /audit/verify
 * compares the chain with every published head, and a rewrite from before a published head
 * fails it even though the chain itself is consistent again.
 */
jest.setTimeout(300_000);

const S = 'sefton-sscp';
const CHAIR = person(S, null, 'independent-chair');

describe('The audit chain against its published heads', () => {
  let stack: Stack;
  let app: INestApplication;
  let logPath: string;
  let publishedSeq = 0;
  const { privateKey } = generateKeyPairSync('ed25519');

  beforeAll(async () => {
    stack = await startStack();
    logPath = path.join(mkdtempSync(path.join(tmpdir(), 'resolve-audit-heads-')), 'audit-heads.jsonl');
    // The API as production runs it: with the signing key and the log (publishing on demand here).
    app = await createApiApp({
      dataSource: stack.db.dataSource,
      temporal: stack.env.client,
      verifier: createTokenVerifier({
        issuer: stack.issuer.issuer,
        audience: stack.issuer.audience,
        localPublicJwk: stack.issuer.publicJwk,
      }),
      auditHead: { signingKey: privateKey, logPath, intervalMs: 3_600_000 },
    });
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
    await stack?.stop();
  });

  const verify = async () =>
    (
      await request(app.getHttpServer())
        .get('/audit/verify')
        .set('Authorization', await stack.as(CHAIR))
    ).body;

  it('publishes the signed head and verifies the chain against it', async () => {
    const raised = await stack
      .http()
      .post('/escalations')
      .set('Authorization', await stack.as(person(S, 'csc', 'practitioner')))
      .send(raiseBody(S, 'SEF-HEAD-1'));
    expect(raised.status).toBe(201);
    const published = await app.get(AuditHeadPublisher).publish();
    expect(published).not.toBeNull();
    publishedSeq = published!.seq;
    const lines = readFileSync(logPath, 'utf8').trim().split('\n');
    expect(JSON.parse(lines[lines.length - 1])).toEqual(published);
    // Nothing moved: nothing new to publish.
    expect(await app.get(AuditHeadPublisher).publish()).toBeNull();

    const result = await verify();
    expect(result).toMatchObject({
      ok: true,
      publishedHeads: { ok: true, heads: 1, rewritten: [], missing: [], badLines: [] },
    });
    expect(result.publishedHeads.latest).toMatchObject({ seq: published!.seq, hash: published!.hash });
  });

  it('finds the chain rewritten by a superuser who recomputed every hash', async () => {
    const ds = stack.db.dataSource;
    const [{ rolsuper }] = await ds.query(`SELECT rolsuper FROM pg_roles WHERE rolname = current_user`);
    expect(rolsuper).toBe(true);
    // A superuser who means the rewrite to hold takes the chain's own lock for it: an append
    // landing between reading the head and rewriting it (the raise's projection is written in
    // the background) would link to the old head and show the rewrite as a broken link instead.
    await ds.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK_KEY})`);
      const rows = new AuditRepository(tx);
      const head = (await rows.head())!;
      // The superuser erases who raised the case: the first row of the raise, and re-hashes from it on.
      const [{ seq: from }] = await tx.query(
        `SELECT seq::int AS seq FROM audit_log WHERE person_id IS NOT NULL AND seq <= $1 ORDER BY seq LIMIT 1`,
        [publishedSeq],
      );
      const tail = await rows.range(String(from - 1), String(head.seq), 10_000);
      let prevHash = tail[0].prevHash;
      await tx.query(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`);
      for (const row of tail) {
        const changed = Number(row.seq) === from ? { ...row, personId: null, role: null } : row;
        const hash = chainHash(prevHash, fieldsOfRow(changed));
        await tx.query(
          `UPDATE audit_log SET person_id = $2, role = $3, prev_hash = $4, hash = $5 WHERE seq = $1`,
          [row.seq, changed.personId, changed.role, prevHash, hash],
        );
        prevHash = hash;
      }
      await tx.query(`ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_append_only`);
    });

    const result = await verify();
    // The chain alone holds again: only the published head shows the rewrite.
    expect(result.firstBrokenSeq).toBeUndefined();
    expect(result).toMatchObject({
      ok: false,
      publishedHeads: { ok: false, rewritten: [publishedSeq] },
    });
  });

  it('refuses a head written into the log without the key, and a shortened chain', async () => {
    const { privateKey: another } = generateKeyPairSync('ed25519');
    const forged = signHead(another, { seq: 1, hash: 'f'.repeat(64) });
    appendFileSync(logPath, `${JSON.stringify(forged)}\n`);
    // A head past the end, signed with the real key: the chain was cut after it was published.
    appendFileSync(
      logPath,
      `${JSON.stringify(signHead(privateKey, { seq: 10_000_000, hash: 'e'.repeat(64) }))}\n`,
    );
    const result = await verify();
    expect(result.ok).toBe(false);
    expect(result.publishedHeads.badLines).toHaveLength(1);
    expect(result.publishedHeads.missing).toEqual([10_000_000]);
  });
});
