import type { Payload } from '@temporalio/common';
import { ENCRYPTED_ENCODING, payloadWorkflowId } from '@resolve/temporal';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { lodgementNoticeWorkflowId, webhookDeliveryWorkflowId } from '@resolve/contracts';
import { createApiApp } from '../src/app';
import { createTokenVerifier } from '../src/auth/token-verifier';
import { actingPerson, person, raiseBody, startStack, type Stack } from './support/harness';

/**
 * The codec endpoint from an attacker's side (issue 13, docs/security.md): one Temporal
 * namespace holds every partnership's cases, and the Temporal UI sends /codec whatever payloads
 * it shows. Every payload is tagged, inside its authenticated encryption, with the workflow it
 * belongs to; /codec decodes only payloads of the caller's own partnership's cases (a case's
 * webhook deliveries included), refuses another partnership's (403, in the audit trail), and
 * decodes payloads no case can be found for (encrypted before the tag) for nobody unless the
 * installation gives them to the business manager (CODEC_UNATTRIBUTED_PAYLOADS).
 */
jest.setTimeout(300_000);

const S = 'sefton-sscp';
const B = 'bscb';

type JsonPayload = { metadata: Record<string, string>; data: string };
const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

/** Every encrypted payload anywhere in a history's events. */
function encryptedPayloads(node: unknown, out: Payload[] = []): Payload[] {
  if (!node || typeof node !== 'object' || ArrayBuffer.isView(node)) return out;
  const candidate = node as Payload;
  if (candidate.metadata && 'data' in candidate) {
    const encoding = candidate.metadata.encoding;
    if (encoding && Buffer.from(encoding).toString('utf8') === ENCRYPTED_ENCODING) out.push(candidate);
    return out;
  }
  for (const value of Object.values(node)) encryptedPayloads(value, out);
  return out;
}

