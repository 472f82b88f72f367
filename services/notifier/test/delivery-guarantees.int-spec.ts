import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { applyProviderCallback } from '@resolve/delivery-receipts';
import { DeliveriesRepository } from '@resolve/persistence';
import twilio from 'twilio';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  devServerEnvironment,
  startSmtpCapture,
  startTestDatabase,
  type SmtpCapture,
  type TestDatabase,
} from '@resolve/testing';
import type { DataSource } from 'typeorm';
import type { NotifierConfig } from '../src/config';
import type { NotifierLogger } from '../src/logger';
import { BounceAddresses } from '../src/receipts/bounces';
import { createEmailProvider } from '../src/providers/provider-factory';
import { startNotifier, type RunningNotifier, type StartNotifierOptions } from '../src/worker';
import {
  agencyEmail,
  agencyPerson,
  audience,
  deliveryRows,
  insertEscalation,
  outbox,
  OUT_OF_HOURS,
  partnershipEmail,
  request,
  seedDirectory,
  setPerson,
  WORKING_HOURS,
} from './support/escalations';
import {
  startTwilioStandIn,
  TWILIO_ACCOUNT_SID,
  TWILIO_AUTH_TOKEN,
  TWILIO_FROM,
  type TwilioStandIn,
} from './support/http-stand-in';
import { MAIL_FROM, notifierFor, snapshotPeople } from './support/notifier';

/**
 * Issue 15's delivery guarantees against real parts: Postgres, the SMTP server, the Twilio
 * client against its local stand-in, and notifiers started and stopped as the service runs
 * (startNotifier, on a Temporal dev server):
 * - a text held outside SMS hours survives a restart of the notifier and goes when they open;
 * - a delivery receipt reporting a permanent failure (a Twilio status callback, an email bounce)
 *   brings the same fallback and business-manager alert as a failure at send time, once; forged
 *   receipts are refused; a receipt about nothing we know is recorded and ignored.
 */
jest.setTimeout(180_000);

const provisionedCli = path.join(
  process.env.RESOLVE_TOOLS_DIR ?? path.join(homedir(), '.cache', 'resolve-tools'),
  'bin',
  'temporal',
);
if (!process.env.TEMPORAL_CLI_PATH && !process.env.TEMPORAL_ADDRESS && existsSync(provisionedCli)) {
  process.env.TEMPORAL_CLI_PATH = provisionedCli;
}

const STATUS_CALLBACK = 'https://resolve.example.test/notifier/receipts/twilio';
const BOUNCE_ADDRESS = 'bounces@resolve.test';
const BOUNCE_SECRET = 'bounce-secret-for-tests-0123456789abcdef';
/** Monday 19 January 2026, 08:00:30 in London: the first SMS hours after OUT_OF_HOURS. */
const MONDAY_OPENING = new Date('2026-01-19T08:00:30Z');

let db: TestDatabase;
let ds: DataSource;
let smtp: SmtpCapture;
let twilioApi: TwilioStandIn;
let env: TestWorkflowEnvironment;
let restorePeople: () => Promise<void>;
const running: RunningNotifier[] = [];

