import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { PayloadCodec } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import request from 'supertest';
import { demoPersonId, seedDemoDirectory } from '@resolve/persistence';
import { startNotifier, type RunningNotifier } from '@resolve/notifier';
import { listProtocols } from '@resolve/protocols';
import {
  devServerEnvironment,
  startSmtpCapture,
  startTestDatabase,
  testDataConverter,
  type SmtpCapture,
  type TestDatabase,
} from '@resolve/testing';
import { startEscalationWorker, type RunningWorker } from '@resolve/worker';
import { createApiApp } from '../../src/app';
import { loadOrCreateLocalIssuer, type LocalIssuer } from '../../src/auth/local-issuer';
import { createTokenVerifier } from '../../src/auth/token-verifier';

/**
 * The whole stack for API tests, from real parts: Postgres, the Temporal dev server, the
 * escalation worker, the notifier with a real SMTP server, and the NestJS API. The directory is
 * seeded with the demonstration partnership of every shipped protocol.
 */
export interface Stack {
  env: TestWorkflowEnvironment;
  db: TestDatabase;
  smtp: SmtpCapture;
  worker: RunningWorker;
  notifier: RunningNotifier;
  app: INestApplication;
  issuer: LocalIssuer;
  /** The run's payload codec (the worker's, the notifier's, the API client's and /codec's). */
  codec: PayloadCodec;
  /** `Authorization` header value for a directory person. */
  as(personId: string): Promise<string>;
  http(): ReturnType<typeof request>;
  /**
   * Waits (up to 20 s) until every note answered so far is in its case's Postgres timeline: a
   * note is answered once it is recorded, and the note relay signals it in the background.
   */
  notesInTimeline(): Promise<void>;
  stop(): Promise<void>;
}

