import { ApplicationFailure } from '@temporalio/common';
import { startSmtpCapture, startTestDatabase, type SmtpCapture, type TestDatabase } from '@resolve/testing';
import { DeliveriesRepository } from '@resolve/persistence';
import type { DataSource } from 'typeorm';
import { applyProviderCallback, deliveriesForEscalation, ProviderCallbackError } from '../src/deliveries';
import type { NotifierConfig } from '../src/config';
import {
  agencyEmail,
  agencyPerson,
  audience,
  deliveryRows,
  insertEscalation,
  partnershipEmail,
  partnershipPerson,
  request,
  seedDirectory,
  setPerson,
} from './support/escalations';
import {
  NOTIFY_API_KEY,
  NOTIFY_EMAIL_TEMPLATE,
  NOTIFY_SMS_TEMPLATE,
  TWILIO_ACCOUNT_SID,
  TWILIO_AUTH_TOKEN,
  TWILIO_FROM,
  startNotifyStandIn,
  startTwilioStandIn,
  type NotifyStandIn,
  type TwilioStandIn,
} from './support/http-stand-in';
import { PUBLIC_BASE_URL, everyChannelAllowed, notifierFor, snapshotPeople } from './support/notifier';

jest.setTimeout(120_000);

let db: TestDatabase;
let ds: DataSource;
let smtp: SmtpCapture;
let notifyApi: NotifyStandIn;
let twilioApi: TwilioStandIn;
let restorePeople: () => Promise<void>;

const STATUS_CALLBACK = 'https://resolve.example.test/api/notifications/callbacks/twilio';

const notifyConfig = (): Pick<NotifierConfig, 'email' | 'sms'> => ({
  email: {
    provider: 'govuk-notify',
    apiKey: NOTIFY_API_KEY,
    baseUrl: notifyApi.url,
    templateId: NOTIFY_EMAIL_TEMPLATE,
  },
  sms: {
    provider: 'govuk-notify',
    apiKey: NOTIFY_API_KEY,
    baseUrl: notifyApi.url,
    templateId: NOTIFY_SMS_TEMPLATE,
  },
});
const twilioConfig = (): Pick<NotifierConfig, 'email' | 'sms'> => ({
  email: { provider: 'smtp', smtpUrl: smtp.url },
  sms: {
    provider: 'twilio',
    accountSid: TWILIO_ACCOUNT_SID,
    authToken: TWILIO_AUTH_TOKEN,
    from: TWILIO_FROM,
    baseUrl: twilioApi.url,
    statusCallbackUrl: STATUS_CALLBACK,
  },
});

const phoneOf = async (personId: string): Promise<string> =>
  (await ds.query(`SELECT phone FROM person WHERE id = $1`, [personId]))[0].phone;

beforeAll(async () => {
  db = await startTestDatabase();
  ds = db.dataSource;
  await seedDirectory(ds);
  restorePeople = await snapshotPeople(ds);
  smtp = await startSmtpCapture();
  notifyApi = await startNotifyStandIn();
  twilioApi = await startTwilioStandIn();
});

afterEach(async () => {
  await restorePeople();
  notifyApi.invalid.clear();
  notifyApi.failNext.length = 0;
  twilioApi.invalid.clear();
  twilioApi.failNext.length = 0;
});

afterAll(async () => {
  await twilioApi?.stop();
  await notifyApi?.stop();
  await smtp?.stop();
  await db?.stop();
});

