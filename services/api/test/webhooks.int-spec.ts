import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { TimelineEventsRepository, WebhooksRepository } from '@resolve/persistence';
import { startWebhookDeliverer, type RunningWebhookDeliverer } from '@resolve/worker';
import { person, raiseBody, startStack, type Stack } from './support/harness';

/**
 * Signed events to agencies' case systems (issue 15, docs/integrations.md), end to end: the real
 * stack's worker projects each case into Postgres and queues its webhook deliveries; a deliverer
 * (the worker's, with short waits for the test) posts them to a real HTTP receiver on this
 * machine that answers 500, then times out, then succeeds.
 */
jest.setTimeout(240_000);

const P = 'sefton-sscp';
const POLICE = `${P}-police`;
const CSC = `${P}-csc`;

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  answered: number | 'no answer';
}

/**
 * The agency's receiver. On /flaky each message (by webhook-id) is first answered 500, then left
 * unanswered until the sender gives up, then answered 200; every other path answers 200 at once.
 */
async function startReceiver() {
  const received: Received[] = [];
  const seen = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      const n = (seen.get(id) ?? 0) + 1;
      seen.set(id, n);
      const path = req.url ?? '';
      const answer: Received['answered'] = path !== '/flaky' || n >= 3 ? 200 : n === 1 ? 500 : 'no answer';
      received.push({ path, headers: req.headers, body, answered: answer });
      if (answer !== 'no answer') res.writeHead(answer).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    received,
    async stop() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, ms = 60_000) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Signed webhooks to agencies', () => {
  let stack: Stack;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let deliverer: RunningWebhookDeliverer;
  const admin = person(P, null, 'partnership-administrator');
  const raiser = person(P, 'csc', 'practitioner');
  const policePractitioner = person(P, 'police', 'practitioner');

  beforeAll(async () => {
    [stack, receiver] = await Promise.all([startStack(), startReceiver()]);
    // The worker's own deliverer waits 5 s before a first retry and 10 s for an answer: this one
    // runs the same code with waits a test can afford.
    await stack.worker.webhooks?.stop();
    deliverer = startWebhookDeliverer(stack.db.dataSource, {
      pollIntervalMs: 100,
      timeoutMs: 1_000,
      firstRetryDelayMs: 300,
    });
  });
  afterAll(async () => {
    await deliverer?.stop();
    await receiver?.stop();
    await stack?.stop();
  });

  const as = (personId: string) => stack.as(personId);

  async function register(agencyId: string, url: string, eventTypes: string[]) {
    const res = await stack
      .http()
      .post(`/agencies/${agencyId}/webhooks`)
      .set('Authorization', await as(admin))
      .send({ url, eventTypes })
      .expect(201);
    return res.body as { id: string; secret: string; eventTypes: string[] };
  }

  async function deliveries(endpointId: string) {
    const res = await stack
      .http()
      .get(`/webhooks/${endpointId}/deliveries`)
      .set('Authorization', await as(admin))
      .expect(200);
    return res.body as Array<{
      id: string;
      eventType: string;
      escalationId: string;
      status: string;
      attempts: number;
      lastStatusCode: number | null;
      payload: { type: string; data: Record<string, unknown> };
      attemptLog: Array<{
        attempt: number;
        statusCode: number | null;
        error: string | null;
        signatures: number;
      }>;
    }>;
  }

  async function raise(reference: string) {
    const res = await stack
      .http()
      .post('/escalations')
      .set('Authorization', await as(raiser))
      .send(raiseBody(P, reference))
      .expect(201);
    return res.body.id as string;
  }

  const deliveredAll = (list: Awaited<ReturnType<typeof deliveries>>, n: number) =>
    list.length >= n && list.every((d) => d.status === 'delivered') ? list : undefined;

  it('only the partnership administrator registers, with a clear refusal for bad input', async () => {
    const body = { url: `${receiver.base}/x`, eventTypes: ['raised'] };
    const practitioner = await stack
      .http()
      .post(`/agencies/${POLICE}/webhooks`)
      .set('Authorization', await as(policePractitioner))
      .send(body);
    expect(practitioner.status).toBe(403);
    const unknownEvent = await stack
      .http()
      .post(`/agencies/${POLICE}/webhooks`)
      .set('Authorization', await as(admin))
      .send({ ...body, eventTypes: ['raised', 'note-added'] });
    expect(unknownEvent.status).toBe(400);
    expect(unknownEvent.body.message).toMatch(/eventTypes: each must be one of raised/);
    const badUrl = await stack
      .http()
      .post(`/agencies/${POLICE}/webhooks`)
      .set('Authorization', await as(admin))
      .send({ ...body, url: 'https://user:pw@hooks.example/x' });
    expect(badUrl.status).toBe(400);
    expect(badUrl.body.message).toBe('url: must not carry a user name or password');
    const otherPartnership = await stack
      .http()
      .post(`/agencies/bscb-police/webhooks`)
      .set('Authorization', await as(admin))
      .send(body);
    expect(otherPartnership.status).toBe(404);
    const notAnId = await stack
      .http()
      .get('/webhooks/not-an-id/deliveries')
      .set('Authorization', await as(admin));
    expect(notAnId.status).toBe(404);
  });

  it('delivers each event once per endpoint, signed, through a 500 and a timeout, with no personal details', async () => {
    const police = await register(POLICE, `${receiver.base}/flaky`, [
      'raised',
      'acknowledged',
      'tier-entered',
      'plan-agreed',
      'resolved',
    ]);
    const csc = await register(CSC, `${receiver.base}/csc`, ['raised']);
    expect(police.secret).toMatch(/^whsec_/);
    const listed = await stack
      .http()
      .get(`/agencies/${POLICE}/webhooks`)
      .set('Authorization', await as(admin))
      .expect(200);
    expect(listed.body.find((e: { id: string }) => e.id === police.id)).not.toHaveProperty('secret');

    const reference = 'SEF-WH-0001';
    const id = await raise(reference);
    await stack
      .http()
      .post(`/escalations/${id}/acknowledge`)
      .set('Authorization', await as(policePractitioner))
      .send({ reason: 'Received.' })
      .expect(200);

    // raised, tier-entered and acknowledged for the police; raised only for children's social care.
    const policeLog = await until('the police deliveries', async () =>
      deliveredAll(await deliveries(police.id), 3),
    );
    expect(policeLog.map((d) => d.eventType).sort()).toEqual(['acknowledged', 'raised', 'tier-entered']);
    for (const d of policeLog) {
      expect(d.attemptLog.map((a) => a.statusCode)).toEqual([500, null, 200]);
      expect(d.attemptLog[1].error).toBe('no answer within 1000 ms (timed out)');
      expect(d.attempts).toBe(3);
    }
    const cscLog = await until('the csc delivery', async () => deliveredAll(await deliveries(csc.id), 1));
    expect(cscLog.map((d) => d.eventType)).toEqual(['raised']);
    expect(cscLog[0].attemptLog.map((a) => a.statusCode)).toEqual([200]);

    // Every request verifies with the library, and each message id was answered 2xx exactly once.
    const police200 = receiver.received.filter((r) => r.path === '/flaky' && r.answered === 200);
    const ids = police200.map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(policeLog.map((d) => d.id).sort());
    for (const r of receiver.received.filter((x) => x.path === '/flaky' || x.path === '/csc')) {
      const secret = r.path === '/flaky' ? police.secret : csc.secret;
      const payload = new Webhook(secret).verify(r.body, r.headers as Record<string, string>) as {
        type: string;
        timestamp: string;
        data: Record<string, unknown>;
      };
      expect(Object.keys(payload).sort()).toEqual(['data', 'timestamp', 'type']);
      expect(Object.keys(payload.data).sort()).toEqual(
        ['agencyId', 'at', 'escalationId', 'event', 'partnershipId', 'seq', 'side', 'tier'].sort(),
      );
      expect(payload.data.escalationId).toBe(id);
      expect(payload.type).toBe(`escalation.${payload.data.event}`);
      // Nothing the raiser wrote, not even the case reference (it may carry initials).
      const raised = raiseBody(P, reference);
      for (const text of [reference, raised.natureOfConcern, raised.outcomesSought, 'Received.'])
        expect(r.body).not.toContain(text);
    }
    expect(
      receiver.received.filter((r) => r.path === '/flaky').map((r) => JSON.parse(r.body).data.side),
    ).toEqual(expect.arrayContaining(['receiving']));

    // A projection written again (an activity retried) queues nothing new: the delivery key.
    const timeline = await new TimelineEventsRepository(stack.db.dataSource).forEscalation(id);
    await new WebhooksRepository(stack.db.dataSource).enqueueTimelineEvents(id, timeline);
    expect(await deliveries(police.id)).toHaveLength(3);
  });

  it('signs with both secrets while a rotation overlaps, and redelivers on request', async () => {
    const endpoint = await register(POLICE, `${receiver.base}/steady`, ['raised']);
    const rotated = await stack
      .http()
      .post(`/webhooks/${endpoint.id}/rotate-secret`)
      .set('Authorization', await as(admin))
      .expect(200);
    expect(rotated.body.secret).not.toBe(endpoint.secret);
    const overlapEnds = Date.parse(rotated.body.previousSecretValidUntil) - Date.now();
    expect(overlapEnds).toBeGreaterThan(23.9 * 3600_000);
    expect(overlapEnds).toBeLessThanOrEqual(24 * 3600_000);

    const id = await raise('SEF-WH-0002');
    const [delivery] = await until('the delivery', async () =>
      deliveredAll(await deliveries(endpoint.id), 1),
    );
    expect(delivery.escalationId).toBe(id);
    expect(delivery.attemptLog[0].signatures).toBe(2);
    const first = receiver.received.find((r) => r.headers['webhook-id'] === delivery.id)!;
    expect(String(first.headers['webhook-signature']).split(' ')).toHaveLength(2);
    for (const secret of [endpoint.secret, rotated.body.secret])
      expect(() =>
        new Webhook(secret).verify(first.body, first.headers as Record<string, string>),
      ).not.toThrow();

    const again = await stack
      .http()
      .post(`/webhooks/${endpoint.id}/deliveries/${delivery.id}/redeliver`)
      .set('Authorization', await as(admin))
      .expect(200);
    expect(again.body.status).toBe('pending');
    const [redelivered] = await until('the redelivery', async () => {
      const list = await deliveries(endpoint.id);
      return list[0]?.attempts === 2 && list[0].status === 'delivered' ? list : undefined;
    });
    expect(redelivered.attemptLog.map((a) => a.statusCode)).toEqual([200, 200]);
    const copies = receiver.received.filter((r) => r.headers['webhook-id'] === delivery.id);
    expect(copies).toHaveLength(2);
    expect(copies[1].body).toBe(copies[0].body);

    // Disabled: no new deliveries, and none redelivered.
    await stack
      .http()
      .post(`/webhooks/${endpoint.id}/disable`)
      .set('Authorization', await as(admin))
      .expect(200);
    const refused = await stack
      .http()
      .post(`/webhooks/${endpoint.id}/deliveries/${delivery.id}/redeliver`)
      .set('Authorization', await as(admin));
    expect(refused.status).toBe(409);
    const later = await raise('SEF-WH-0003');
    await until('the later case projected', async () =>
      (await new TimelineEventsRepository(stack.db.dataSource).forEscalation(later)).length > 0
        ? true
        : undefined,
    );
    expect(await deliveries(endpoint.id)).toHaveLength(1);

    // Every change is in the audit trail, without a secret.
    const audit: Array<{ action: string; detail: unknown }> = await stack.db.dataSource.query(
      `SELECT action, detail FROM audit_log WHERE action LIKE 'webhooks.%' ORDER BY seq`,
    );
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining([
        'webhooks.endpoint-registered',
        'webhooks.secret-rotated',
        'webhooks.redelivery-requested',
        'webhooks.endpoint-disabled',
      ]),
    );
    expect(JSON.stringify(audit)).not.toMatch(/whsec_/);
  });
});