describe('The codec endpoint with two partnerships', () => {
  let stack: Stack;
  const cases: Record<string, { id: string; workflowId: string; payloads: Payload[] }> = {};

  beforeAll(async () => {
    stack = await startStack();
    for (const [p, reference] of [
      [S, 'SEF-CODEC-1'],
      [B, 'BSCB-CODEC-1'],
    ] as const) {
      const res = await stack
        .http()
        .post('/escalations')
        .set('Authorization', await stack.as(actingPerson(p, 1, 'raising')))
        .send(raiseBody(p, reference));
      expect(res.status).toBe(201);
      const workflowId = res.body.workflow.id as string;
      // An action too, so the history holds an update's arguments and answer.
      const ack = await stack
        .http()
        .post(`/escalations/${res.body.id}/acknowledge`)
        .set('Authorization', await stack.as(actingPerson(p, 1, 'receiving')))
        .send({ reason: 'Seen.' });
      expect(ack.status).toBe(200);
      const history = await stack.env.client.workflow.getHandle(workflowId).fetchHistory();
      cases[p] = { id: res.body.id, workflowId, payloads: encryptedPayloads(history.events) };
    }
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const decode = async (personId: string, payloads: JsonPayload[]) =>
    stack
      .http()
      .post('/codec/decode')
      .set('X-Namespace', 'default')
      .set('Authorization', await stack.as(personId))
      .send({ payloads });

  const codecAudit = (personId: string) =>
    stack.db.dataSource.query(
      `SELECT outcome, partnership_id AS "partnershipId", detail FROM audit_log
        WHERE action = 'codec.decode' AND person_id = $1 ORDER BY seq`,
      [personId],
    ) as Promise<{ outcome: number; partnershipId: string; detail: Record<string, string> }[]>;

  it("tags every payload of a case's history with the case's workflow", () => {
    for (const p of [S, B]) {
      expect(cases[p].payloads.length).toBeGreaterThan(3);
      expect(new Set(cases[p].payloads.map(payloadWorkflowId))).toEqual(new Set([cases[p].workflowId]));
    }
  });

  it("decodes the caller's own partnership's payloads", async () => {
    const chair = person(S, null, 'independent-chair');
    const res = await decode(chair, cases[S].payloads.map(toJson));
    expect(res.status).toBe(200);
    expect(res.body.payloads).toHaveLength(cases[S].payloads.length);
    const input = JSON.parse(Buffer.from(res.body.payloads[0].data, 'base64').toString('utf8'));
    expect(input).toMatchObject({ partnershipId: S });
  });

  it("refuses another partnership's payload, alone or among its own, and audits the refusal", async () => {
    for (const role of ['independent-chair', 'business-manager']) {
      const caller = person(S, null, role);
      const before = (await codecAudit(caller)).length;
      const alone = await decode(caller, [toJson(cases[B].payloads[0])]);
      expect(alone.status).toBe(403);
      expect(alone.body.message).toMatch(/another partnership/);
      expect(JSON.stringify(alone.body)).not.toMatch(/BSCB-CODEC-1|partnershipId/);
      const mixed = await decode(caller, [toJson(cases[S].payloads[0]), toJson(cases[B].payloads[0])]);
      expect(mixed.status).toBe(403);
      expect((await codecAudit(caller)).slice(before)).toEqual([
        expect.objectContaining({
          outcome: 403,
          partnershipId: S,
          detail: expect.objectContaining({ reason: 'payload-of-another-partnership' }),
        }),
        expect.objectContaining({ outcome: 403 }),
      ]);
    }
    // And the other way round.
    expect((await decode(person(B, null, 'business-manager'), [toJson(cases[S].payloads[0])])).status).toBe(
      403,
    );
  });

  const asJson = (payloads: Payload[]) => payloads.map(toJson);
  const plain = (text: string): Payload => ({
    metadata: { encoding: new TextEncoder().encode('json/plain') },
    data: new TextEncoder().encode(text),
  });
  /** A payload as the worker encrypts it for one of a case's webhook deliveries. */
  const deliveryPayload = async (partnershipCase: string, generation: number) => {
    const workflowId = webhookDeliveryWorkflowId(
      `${cases[partnershipCase].id}:3:${randomUUID()}`,
      generation,
    );
    return stack.codec.encode([plain('{"attempt":1}')], {
      type: 'workflow',
      namespace: 'default',
      workflowId,
    });
  };

  it("attributes a webhook delivery's payloads to its case's partnership", async () => {
    for (const generation of [0, 2]) {
      const own = await decode(
        person(B, null, 'business-manager'),
        asJson(await deliveryPayload(B, generation)),
      );
      expect(own.status).toBe(200);
      for (const role of ['independent-chair', 'business-manager']) {
        const other = await decode(person(S, null, role), asJson(await deliveryPayload(B, generation)));
        expect(other.status).toBe(403);
        expect(other.body.message).toMatch(/another partnership/);
      }
    }
  });

  it("attributes a lodged form's notice payloads to its case's partnership", async () => {
    const payload = async (partnershipCase: string) =>
      asJson(
        await stack.codec.encode([plain('{"event":"lodged"}')], {
          type: 'workflow',
          namespace: 'default',
          workflowId: lodgementNoticeWorkflowId(cases[partnershipCase].id, randomUUID()),
        }),
      );
    expect((await decode(person(B, null, 'business-manager'), await payload(B))).status).toBe(200);
    const other = await decode(person(S, null, 'business-manager'), await payload(B));
    expect(other.status).toBe(403);
    expect(other.body.message).toMatch(/another partnership/);
  });

  it('decodes no payload it cannot attribute, by default, for anyone', async () => {
    // What /codec/encode gives back has no workflow: as a payload encrypted before the tag.
    const encoded = await stack
      .http()
      .post('/codec/encode')
      .set('X-Namespace', 'default')
      .set('Authorization', await stack.as(person(S, null, 'business-manager')))
      .send({ payloads: asJson([plain('{"a":1}')]) });
    expect(encoded.status).toBe(200);
    const untagged = encoded.body.payloads as JsonPayload[];
    // And a tag that is neither a case's workflow nor a case's delivery.
    const stranger = asJson(
      await stack.codec.encode([plain('{"b":2}')], {
        type: 'workflow',
        namespace: 'default',
        workflowId: 'bench-noop-17',
      }),
    );
    for (const role of ['business-manager', 'independent-chair']) {
      const caller = person(S, null, role);
      // A payload that is not encrypted comes back as it was (the UI sends some): nothing to guard.
      const clear = await decode(caller, asJson([plain('{"c":3}')]));
      expect(clear.status).toBe(200);
      expect(Buffer.from(clear.body.payloads[0].data, 'base64').toString('utf8')).toBe('{"c":3}');
      for (const payloads of [untagged, stranger]) {
        const res = await decode(caller, payloads);
        expect(res.status).toBe(403);
        expect(res.body.message).toMatch(/not tagged with a case of your partnership/);
      }
      expect((await codecAudit(caller)).at(-1)).toEqual(
        expect.objectContaining({
          outcome: 403,
          detail: expect.objectContaining({ reason: 'payload-not-attributed' }),
        }),
      );
    }
  });

  it('gives unattributed payloads to the business manager only when the installation says so', async () => {
    const app = await createApiApp({
      dataSource: stack.db.dataSource,
      temporal: stack.env.client,
      verifier: createTokenVerifier({
        issuer: stack.issuer.issuer,
        audience: stack.issuer.audience,
        localPublicJwk: stack.issuer.publicJwk,
      }),
      codec: { codec: stack.codec, unattributedPayloads: 'business-manager' },
    });
    await app.init();
    try {
      const untagged = asJson(await stack.codec.encode([plain('{"a":1}')]));
      const decodeHere = async (personId: string) =>
        request(app.getHttpServer())
          .post('/codec/decode')
          .set('X-Namespace', 'default')
          .set('Authorization', await stack.as(personId))
          .send({ payloads: untagged });
      expect((await decodeHere(person(S, null, 'business-manager'))).status).toBe(200);
      const chair = await decodeHere(person(S, null, 'independent-chair'));
      expect(chair.status).toBe(403);
      expect(chair.body.message).toMatch(/only the partnership's business manager/);
      // Another partnership's case stays refused whatever the setting.
      const foreign = await request(app.getHttpServer())
        .post('/codec/decode')
        .set('X-Namespace', 'default')
        .set('Authorization', await stack.as(person(S, null, 'business-manager')))
        .send({ payloads: [toJson(cases[B].payloads[0])] });
      expect(foreign.status).toBe(403);
    } finally {
      await app.close();
    }
  });
});