/** The notifier's log, kept to check what it says (and that it says nothing personal). */
function capturingLogger() {
  const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const at =
    (level: string) =>
    (message: string, fields: Record<string, unknown> = {}) =>
      lines.push({ level, message, fields });
  const logger: NotifierLogger = { info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

async function notifierService(options: Partial<StartNotifierOptions> & { clock: () => Date }) {
  const notifier = await startNotifier({
    databaseUrl: db.url,
    temporalAddress: env.connection.options.address,
    namespace: env.namespace ?? 'default',
    // Its own queue: the activities of these tests are called directly, not through Temporal.
    taskQueue: `guarantees-${randomUUID().slice(0, 8)}`,
    smtpUrl: smtp.url,
    publicBaseUrl: 'https://resolve.example.test',
    projectionWaitMs: 0,
    schedulerIntervalMs: 200,
    ...options,
  });
  running.push(notifier);
  return notifier;
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, ms = 15_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  [db, smtp, env] = await Promise.all([startTestDatabase(), startSmtpCapture(), devServerEnvironment()]);
  ds = db.dataSource;
  await seedDirectory(ds);
  restorePeople = await snapshotPeople(ds);
  twilioApi = await startTwilioStandIn();
});

afterEach(async () => {
  for (const notifier of running.splice(0)) await notifier.shutdown();
  await restorePeople();
});

afterAll(async () => {
  for (const notifier of running.splice(0)) await notifier.shutdown();
  await twilioApi?.stop();
  await env?.teardown();
  await smtp?.stop();
  await db?.stop();
});

describe('a text held outside SMS hours', () => {
  it('is kept in Postgres, survives a restart of the notifier, and goes once when the hours open', async () => {
    const smsOnly = agencyPerson('police', 'practitioner');
    await setPerson(ds, smsOnly, { channels: ['sms'] });
    let now = OUT_OF_HOURS;
    const clock = () => now;
    const first = await notifierService({ clock });

    const escalation = await insertEscalation(ds);
    const outboxConfig = {
      email: { provider: 'smtp' as const, smtpUrl: smtp.url },
      sms: { provider: 'outbox' as const },
    };
    await notifierFor(ds, outboxConfig, { clock }).notify(
      request(escalation, { audience: audience({ parties: true }) }),
    );
    const [held] = await ds.query(
      `SELECT delivery_key, status, send_after FROM notification_delivery
        WHERE escalation_id = $1 AND recipient_person_id = $2`,
      [escalation.id, smsOnly],
    );
    expect(held).toMatchObject({ status: 'held', send_after: new Date('2026-01-19T08:00:00Z') });
    // Still Saturday night: the running notifier's timer leaves it.
    expect(await first.scheduler.runOnce()).toEqual({ released: 0, followedUp: 0 });
    expect(await outbox(ds, escalation.id)).toEqual([]);

    // The notifier stops; it starts again on Monday morning, with nothing in memory.
    await first.shutdown();
    now = MONDAY_OPENING;
    const second = await notifierService({ clock });
    const text = await until('the held text', async () => (await outbox(ds, escalation.id))[0]);
    expect(text).toMatchObject({ delivery_key: held.delivery_key, recipient_person_id: smsOnly });
    expect(text.body).toContain(escalation.reference);
    const rows = await deliveryRows(ds, escalation.id);
    expect(rows.find((r) => r.delivery_key === held.delivery_key)).toMatchObject({
      status: 'sent',
      attempts: 1,
    });
    // Once: another pass (or another notifier) finds it sent.
    expect(await second.scheduler.runOnce()).toEqual({ released: 0, followedUp: 0 });
    expect(await outbox(ds, escalation.id)).toHaveLength(1);
  });

  it('waits again when the notifier comes back after the hours closed', async () => {
    const smsOnly = agencyPerson('police', 'practitioner');
    await setPerson(ds, smsOnly, { channels: ['sms'] });
    const escalation = await insertEscalation(ds);
    const outboxConfig = {
      email: { provider: 'smtp' as const, smtpUrl: smtp.url },
      sms: { provider: 'outbox' as const },
    };
    await notifierFor(ds, outboxConfig, { clock: () => OUT_OF_HOURS }).notify(
      request(escalation, { audience: audience({ parties: true }) }),
    );
    // Down all Monday; back at 20:00: the text waits for Tuesday 08:00 rather than going at night.
    const notifier = await notifierService({ clock: () => new Date('2026-01-19T20:00:00Z') });
    await notifier.scheduler.runOnce();
    const [row] = await ds.query(
      `SELECT status, send_after FROM notification_delivery WHERE escalation_id = $1 AND recipient_person_id = $2`,
      [escalation.id, smsOnly],
    );
    expect(row).toMatchObject({ status: 'held', send_after: new Date('2026-01-20T08:00:00Z') });
    expect(await outbox(ds, escalation.id)).toEqual([]);
  });

  it('is not sent when the case has moved to another tier before the hours open', async () => {
    const smsOnly = agencyPerson('police', 'practitioner');
    await setPerson(ds, smsOnly, { channels: ['sms'] });
    const escalation = await insertEscalation(ds, { tier: 2 });
    const outboxConfig = {
      email: { provider: 'smtp' as const, smtpUrl: smtp.url },
      sms: { provider: 'outbox' as const },
    };
    await notifierFor(ds, outboxConfig, { clock: () => OUT_OF_HOURS }).notify(
      request(escalation, { audience: audience({ parties: true }) }),
    );
    // Over the weekend the senior managers took the case on to tier 3: "tier 2 is with you" is stale.
    await ds.query(`UPDATE escalation SET tier_number = 3 WHERE id = $1`, [escalation.id]);
    const { logger, lines } = capturingLogger();
    const notifier = await notifierService({ clock: () => MONDAY_OPENING, logger });
    await notifier.scheduler.runOnce();
    const [row] = await ds.query(
      `SELECT status, last_error FROM notification_delivery WHERE escalation_id = $1 AND recipient_person_id = $2`,
      [escalation.id, smsOnly],
    );
    expect(row).toEqual({
      status: 'superseded',
      last_error: 'the case moved from tier 2 to tier 3 before SMS hours opened',
    });
    expect(await outbox(ds, escalation.id)).toEqual([]);
    expect(lines.map((l) => l.message)).toContain('held text not sent: the case has moved on');
    // Nothing failed, so no business manager is alerted and no fallback goes out.
    const others = await deliveryRows(ds, escalation.id);
    expect(others.filter((r) => r.event === 'delivery-failed' || r.fallback_for)).toEqual([]);
  });
});

describe('a permanent failure reported later by a receipt', () => {
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

  const postReceipt = (url: string, params: Record<string, string>, signature?: string) =>
    fetch(`${url}/receipts/twilio`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(signature ? { 'x-twilio-signature': signature } : {}),
      },
      body: new URLSearchParams(params).toString(),
    });

  it('Twilio: forged callbacks are refused; a genuine "undelivered" brings the fallback email and the alert, once', async () => {
    const smsOnly = agencyPerson('police', 'practitioner');
    await setPerson(ds, smsOnly, { channels: ['sms'] });
    const { logger, lines } = capturingLogger();
    const notifier = await notifierService({
      clock: () => WORKING_HOURS,
      logger,
      smsProvider: 'twilio',
      twilioAccountSid: TWILIO_ACCOUNT_SID,
      twilioAuthToken: TWILIO_AUTH_TOKEN,
      twilioFrom: TWILIO_FROM,
      twilioBaseUrl: twilioApi.url,
      twilioStatusCallbackUrl: STATUS_CALLBACK,
      receiptsListen: '127.0.0.1:0',
    });
    const intake = notifier.receiptIntake!.url;

    const escalation = await insertEscalation(ds);
    const parties = request(escalation, { audience: audience({ parties: true }) });
    expect(await notifierFor(ds, twilioConfig()).notify(parties)).toMatchObject({ sent: 2, failed: 0 });
    const smsKey = `${parties.key}:${smsOnly}:sms`;
    const [sms] = await ds.query(
      `SELECT status, provider_message_id FROM notification_delivery WHERE delivery_key = $1`,
      [smsKey],
    );
    expect(sms.status).toBe('sent');
    await smtp.waitFor((m) => m.subject.includes(escalation.reference), 1);
    const mailsBefore = smtp.messages.filter((m) => m.subject.includes(escalation.reference)).length;

    const receipt = { MessageSid: sms.provider_message_id, MessageStatus: 'undelivered', ErrorCode: '30003' };
    // Unsigned, forged, or signed for other fields: refused, and nothing recorded.
    expect((await postReceipt(intake, receipt)).status).toBe(403);
    expect((await postReceipt(intake, receipt, 'Zm9yZ2Vk')).status).toBe(403);
    const signedForOther = twilio.getExpectedTwilioSignature(TWILIO_AUTH_TOKEN, STATUS_CALLBACK, {
      ...receipt,
      MessageStatus: 'delivered',
    });
    expect((await postReceipt(intake, receipt, signedForOther)).status).toBe(403);
    expect(
      await ds.query(`SELECT 1 FROM delivery_receipt WHERE provider_message_id = $1`, [
        sms.provider_message_id,
      ]),
    ).toEqual([]);
    expect(
      (await ds.query(`SELECT status FROM notification_delivery WHERE delivery_key = $1`, [smsKey]))[0]
        .status,
    ).toBe('sent');

    // Genuine: the same fallback and alert as a failure at send time.
    const signature = twilio.getExpectedTwilioSignature(TWILIO_AUTH_TOKEN, STATUS_CALLBACK, receipt);
    expect((await postReceipt(intake, receipt, signature)).status).toBe(204);
    const mails = await smtp.waitFor((m) => m.subject.includes(escalation.reference), mailsBefore + 2);
    const fallback = mails.filter((m) => m.to.includes(agencyEmail('police', 'practitioner')));
    const alerts = mails.filter((m) => m.to.includes(partnershipEmail('business-manager')));
    expect(fallback).toHaveLength(1);
    expect(alerts).toHaveLength(1);
    expect(alerts[0].text).toContain('text message (SMS)');
    expect(alerts[0].text).toMatch(/undelivered/);
    const rows = await deliveryRows(ds, escalation.id);
    expect(rows.find((r) => r.delivery_key === smsKey)).toMatchObject({
      status: 'failed',
      last_error: expect.stringMatching(/undelivered.*30003/),
    });
    expect(rows.find((r) => r.delivery_key === `${parties.key}:${smsOnly}:email`)).toMatchObject({
      status: 'sent',
      fallback_for: smsKey,
    });
    await until(
      'the follow-up to finish',
      async () =>
        (await ds.query(`SELECT follow_up FROM notification_delivery WHERE delivery_key = $1`, [smsKey]))[0]
          .follow_up === 'done',
    );

    // The same receipt again: answered, recorded once, nothing more sent.
    expect((await postReceipt(intake, receipt, signature)).status).toBe(204);
    await notifier.scheduler.runOnce();
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(smtp.messages.filter((m) => m.subject.includes(escalation.reference))).toHaveLength(
      mailsBefore + 2,
    );
    expect(
      await ds.query(`SELECT outcome FROM delivery_receipt WHERE provider_message_id = $1`, [
        sms.provider_message_id,
      ]),
    ).toEqual([{ outcome: 'failed-later' }]);
    expect(lines.map((l) => l.message)).toContain('receipt seen before: nothing more done');

    // A late "delivered" for the failed text: recorded and ignored (superseded).
    const late = { MessageSid: sms.provider_message_id, MessageStatus: 'delivered' };
    expect(
      (
        await postReceipt(
          intake,
          late,
          twilio.getExpectedTwilioSignature(TWILIO_AUTH_TOKEN, STATUS_CALLBACK, late),
        )
      ).status,
    ).toBe(204);
    expect(lines.map((l) => l.message)).toContain(
      'receipt for a delivery already failed or delivered: recorded and ignored',
    );

    // About no delivery of ours: recorded and ignored, with a clear log line.
    const stray = { MessageSid: `SM${'f'.repeat(32)}`, MessageStatus: 'failed', ErrorCode: '30005' };
    expect(
      (
        await postReceipt(
          intake,
          stray,
          twilio.getExpectedTwilioSignature(TWILIO_AUTH_TOKEN, STATUS_CALLBACK, stray),
        )
      ).status,
    ).toBe(204);
    expect(
      await ds.query(`SELECT outcome, delivery_key FROM delivery_receipt WHERE provider_message_id = $1`, [
        stray.MessageSid,
      ]),
    ).toEqual([{ outcome: 'unknown-delivery', delivery_key: null }]);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'receipt for no known delivery: recorded and ignored',
      }),
    );

    // A body that is not a receipt, properly signed: a clear 400, not a 500.
    const junk = { Foo: 'bar' };
    const bad = await postReceipt(
      intake,
      junk,
      twilio.getExpectedTwilioSignature(TWILIO_AUTH_TOKEN, STATUS_CALLBACK, junk),
    );
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: 'Twilio callback must have fields "MessageSid" and "MessageStatus"',
    });

    // Nothing personal in the log: no numbers, no addresses.
    const logged = JSON.stringify(lines);
    expect(logged).not.toMatch(/\+447700900\d{3}/);
    expect(logged).not.toMatch(/@sefton\.resolve\.test/);
  });

  it("email: a bounce to the message's own return path brings the fallback text and the alert, once; forged bounces are refused", async () => {
    const emailOnly = agencyPerson('csc', 'practitioner');
    await setPerson(ds, emailOnly, { channels: ['email'] });
    const { logger, lines } = capturingLogger();
    const notifier = await notifierService({
      clock: () => WORKING_HOURS,
      logger,
      bounceAddress: BOUNCE_ADDRESS,
      bounceSecret: BOUNCE_SECRET,
      bounceListen: '127.0.0.1:0',
    });
    const bouncePort = notifier.bounceIntake!.port;
    const addresses = new BounceAddresses(BOUNCE_ADDRESS, BOUNCE_SECRET);
    const config = {
      email: { provider: 'smtp' as const, smtpUrl: smtp.url },
      sms: { provider: 'outbox' as const },
      bounces: { address: BOUNCE_ADDRESS, secret: BOUNCE_SECRET },
    };

    const escalation = await insertEscalation(ds);
    const parties = request(escalation, { audience: audience({ parties: true }) });
    await notifierFor(ds, config).notify(parties);
    const emailKey = `${parties.key}:${emailOnly}:email`;
    const [email] = await ds.query(
      `SELECT status, provider_message_id FROM notification_delivery WHERE delivery_key = $1`,
      [emailKey],
    );
    expect(email).toMatchObject({
      status: 'sent',
      provider_message_id: expect.stringMatching(/^<.+@resolve\.test>$/),
    });
    await smtp.waitFor((m) => m.subject.includes(escalation.reference), 2);
    const mailsBefore = smtp.messages.filter((m) => m.subject.includes(escalation.reference)).length;

    // The remote server's DSN (RFC 3464), as it would send it to the return path.
    const dsn = (messageId: string) =>
      [
        'From: Mail Delivery System <MAILER-DAEMON@mx.agency.example>',
        `Subject: Undelivered Mail Returned to Sender`,
        'MIME-Version: 1.0',
        'Content-Type: multipart/report; report-type=delivery-status; boundary="dsn-boundary"',
        '',
        '--dsn-boundary',
        'Content-Type: text/plain; charset=us-ascii',
        '',
        'Your message could not be delivered to one or more recipients.',
        '--dsn-boundary',
        'Content-Type: message/delivery-status',
        '',
        'Reporting-MTA: dns; mx.agency.example',
        '',
        `Final-Recipient: rfc822; ${agencyEmail('csc', 'practitioner')}`,
        'Action: failed',
        'Status: 5.1.1',
        `Diagnostic-Code: smtp; 550 5.1.1 <${agencyEmail('csc', 'practitioner')}>: mailbox unknown`,
        '',
        '--dsn-boundary',
        'Content-Type: text/rfc822-headers',
        '',
        `Message-ID: ${messageId}`,
        `Subject: (the notice)`,
        '--dsn-boundary--',
        '',
      ].join('\r\n');
    const mx = nodemailer.createTransport({
      host: '127.0.0.1',
      port: bouncePort,
      secure: false,
      ignoreTLS: true,
    });
    const bounce = (to: string, raw: string) =>
      mx.sendMail({ envelope: { from: 'postmaster@mx.agency.example', to: [to] }, raw });

    // Not one of our return paths; a return path of another message: refused.
    await expect(bounce(BOUNCE_ADDRESS, dsn(email.provider_message_id))).rejects.toThrow(/550/);
    await expect(
      bounce(addresses.returnPath('<other@resolve.test>'), dsn(email.provider_message_id)),
    ).rejects.toThrow(/550 5\.7\.1 bounce does not match its return address/);
    expect(
      (await ds.query(`SELECT status FROM notification_delivery WHERE delivery_key = $1`, [emailKey]))[0]
        .status,
    ).toBe('sent');

    // Genuine: failed, the text goes instead, the business manager is told.
    await bounce(addresses.returnPath(email.provider_message_id), dsn(email.provider_message_id));
    const texts = await until('the fallback text', async () => {
      const t = (await outbox(ds, escalation.id)).filter((x) => x.recipient_person_id === emailOnly);
      return t.length > 0 && t;
    });
    expect(texts).toHaveLength(1);
    const alerts = await smtp.waitFor(
      (m) => m.subject.includes(escalation.reference) && m.to.includes(partnershipEmail('business-manager')),
      1,
    );
    expect(alerts[0].text).toContain('5.1.1');
    const rows = await deliveryRows(ds, escalation.id);
    expect(rows.find((r) => r.delivery_key === emailKey)).toMatchObject({ status: 'failed' });
    // The error kept has no address in it.
    expect(rows.find((r) => r.delivery_key === emailKey)!.last_error).not.toContain('@');
    expect(rows.find((r) => r.delivery_key === `${parties.key}:${emailOnly}:sms`)).toMatchObject({
      status: 'sent',
      fallback_for: emailKey,
    });

    // The same bounce again: accepted, nothing more.
    await bounce(addresses.returnPath(email.provider_message_id), dsn(email.provider_message_id));
    await notifier.scheduler.runOnce();
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await outbox(ds, escalation.id)).filter((x) => x.recipient_person_id === emailOnly)).toHaveLength(
      1,
    );
    expect(smtp.messages.filter((m) => m.subject.includes(escalation.reference))).toHaveLength(
      mailsBefore + 1,
    );
    expect(lines.map((l) => l.message)).toContain('receipt seen before: nothing more done');
    expect(JSON.stringify(lines)).not.toMatch(/@sefton\.resolve\.test/);
    mx.close();
  });
  it("a receipt taken in by the API (applyProviderCallback) is followed up by the notifier's next pass", async () => {
    const smsOnly = agencyPerson('police', 'practitioner');
    await setPerson(ds, smsOnly, { channels: ['sms'] });
    const notifier = await notifierService({ clock: () => WORKING_HOURS, schedulerIntervalMs: 3_600_000 });
    const escalation = await insertEscalation(ds);
    const parties = request(escalation, { audience: audience({ parties: true }) });
    await notifierFor(ds, twilioConfig()).notify(parties);
    const smsKey = `${parties.key}:${smsOnly}:sms`;
    const [sms] = await ds.query(
      `SELECT provider_message_id FROM notification_delivery WHERE delivery_key = $1`,
      [smsKey],
    );
    await smtp.waitFor((m) => m.subject.includes(escalation.reference), 1);

    // What the API's /callbacks/twilio does once the signature is checked.
    expect(
      await applyProviderCallback(new DeliveriesRepository(ds), 'twilio', {
        MessageSid: sms.provider_message_id,
        MessageStatus: 'failed',
        ErrorCode: '30006',
      }),
    ).toMatchObject({ outcome: 'failed-later', followUpPending: true, status: 'failed' });
    expect(await notifier.scheduler.runOnce()).toEqual({ released: 0, followedUp: 1 });
    const mails = await smtp.waitFor((m) => m.subject.includes(escalation.reference), 3);
    expect(mails.filter((m) => m.to.includes(agencyEmail('police', 'practitioner')))).toHaveLength(1);
    expect(mails.filter((m) => m.to.includes(partnershipEmail('business-manager')))).toHaveLength(1);
    expect(await notifier.scheduler.runOnce()).toEqual({ released: 0, followedUp: 0 });
  });
});

