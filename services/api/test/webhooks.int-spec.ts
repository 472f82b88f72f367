import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import {
  DEVELOPMENT_WEBHOOK_SECRET_KEY,
  MIGRATIONS,
  TimelineEventsRepository,
  WebhookSecretCipher,
  WebhooksRepository,
} from '@resolve/persistence';
import { startWebhookDeliverer, type RunningWebhookDeliverer } from '@resolve/worker';
import { person, raiseBody, startStack, type Stack } from './support/harness';

/**
 * Signed events to agencies' case systems (issue 15, docs/integrations.md), end to end: the real
 * stack's worker projects each case into Postgres and queues its webhook deliveries; a starter
 * (the worker's, with short waits for the test) hands each to a webhookDelivery workflow on the
 * real Temporal dev server, whose activity posts it to a real HTTP receiver on this machine that
 * drops the connection, answers 503, then times out, then succeeds.
 */
jest.setTimeout(240_000);

const P = 'sefton-sscp';
const POLICE = `${P}-police`;
const CSC = `${P}-csc`;

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  answered: number | 'no answer' | 'dropped';
}

/**
 * The agency's receiver. On /flaky each message (by webhook-id) first has its connection dropped,
 * is then answered 503, then left unanswered until the sender gives up, then answered 200; /gone
 * answers 410 Gone; /down always 500; every other path answers 200 at once.
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
      const flaky: Received['answered'][] = ['dropped', 503, 'no answer', 200];
      const answer: Received['answered'] =
        path === '/flaky'
          ? flaky[Math.min(n, flaky.length) - 1]
          : path === '/gone'
            ? 410
            : path === '/down'
              ? 500
              : 200;
      received.push({ path, headers: req.headers, body, answered: answer });
      if (answer === 'dropped') req.socket.destroy();
      else if (answer !== 'no answer') res.writeHead(answer).end();
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
    // The worker's own starter gives a first retry 5 s and an answer 10 s: this one starts the
    // same workflows with waits a test can afford, on the same worker.
    await stack.worker.webhooks?.stop();
    deliverer = startWebhookDeliverer(stack.db.dataSource, stack.env.client, {
      pollIntervalMs: 100,
      timeoutMs: 1_000,
      firstRetryDelayMs: 300,
      retryWindowMs: 60_000,
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
      seq: number;
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

  it('delivers each event once per endpoint, signed, through a dropped connection, a 503 and a timeout, with no personal details', async () => {
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
      expect(d.attemptLog.map((a) => a.statusCode)).toEqual([null, 503, null, 200]);
      expect(d.attemptLog[0].error).toMatch(/^could not reach the receiver \(ECONNRESET\)$/);
      expect(d.attemptLog[1].error).toBe('the receiver answered HTTP 503');
      expect(d.attemptLog[2].error).toBe('no answer within 1000 ms (timed out)');
      expect(d.attemptLog[3].error).toBeNull();
      expect(d.attempts).toBe(4);
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

  it("lets an agency's administrator manage their own agency's webhooks only, with no part in cases", async () => {
    const policeAdmin = person(P, 'police', 'agency-administrator');
    const registered = await stack
      .http()
      .post(`/agencies/${POLICE}/webhooks`)
      .set('Authorization', await as(policeAdmin))
      .send({ url: `${receiver.base}/own`, eventTypes: ['raised'] })
      .expect(201);
    expect(registered.body.secret).toMatch(/^whsec_/);
    const listed = await stack
      .http()
      .get(`/agencies/${POLICE}/webhooks`)
      .set('Authorization', await as(policeAdmin))
      .expect(200);
    expect(listed.body.map((e: { id: string }) => e.id)).toContain(registered.body.id);
    await stack
      .http()
      .post(`/webhooks/${registered.body.id}/rotate-secret`)
      .set('Authorization', await as(policeAdmin))
      .expect(200);
    const id = await raise('SEF-WH-0007');
    const log = await until('the own delivery', async () => {
      const res = await stack
        .http()
        .get(`/webhooks/${registered.body.id}/deliveries`)
        .set('Authorization', await as(policeAdmin))
        .expect(200);
      return res.body.length === 1 && res.body[0].status === 'delivered' ? res.body : undefined;
    });
    await stack
      .http()
      .post(`/webhooks/${registered.body.id}/deliveries/${log[0].id}/redeliver`)
      .set('Authorization', await as(policeAdmin))
      .expect(200);

    // Another agency's endpoints: neither seen nor changed, and the refusal says why.
    const csc = await register(CSC, `${receiver.base}/csc-only`, ['raised']);
    const refusals = [
      stack.http().get(`/agencies/${CSC}/webhooks`),
      stack
        .http()
        .post(`/agencies/${CSC}/webhooks`)
        .send({ url: `${receiver.base}/x`, eventTypes: ['raised'] }),
      stack.http().post(`/webhooks/${csc.id}/rotate-secret`),
      stack.http().post(`/webhooks/${csc.id}/disable`),
      stack.http().get(`/webhooks/${csc.id}/deliveries`),
    ];
    for (const req of refusals) {
      const res = await req.set('Authorization', await as(policeAdmin));
      expect(res.status).toBe(403);
      expect(res.body.message).toMatch(new RegExp(`you administer the webhooks of ${POLICE} only`));
    }
    // A practitioner of the agency is refused by name of who may.
    const practitioner = await stack
      .http()
      .get(`/agencies/${POLICE}/webhooks`)
      .set('Authorization', await as(policeAdmin.replace('agency-administrator', 'practitioner')));
    expect(practitioner.status).toBe(403);
    expect(practitioner.body.message).toMatch(/agency administrator manages its webhooks/);

    // The role gives no part in the agency's cases: not listed, not found.
    await stack
      .http()
      .get(`/escalations/${id}`)
      .set('Authorization', await as(policeAdmin))
      .expect(404);
    const cases = await stack
      .http()
      .get('/escalations')
      .set('Authorization', await as(policeAdmin))
      .expect(200);
    expect(JSON.stringify(cases.body)).not.toContain(id);
    await stack
      .http()
      .post(`/escalations/${id}/acknowledge`)
      .set('Authorization', await as(policeAdmin))
      .send({ reason: 'Received.' })
      .expect(404);
  });

  it('the migration seals secrets written in plaintext before it, and leaves sealed ones alone', async () => {
    const [row]: Array<{ id: string }> = await stack.db.dataSource.query(
      `INSERT INTO webhook_endpoint (agency_id, url, secret, previous_secret, event_types, created_by)
       VALUES ($1, 'https://old.example/hook', 'whsec_b2xkLXNlY3JldA==', NULL, '{raised}', 'migration-test')
       RETURNING id`,
      [POLICE],
    );
    const runner = stack.db.dataSource.createQueryRunner();
    const EncryptWebhookSecrets = MIGRATIONS.find((m) => m.name === 'EncryptWebhookSecrets1764700100000')!;
    try {
      await new EncryptWebhookSecrets().up(runner);
      const [sealed]: Array<{ secret: string }> = await stack.db.dataSource.query(
        'SELECT secret FROM webhook_endpoint WHERE id = $1',
        [row.id],
      );
      expect(sealed.secret).toMatch(/^aesgcm1:/);
      expect(new WebhookSecretCipher(DEVELOPMENT_WEBHOOK_SECRET_KEY).open(sealed.secret)).toBe(
        'whsec_b2xkLXNlY3JldA==',
      );
      await new EncryptWebhookSecrets().up(runner);
      const [again]: Array<{ secret: string }> = await stack.db.dataSource.query(
        'SELECT secret FROM webhook_endpoint WHERE id = $1',
        [row.id],
      );
      expect(again.secret).toBe(sealed.secret);
    } finally {
      await runner.release();
      await stack.db.dataSource.query('UPDATE webhook_endpoint SET disabled_at = now() WHERE id = $1', [
        row.id,
      ]);
    }
  });

  it('runs each delivery as one Temporal workflow named by its delivery key; a repeated start sends nothing', async () => {
    const endpoint = await register(POLICE, `${receiver.base}/once`, ['raised']);
    const id = await raise('SEF-WH-0004');
    const [delivery] = await until('the delivery', async () =>
      deliveredAll(await deliveries(endpoint.id), 1),
    );
    const deliveryKey = `${id}:${delivery.seq}:${endpoint.id}`;
    const [row]: Array<{ workflow_id: string; delivery_key: string }> = await stack.db.dataSource.query(
      'SELECT workflow_id, delivery_key FROM webhook_delivery WHERE id = $1',
      [delivery.id],
    );
    expect(row).toEqual({ workflow_id: `webhook-${deliveryKey}`, delivery_key: deliveryKey });
    // The row says delivered as the activity ends; the workflow completes just after it.
    const handle = stack.env.client.workflow.getHandle(row.workflow_id);
    await handle.result();
    const described = await handle.describe();
    expect(described.type).toBe('webhookDelivery');
    expect(described.status.name).toBe('COMPLETED');

    // A crash between starting the workflow and marking the row: the next poll starts it again,
    // Temporal refuses the id, and the receiver hears nothing more.
    await stack.db.dataSource.query(
      "UPDATE webhook_delivery SET workflow_id = NULL, status = 'pending' WHERE id = $1",
      [delivery.id],
    );
    await deliverer.startPending();
    await new Promise((r) => setTimeout(r, 1500));
    expect(receiver.received.filter((r) => r.headers['webhook-id'] === delivery.id)).toHaveLength(1);
    const [after]: Array<{ workflow_id: string; attempts: number }> = await stack.db.dataSource.query(
      'SELECT workflow_id, attempts FROM webhook_delivery WHERE id = $1',
      [delivery.id],
    );
    expect(after).toEqual({ workflow_id: `webhook-${deliveryKey}`, attempts: 1 });
  });

  it('stops at a 4xx answer, and gives up when the retry window ends', async () => {
    const gone = await register(POLICE, `${receiver.base}/gone`, ['raised']);
    await raise('SEF-WH-0005');
    const [refused] = await until('the refused delivery', async () => {
      const list = await deliveries(gone.id);
      return list[0]?.status === 'failed' ? list : undefined;
    });
    expect(refused.attemptLog.map((a) => [a.statusCode, a.error])).toEqual([
      [410, 'the receiver answered HTTP 410'],
    ]);
    await new Promise((r) => setTimeout(r, 1000));
    expect(receiver.received.filter((r) => r.headers['webhook-id'] === refused.id)).toHaveLength(1);
    await stack
      .http()
      .post(`/webhooks/${gone.id}/disable`)
      .set('Authorization', await as(admin))
      .expect(200);

    // A receiver always down, with a 2.5-second window: attempts at 0, 0.3 s and 1.5 s; the next
    // would wait 4.8 s, past the window, so the delivery fails after the third.
    await deliverer.stop();
    const shortWindow = startWebhookDeliverer(stack.db.dataSource, stack.env.client, {
      pollIntervalMs: 100,
      timeoutMs: 1_000,
      firstRetryDelayMs: 300,
      retryWindowMs: 2_500,
    });
    try {
      const down = await register(POLICE, `${receiver.base}/down`, ['raised']);
      await raise('SEF-WH-0006');
      const [failed] = await until('the failed delivery', async () => {
        const list = await deliveries(down.id);
        return list[0]?.status === 'failed' ? list : undefined;
      });
      expect(failed.attemptLog.map((a) => a.statusCode)).toEqual([500, 500, 500]);
      await stack
        .http()
        .post(`/webhooks/${down.id}/disable`)
        .set('Authorization', await as(admin))
        .expect(200);
    } finally {
      await shortWindow.stop();
      deliverer = startWebhookDeliverer(stack.db.dataSource, stack.env.client, {
        pollIntervalMs: 100,
        timeoutMs: 1_000,
        firstRetryDelayMs: 300,
        retryWindowMs: 60_000,
      });
    }
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

    // Both secrets are sealed in Postgres: neither appears, nor anything shaped like a secret.
    const [stored]: Array<{ secret: string; previous_secret: string }> = await stack.db.dataSource.query(
      'SELECT secret, previous_secret FROM webhook_endpoint WHERE id = $1',
      [endpoint.id],
    );
    for (const column of [stored.secret, stored.previous_secret]) {
      expect(column).toMatch(/^aesgcm1:/);
      expect(column).not.toContain('whsec_');
      for (const plain of [endpoint.secret, rotated.body.secret]) {
        expect(column).not.toContain(plain.slice('whsec_'.length));
      }
    }
    expect(new WebhookSecretCipher(DEVELOPMENT_WEBHOOK_SECRET_KEY).open(stored.previous_secret)).toBe(
      endpoint.secret,
    );

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