/** `temporalUiPort` starts the dev server's Web UI; `codecCorsOrigins` lets those origins call /codec. */
export async function startStack(
  options: {
    temporalUiPort?: number;
    codecCorsOrigins?: string[];
    relayIntervalMs?: number;
    protocolsDir?: string;
  } = {},
): Promise<Stack> {
  const [env, db, smtp] = await Promise.all([
    devServerEnvironment({ uiPort: options.temporalUiPort }),
    startTestDatabase(),
    startSmtpCapture(),
  ]);
  // Payloads are encrypted with a key generated for this run (env's clients and workers too).
  const dataConverter = testDataConverter();
  const codec = dataConverter.payloadCodecs![0];
  const partnerships = new Map(listProtocols().map((p) => [p.partnership.id, p.partnership.name]));
  await seedDemoDirectory(
    db.dataSource,
    [...partnerships].map(([id, name]) => ({ id, name })),
  );
  const worker = await startEscalationWorker({
    temporalAddress: env.address,
    namespace: 'default',
    dataSource: db.dataSource,
    connection: env.nativeConnection,
    dataConverter,
  });
  const notifier = await startNotifier({
    databaseUrl: db.url,
    temporalAddress: env.address,
    smtpUrl: smtp.url,
    mailFrom: 'resolve@resolve.test',
    publicBaseUrl: 'http://localhost:3000',
    smsProvider: 'outbox',
    connection: env.nativeConnection,
    dataConverter,
  });
  const issuer = await loadOrCreateLocalIssuer(
    path.join(mkdtempSync(path.join(tmpdir(), 'resolve-auth-')), 'issuer.json'),
    'resolve-test',
    'resolve-api',
  );
  const app = await createApiApp({
    dataSource: db.dataSource,
    temporal: env.client,
    verifier: createTokenVerifier({
      issuer: issuer.issuer,
      audience: issuer.audience,
      localPublicJwk: issuer.publicJwk,
    }),
    codec: { codec, corsOrigins: options.codecCorsOrigins },
    relayIntervalMs: options.relayIntervalMs,
    protocolsDir: options.protocolsDir,
  });
  await app.init();
  return {
    env,
    db,
    smtp,
    worker,
    notifier,
    app,
    issuer,
    codec,
    as: async (personId) => `Bearer ${await issuer.mint(personId)}`,
    http: () => request(app.getHttpServer()),
    async notesInTimeline() {
      for (let i = 0; i < 200; i++) {
        const [{ n }] = await db.dataSource.query(
          `SELECT count(*)::int AS n FROM action_record a WHERE a.kind = 'add-note' AND a.outcome = 'accepted'
              AND NOT EXISTS (SELECT 1 FROM escalation_event e WHERE e.action_id = a.id)`,
        );
        if (n === 0) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('answered notes are still not in their timelines after 20 s');
    },
    async stop() {
      await app.close();
      await notifier.shutdown();
      await worker.shutdown();
      await env.teardown();
      await smtp.stop();
      await db.stop();
    },
  };
}

/** Demonstration people: `person('sefton-sscp', 'csc', 'practitioner')`, `person('sefton-sscp', null, 'independent-chair')`. */
export function person(partnershipId: string, agencySuffix: string | null, role: string): string {
  return agencySuffix
    ? demoPersonId(`${partnershipId}-${agencySuffix}`, role)
    : demoPersonId(partnershipId, role);
}

/**
 * The demonstration person who acts for a side at tier n of a protocol (the first role the tier
 * names for that side), as who-may-act requires: children's social care raises, the police
 * receive (see `raiseBody`).
 */
export function actingPerson(protocolId: string, n: number, side: 'raising' | 'receiving'): string {
  const protocol = listProtocols().find((p) => p.id === protocolId)!;
  const tier = protocol.tiers.find((t) => t.number === n)!;
  return person(protocol.partnership.id, side === 'raising' ? 'csc' : 'police', tier.roles[side][0]);
}

/** The person holding a partnership role (the chair, the business manager...). */
export function partnershipPerson(protocolId: string, role: string): string {
  const protocol = listProtocols().find((p) => p.id === protocolId)!;
  return person(protocol.partnership.id, null, role);
}

/**
 * Escalates a case from its current tier to tier n, each step by the raising side's acting
 * person of that tier; `route` names the last step's branch where people choose it.
 */
export async function escalateTo(
  stack: Stack,
  protocolId: string,
  id: string,
  n: number,
  options: { route?: string; reason?: string } = {},
): Promise<void> {
  for (;;) {
    const now = await stack
      .http()
      .get(`/escalations/${id}`)
      .set('Authorization', await stack.as(actingPerson(protocolId, 1, 'raising')));
    const tier = now.body.tier?.number as number;
    if (!tier || tier >= n) return;
    const res = await stack
      .http()
      .post(`/escalations/${id}/escalate`)
      .set('Authorization', await stack.as(actingPerson(protocolId, tier, 'raising')))
      .send({
        reason: options.reason ?? `Not resolved at step ${tier}.`,
        ...(tier + 1 === n && options.route ? { route: options.route } : {}),
      });
    if (res.status !== 200)
      throw new Error(`escalate from tier ${tier}: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

/**
 * Appoints the chair of the case's final step where the protocol appoints one on the case
 * (Sefton, Lincolnshire), by its first appointing role; the chair is the partnership's
 * demonstration independent chair.
 */
export async function appointChairIfNeeded(stack: Stack, protocolId: string, id: string): Promise<void> {
  const protocol = listProtocols().find((p) => p.id === protocolId)!;
  const by = protocol.finalDecision.appointedBy;
  if (!by?.length) return;
  const res = await stack
    .http()
    .post(`/escalations/${id}/chair`)
    .set('Authorization', await stack.as(partnershipPerson(protocolId, by[0])))
    .send({
      chairPersonId: partnershipPerson(protocolId, protocol.finalDecision.by),
      reason: 'Chair for this case.',
    });
  if (res.status !== 200) throw new Error(`appoint chair: ${res.status} ${JSON.stringify(res.body)}`);
}

/** A valid raise body for a protocol, between the partnership's children's social care and police. */
export function raiseBody(protocolId: string, reference: string, extra: Record<string, unknown> = {}) {
  const protocol = listProtocols().find((p) => p.id === protocolId)!;
  const p = protocol.partnership.id;
  return {
    protocolId,
    reference,
    raisingAgencyId: `${p}-csc`,
    receivingAgencyId: `${p}-police`,
    receivingPersonId: person(p, 'police', 'practitioner'),
    category: protocol.categories[0].id,
    natureOfConcern: 'Disagreement about whether the threshold for a strategy discussion is met.',
    outcomesSought: 'A strategy discussion is held.',
    ...extra,
  };
}