describe('return paths', () => {
  it('each email leaves with its own signed return path; the From header stays MAIL_FROM', async () => {
    const envelopes: { mailFrom: string; from: string }[] = [];
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        let raw = '';
        stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
        stream.on('end', () => {
          const mailFrom = session.envelope.mailFrom;
          envelopes.push({
            mailFrom: mailFrom ? mailFrom.address : '',
            from: /^From: (.*)$/m.exec(raw)?.[1] ?? '',
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.server.address() as { port: number }).port;
    try {
      const provider = createEmailProvider({
        email: { provider: 'smtp', smtpUrl: `smtp://127.0.0.1:${port}` },
        mailFrom: MAIL_FROM,
        bounces: { address: BOUNCE_ADDRESS, secret: BOUNCE_SECRET },
      });
      const sent = await provider.send({
        deliveryKey: 'k:1:p:email',
        to: { address: 'reader@agency.example', name: 'Reader' },
        subject: 's',
        text: 't',
        html: '<p>t</p>',
      });
      await provider.close?.();
      expect(envelopes).toEqual([
        {
          mailFrom: new BounceAddresses(BOUNCE_ADDRESS, BOUNCE_SECRET).returnPath(sent.providerMessageId!),
          from: expect.stringContaining('<notifications@resolve.test>'),
        },
      ]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