describe('GOV.UK Notify (the real client, pointed at a local stand-in)', () => {
  it('sends email and SMS with our templates as personalisation and the delivery key as reference', async () => {
    const person = agencyPerson('csc', 'practitioner');
    await setPerson(ds, person, { channels: ['email', 'sms'] });
    const escalation = await insertEscalation(ds);
    const r = request(escalation, { audience: audience({ parties: true }) });
    const before = notifyApi.requests.length;

    // Both channels through the provider: every channel allowed, whatever Sefton says of email.
    expect(await notifierFor(ds, notifyConfig(), { protocols: everyChannelAllowed }).notify(r)).toEqual({
      recipients: 2,
      sent: 3,
      alreadySent: 0,
      failed: 0,
    });

    const posts = notifyApi.requests.slice(before).filter((q) => q.method === 'POST');
    expect(posts.map((p) => p.path).sort()).toEqual([
      '/v2/notifications/email',
      '/v2/notifications/email',
      '/v2/notifications/sms',
    ]);
    const email = posts.find(
      (p) => p.path.endsWith('email') && p.body.email_address === agencyEmail('csc', 'practitioner'),
    )!;
    expect(email.body).toMatchObject({
      template_id: NOTIFY_EMAIL_TEMPLATE,
      reference: `${r.key}:${person}:email`,
    });
    const personalisation = email.body.personalisation as { subject: string; body: string };
    expect(personalisation.subject).toBe(`Escalation ${escalation.reference} has moved to tier 2`);
    expect(personalisation.body).toContain(`${PUBLIC_BASE_URL}/escalations/${escalation.id}`);
    expect(personalisation.body).not.toContain('<');
    const sms = posts.find((p) => p.path.endsWith('sms'))!;
    expect(sms.body).toEqual({
      template_id: NOTIFY_SMS_TEMPLATE,
      phone_number: await phoneOf(person),
      personalisation: {
        body: `Resolve: escalation ${escalation.reference} moved to tier 2. ${PUBLIC_BASE_URL}/escalations/${escalation.id}`,
      },
      reference: `${r.key}:${person}:sms`,
    });
    const rows = await deliveryRows(ds, escalation.id);
    expect(rows.every((d) => d.status === 'sent' && d.provider === 'govuk-notify')).toBe(true);
    expect(rows.map((d) => d.provider_message_id).sort()).toEqual(
      notifyApi.notifications
        .filter((n) => n.reference?.startsWith(r.key))
        .map((n) => n.id)
        .sort(),
    );
  });

  it('400 for an invalid number: failed, email instead, business manager told; the activity completes', async () => {
    const person = agencyPerson('police', 'practitioner');
    await setPerson(ds, person, { channels: ['sms'] });
    notifyApi.invalid.add(await phoneOf(person));
    const escalation = await insertEscalation(ds);
    const r = request(escalation, { audience: audience({ parties: true }) });

    expect(await notifierFor(ds, notifyConfig()).notify(r)).toEqual({
      recipients: 2,
      sent: 2,
      alreadySent: 0,
      failed: 1,
    });

    const rows = await deliveryRows(ds, escalation.id);
    expect(rows.find((d) => d.delivery_key === `${r.key}:${person}:sms`)).toMatchObject({
      status: 'failed',
      last_error: 'GOV.UK Notify HTTP 400: ValidationError: phone_number Not a UK mobile number',
    });
    expect(rows.find((d) => d.delivery_key === `${r.key}:${person}:email`)).toMatchObject({
      status: 'sent',
      fallback_for: `${r.key}:${person}:sms`,
    });
    const alert = notifyApi.notifications.find(
      (n) =>
        n.reference ===
        `${r.key}:delivery-failed:${person}:sms:${partnershipPerson('business-manager')}:email`,
    );
    expect(alert?.to).toBe(partnershipEmail('business-manager'));
    expect(alert?.personalisation.body).toContain(
      'could not be delivered to Police practitioner by text message (SMS)',
    );
  });

  it('503: retryable; the retry checks by reference, then sends once', async () => {
    const escalation = await insertEscalation(ds);
    const r = request(escalation, { audience: audience({ partnershipRoles: ['independent-chair'] }) });
    const { notify } = notifierFor(ds, notifyConfig());
    notifyApi.failNext.push(503);
    const before = notifyApi.requests.length;

    const err = await notify(r).catch((e) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err.nonRetryable).toBe(false);
    expect(err.message).toContain('GOV.UK Notify HTTP 503');
    const key = `${r.key}:${partnershipPerson('independent-chair')}:email`;
    // A 5xx may have been processed: the row stays 'sending' so the retry asks Notify first.
    expect((await deliveryRows(ds, escalation.id))[0]).toMatchObject({
      delivery_key: key,
      status: 'sending',
      attempts: 1,
    });

    expect(await notify(r)).toEqual({ recipients: 1, sent: 1, alreadySent: 0, failed: 0 });
    const calls = notifyApi.requests
      .slice(before)
      .map(
        (q) =>
          `${q.method} ${q.path}${q.query.get('reference') ? `?reference=${q.query.get('reference')}` : ''}`,
      );
    expect(calls).toEqual([
      'POST /v2/notifications/email',
      `GET /v2/notifications?reference=${key}`,
      'POST /v2/notifications/email',
    ]);
    expect(notifyApi.notifications.filter((n) => n.reference === key)).toHaveLength(1);
  });

  it('a crash after Notify accepted the message: found by reference, not sent again', async () => {
    const escalation = await insertEscalation(ds);
    const r = request(escalation, { audience: audience({ partnershipRoles: ['independent-chair'] }) });
    const { notify } = notifierFor(ds, notifyConfig());
    await notify(r);
    const key = `${r.key}:${partnershipPerson('independent-chair')}:email`;
    const id = notifyApi.notifications.find((n) => n.reference === key)!.id;
    await ds.query(
      `UPDATE notification_delivery SET status = 'sending', provider_message_id = NULL WHERE delivery_key = $1`,
      [key],
    );

    expect(await notify(r)).toEqual({ recipients: 1, sent: 0, alreadySent: 1, failed: 0 });
    expect(notifyApi.notifications.filter((n) => n.reference === key)).toHaveLength(1);
    expect((await deliveryRows(ds, escalation.id))[0]).toMatchObject({
      status: 'sent',
      provider_message_id: id,
    });
  });

  it('delivery receipts move a delivery to delivered or failed', async () => {
    const escalation = await insertEscalation(ds);
    const r = request(escalation, { audience: audience({ parties: true }) });
    await notifierFor(ds, notifyConfig()).notify(r);
    const [a, b] = await deliveryRows(ds, escalation.id);

    expect(
      await applyProviderCallback(new DeliveriesRepository(ds), 'govuk-notify', {
        id: a.provider_message_id,
        reference: a.delivery_key,
        status: 'delivered',
      }),
    ).toEqual({
      matched: true,
      updated: true,
      deliveryKey: a.delivery_key,
      status: 'delivered',
      // Issue 15: what the receipt did, and whether a fallback and alert now follow.
      outcome: 'applied',
      followUpPending: false,
    });
    // Repeated receipts change nothing.
    expect(
      await applyProviderCallback(new DeliveriesRepository(ds), 'govuk-notify', {
        id: a.provider_message_id,
        status: 'delivered',
      }),
    ).toMatchObject({ updated: false });
    expect(
      await applyProviderCallback(new DeliveriesRepository(ds), 'govuk-notify', {
        id: b.provider_message_id,
        status: 'permanent-failure',
      }),
    ).toMatchObject({
      updated: true,
      status: 'failed',
    });
    expect(
      await applyProviderCallback(new DeliveriesRepository(ds), 'govuk-notify', {
        id: '9e3a1b7c-0000-4000-8000-000000000000',
        status: 'delivered',
      }),
    ).toEqual({
      matched: false,
      updated: false,
      outcome: 'unknown-delivery',
      followUpPending: false,
    });
    await expect(
      applyProviderCallback(new DeliveriesRepository(ds), 'govuk-notify', { status: 'delivered' }),
    ).rejects.toBeInstanceOf(ProviderCallbackError);

    const timeline = await deliveriesForEscalation(new DeliveriesRepository(ds), escalation.id);
    expect(timeline.find((d) => d.deliveryKey === a.delivery_key)).toMatchObject({
      status: 'delivered',
      providerStatus: 'delivered',
    });
    expect(timeline.find((d) => d.deliveryKey === a.delivery_key)!.deliveredAt).toBeInstanceOf(Date);
    expect(timeline.find((d) => d.deliveryKey === b.delivery_key)).toMatchObject({
      status: 'failed',
      lastError: 'GOV.UK Notify: permanent-failure',
    });
  });
});

