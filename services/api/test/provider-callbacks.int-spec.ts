import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import twilio from 'twilio';
import { createApiApp } from '../src/app';
import { createTokenVerifier } from '../src/auth/token-verifier';
import { raiseBody, person, startStack, type Stack } from './support/harness';

/** Delivery receipts from GOV.UK Notify and Twilio update the delivery shown on the timeline. */
jest.setTimeout(180_000);

describe('provider delivery callbacks', () => {
  let stack: Stack;
  let app: INestApplication;
  const NOTIFY_TOKEN = 'notify-callback-token-0123456789';
  const TWILIO_TOKEN = 'twilio-auth-token';
  const TWILIO_URL = 'https://resolve.example/callbacks/twilio';

  beforeAll(async () => {
    stack = await startStack();
    app = await createApiApp({
      dataSource: stack.db.dataSource,
      temporal: stack.env.client,
      verifier: createTokenVerifier({
        issuer: stack.issuer.issuer,
        audience: stack.issuer.audience,
        localPublicJwk: stack.issuer.publicJwk,
      }),
      callbackSecrets: {
        notifyBearerToken: NOTIFY_TOKEN,
        twilioAuthToken: TWILIO_TOKEN,
        twilioCallbackUrl: TWILIO_URL,
      },
    });
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
    await stack?.stop();
  });

  async function deliveryFor(provider: string, messageId: string) {
    const raised = await stack
      .http()
      .post('/escalations')
      .set('Authorization', await stack.as(person('sefton-sscp', 'csc', 'practitioner')))
      .send(raiseBody('sefton-sscp', `SEF-CB-${messageId.slice(0, 6).toUpperCase()}1`))
      .expect(201);
    const key = `test:${randomUUID()}`;
    await stack.db.dataSource.query(
      `INSERT INTO notification_delivery (delivery_key, escalation_id, event, tier, recipient_person_id, channel, status, provider, provider_message_id)
       VALUES ($1, $2, 'tier-entered', 1, 'sefton-sscp-police-practitioner', 'sms', 'sent', $3, $4)`,
      [key, raised.body.id, provider, messageId],
    );
    return { key, escalationId: raised.body.id as string };
  }

  it('accepts a GOV.UK Notify receipt with the configured bearer token and shows the delivery as delivered', async () => {
    const { key, escalationId } = await deliveryFor('govuk-notify', 'abc123notify');
    await request(app.getHttpServer())
      .post('/callbacks/govuk-notify')
      .send({ id: 'abc123notify', status: 'delivered' })
      .expect(401);
    await request(app.getHttpServer())
      .post('/callbacks/govuk-notify')
      .set('Authorization', 'Bearer wrong-token-0123456789')
      .send({ id: 'abc123notify', status: 'delivered' })
      .expect(401);
    await request(app.getHttpServer())
      .post('/callbacks/govuk-notify')
      .set('Authorization', `Bearer ${NOTIFY_TOKEN}`)
      .send({ nonsense: true })
      .expect(400);
    await request(app.getHttpServer())
      .post('/callbacks/govuk-notify')
      .set('Authorization', `Bearer ${NOTIFY_TOKEN}`)
      .send({ id: 'abc123notify', status: 'delivered' })
      .expect(204);
    const [row] = await stack.db.dataSource.query(
      `SELECT status FROM notification_delivery WHERE delivery_key = $1`,
      [key],
    );
    expect(row.status).toBe('delivered');
    const view = await stack
      .http()
      .get(`/escalations/${escalationId}`)
      .set('Authorization', await stack.as(person('sefton-sscp', 'csc', 'practitioner')))
      .expect(200);
    expect(view.body.notifications).toEqual(
      expect.arrayContaining([expect.objectContaining({ channel: 'sms', status: 'delivered' })]),
    );
  });

  it('accepts a Twilio receipt only with a valid X-Twilio-Signature', async () => {
    const { key } = await deliveryFor('twilio', 'SM0123456789abcdef');
    const params = { MessageSid: 'SM0123456789abcdef', MessageStatus: 'undelivered', ErrorCode: '30003' };
    const signature = twilio.getExpectedTwilioSignature(TWILIO_TOKEN, TWILIO_URL, params);
    await request(app.getHttpServer())
      .post('/callbacks/twilio')
      .type('form')
      .set('X-Twilio-Signature', 'forged')
      .send(params)
      .expect(401);
    await request(app.getHttpServer())
      .post('/callbacks/twilio')
      .type('form')
      .set('X-Twilio-Signature', signature)
      .send(params)
      .expect(204);
    const [row] = await stack.db.dataSource.query(
      `SELECT status, last_error FROM notification_delivery WHERE delivery_key = $1`,
      [key],
    );
    expect(row).toMatchObject({ status: 'failed', last_error: expect.stringMatching(/undelivered.*30003/) });
  });

  it('has no callback routes for providers that are not configured', async () => {
    await stack.http().post('/callbacks/govuk-notify').send({ id: 'x', status: 'delivered' }).expect(404);
    await stack
      .http()
      .post('/callbacks/twilio')
      .type('form')
      .send({ MessageSid: 'x', MessageStatus: 'sent' })
      .expect(404);
  });
});