describe('Twilio (the real client, pointed at a local stand-in)', () => {
  it('sends the SMS from our number with a status callback', async () => {
    const person = agencyPerson('police', 'practitioner');
    await setPerson(ds, person, { channels: ['sms'] });
    const escalation = await insertEscalation(ds);
    const r = request(escalation, {
      event: 'deadline-breached',
      key: `${escalation.id}:deadline-breached:2`,
      audience: audience({ parties: true }),
    });
    const before = twilioApi.requests.length;

    expect(await notifierFor(ds, twilioConfig()).notify(r)).toEqual({
      recipients: 2,
      sent: 2,
      alreadySent: 0,
      failed: 0,
    });

    const posts = twilioApi.requests.slice(before).filter((q) => q.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(posts[0].path).toBe(`/2010-04-01/Accounts/${TWILIO_ACCOUNT_SID}/Messages.json`);
    expect(posts[0].body).toEqual({
      To: await phoneOf(person),
      From: TWILIO_FROM,
      Body: `Resolve: deadline missed for escalation ${escalation.reference} (tier 2). ${PUBLIC_BASE_URL}/escalations/${escalation.id}`,
      StatusCallback: STATUS_CALLBACK,
    });
    const row = (await deliveryRows(ds, escalation.id)).find((d) => d.channel === 'sms')!;
    expect(row).toMatchObject({ status: 'sent', provider: 'twilio' });
    expect(row.provider_message_id).toMatch(/^SM[0-9a-f]{32}$/);
    await smtp.waitFor((m) => m.subject.includes(escalation.reference), 1);
  });

  it("400 (error 21211, invalid 'To'): failed, email instead, business manager told", async () => {
    const person = agencyPerson('police', 'practitioner');
    await setPerson(ds, person, { channels: ['sms'] });
    twilioApi.invalid.add(await phoneOf(person));
    const escalation = await insertEscalation(ds);
    const r = request(escalation, { audience: audience({ parties: true }) });

    expect(await notifierFor(ds, twilioConfig()).notify(r)).toEqual({
      recipients: 2,
      sent: 2,
      alreadySent: 0,
      failed: 1,
    });
    const rows = await deliveryRows(ds, escalation.id);
    expect(rows.find((d) => d.delivery_key === `${r.key}:${person}:sms`)!.last_error).toMatch(
      /^Twilio HTTP 400: error 21211: Invalid 'To' Phone Number/,
    );
    const mails = await smtp.waitFor((m) => m.subject.includes(escalation.reference), 3);
    expect(mails.map((m) => m.to[0]).sort()).toEqual(
      [
        agencyEmail('police', 'practitioner'),
        agencyEmail('csc', 'practitioner'),
        partnershipEmail('business-manager'),
      ].sort(),
    );
  });

  it('429: retryable, then sent once', async () => {
    const person = agencyPerson('police', 'practitioner');
    await setPerson(ds, person, { channels: ['sms'] });
    const escalation = await insertEscalation(ds);
    const r = request(escalation, { audience: audience({ parties: true }) });
    const { notify } = notifierFor(ds, twilioConfig());
    twilioApi.failNext.push(429);

    await expect(notify(r)).rejects.toThrow(/Twilio HTTP 429/);
    expect(await notify(r)).toEqual({ recipients: 2, sent: 1, alreadySent: 1, failed: 0 });
    expect(twilioApi.messages.filter((m) => m.body.includes(escalation.reference))).toHaveLength(1);
  });

  it('a crash after Twilio accepted the message: found in the message list, not sent again', async () => {
    const person = agencyPerson('police', 'practitioner');
    await setPerson(ds, person, { channels: ['sms'] });
    const escalation = await insertEscalation(ds);
    const r = request(escalation, { audience: audience({ parties: true }) });
    const { notify } = notifierFor(ds, twilioConfig());
    await notify(r);
    const key = `${r.key}:${person}:sms`;
    const sid = twilioApi.messages.find((m) => m.body.includes(escalation.reference))!.sid;
    await ds.query(
      `UPDATE notification_delivery SET status = 'sending', provider_message_id = NULL WHERE delivery_key = $1`,
      [key],
    );

    expect(await notify(r)).toEqual({ recipients: 2, sent: 0, alreadySent: 2, failed: 0 });
    expect(twilioApi.messages.filter((m) => m.body.includes(escalation.reference))).toHaveLength(1);
    expect((await deliveryRows(ds, escalation.id)).find((d) => d.delivery_key === key)).toMatchObject({
      status: 'sent',
      provider_message_id: sid,
    });
  });

  it('status callbacks: delivered, undelivered with its error code', async () => {
    const a = agencyPerson('police', 'practitioner');
    const b = agencyPerson('csc', 'practitioner');
    await setPerson(ds, a, { channels: ['sms'] });
    await setPerson(ds, b, { channels: ['sms'] });
    const escalation = await insertEscalation(ds);
    await notifierFor(ds, twilioConfig()).notify(
      request(escalation, { audience: audience({ parties: true }) }),
    );
    const rows = await deliveryRows(ds, escalation.id);
    const sidOf = (p: string) => rows.find((d) => d.recipient_person_id === p)!.provider_message_id!;

    expect(
      await applyProviderCallback(new DeliveriesRepository(ds), 'twilio', {
        MessageSid: sidOf(a),
        MessageStatus: 'sent',
      }),
    ).toMatchObject({ updated: false, status: 'sent' });
    expect(
      await applyProviderCallback(new DeliveriesRepository(ds), 'twilio', {
        MessageSid: sidOf(a),
        MessageStatus: 'delivered',
      }),
    ).toMatchObject({ updated: true, status: 'delivered' });
    expect(
      await applyProviderCallback(new DeliveriesRepository(ds), 'twilio', {
        MessageSid: sidOf(b),
        MessageStatus: 'undelivered',
        ErrorCode: '30003',
      }),
    ).toMatchObject({
      updated: true,
      status: 'failed',
    });
    // A late 'sent' after 'delivered' does not go backwards.
    expect(
      await applyProviderCallback(new DeliveriesRepository(ds), 'twilio', {
        MessageSid: sidOf(a),
        MessageStatus: 'sent',
      }),
    ).toMatchObject({ updated: false, status: 'delivered' });
    const timeline = await deliveriesForEscalation(new DeliveriesRepository(ds), escalation.id);
    expect(timeline.find((d) => d.recipientPersonId === b)).toMatchObject({
      status: 'failed',
      lastError: 'Twilio: undelivered (error 30003)',
    });
    await expect(
      applyProviderCallback(new DeliveriesRepository(ds), 'twilio', { MessageStatus: 'delivered' }),
    ).rejects.toThrow(/MessageSid/);
  });
});
