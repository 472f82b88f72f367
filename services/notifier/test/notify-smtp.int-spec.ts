import { ApplicationFailure } from '@temporalio/common';
import type { NotifyRequest } from '@resolve/contracts';
import {
  startSmtpCapture,
  startTestDatabase,
  type CapturedMail,
  type SmtpCapture,
  type TestDatabase,
} from '@resolve/testing';
import { DeliveriesRepository, SubjectsRepository } from '@resolve/persistence';
import type { DataSource } from 'typeorm';
import { deliveriesForEscalation } from '../src/deliveries';
import { RETRYABLE_FAILURE_TYPE } from '../src/notify';
import { readSmsOutbox } from '../src/providers/sms/outbox/outbox-sms-provider';
import {
  OUT_OF_HOURS,
  agencyEmail,
  agencyPerson,
  audience,
  deliveryRows,
  insertEscalation,
  outbox,
  partnershipEmail,
  partnershipPerson,
  request,
  seedDirectory,
  setPerson,
} from './support/escalations';
import { PUBLIC_BASE_URL, everyChannelAllowed, notifierFor, snapshotPeople } from './support/notifier';

jest.setTimeout(120_000);

let db: TestDatabase;
let ds: DataSource;
let smtp: SmtpCapture;
let smtpPort: number;
let restorePeople: () => Promise<void>;

const smtpConfig = () => ({
  email: { provider: 'smtp' as const, smtpUrl: `smtp://127.0.0.1:${smtpPort}` },
  sms: { provider: 'outbox' as const },
});
const mailsFor = (reference: string) => smtp.messages.filter((m) => m.subject.includes(reference));
const recipientsOf = (mails: CapturedMail[]) => mails.flatMap((m) => m.to).sort();

beforeAll(async () => {
  db = await startTestDatabase();
  ds = db.dataSource;
  await seedDirectory(ds);
  restorePeople = await snapshotPeople(ds);
  smtp = await startSmtpCapture();
  smtpPort = smtp.port;
});

const onTestEnd: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const f of onTestEnd.splice(0)) await f();
  smtp.rejectRecipients.clear();
  await restorePeople();
});

afterAll(async () => {
  await smtp?.stop();
  await db?.stop();
});

describe('notify over SMTP and the SMS outbox', () => {
  it('a batch of the notices of one step sends each once and answers per request; a malformed batch sends nothing', async () => {
    const { notifyBatch } = notifierFor(ds, smtpConfig());
    const escalation = await insertEscalation(ds);
    const breach = request(escalation, {
      event: 'deadline-breached',
      tier: 1,
      key: `${escalation.id}:deadline-breached:1`,
      audience: audience({ agencyRoles: ['practitioner'], sides: ['raising', 'receiving'] }),
    });
    const entered = request(escalation, {
      audience: audience({ agencyRoles: ['line-manager'], sides: ['raising', 'receiving'] }),
    });
    expect(await notifyBatch([breach, entered])).toEqual([
      { recipients: 2, sent: 2, alreadySent: 0, failed: 0 },
      { recipients: 2, sent: 2, alreadySent: 0, failed: 0 },
    ]);
    // A retried batch (the activity timed out after sending) sends nothing again.
    expect(await notifyBatch([breach, entered])).toEqual([
      { recipients: 2, sent: 0, alreadySent: 2, failed: 0 },
      { recipients: 2, sent: 0, alreadySent: 2, failed: 0 },
    ]);
    expect(mailsFor(escalation.reference)).toHaveLength(4);

    const other = await insertEscalation(ds);
    const bad = {
      ...request(other, { audience: audience({ parties: true }) }),
      event: 'no-such-event',
    } as unknown as NotifyRequest;
    await expect(
      notifyBatch([request(other, { audience: audience({ parties: true }) }), bad]),
    ).rejects.toMatchObject({
      type: 'InvalidNotifyRequest',
      nonRetryable: true,
      message: expect.stringContaining('request 1: invalid notify request: unknown event "no-such-event"'),
    });
    await expect(notifyBatch([])).rejects.toMatchObject({
      message: 'notifyBatch needs a non-empty array of notify requests',
    });
    expect(mailsFor(other.reference)).toHaveLength(0);
    expect(await deliveryRows(ds, other.id)).toEqual([]);
  });

  it("a notice's recipients are sent side by side, each exactly once, over the provider's pooled connections", async () => {
    const { notify } = notifierFor(ds, smtpConfig());
    const escalation = await insertEscalation(ds);
    smtp.acceptDelayMs = 400; // a slow server: one message at a time would keep one connection
    smtp.resetPeakConnections();
    onTestEnd.push(async () => {
      smtp.acceptDelayMs = 0;
    });
    const result = await notify(
      request(escalation, {
        audience: audience({
          agencyRoles: ['line-manager', 'practitioner'],
          sides: ['raising', 'receiving'],
          partnershipRoles: [],
        }),
      }),
    );
    expect(result).toEqual({ recipients: 4, sent: 4, alreadySent: 0, failed: 0 });
    expect(smtp.peakConnections).toBeGreaterThanOrEqual(2);
    const mails = mailsFor(escalation.reference);
    expect(recipientsOf(mails)).toEqual(
      [
        agencyEmail('police', 'line-manager'),
        agencyEmail('csc', 'line-manager'),
        agencyEmail('police', 'practitioner'),
        agencyEmail('csc', 'practitioner'),
      ].sort(),
    );
    const rows = await deliveryRows(ds, escalation.id);
    expect(rows.map((r) => r.status)).toEqual(['sent', 'sent', 'sent', 'sent']);
  });

  it('a tier change reaches the role holders of both agencies and the partnership, from the directory', async () => {
    const { notify } = notifierFor(ds, smtpConfig());
    const escalation = await insertEscalation(ds);
    const result = await notify(
      request(escalation, {
        audience: audience({
          agencyRoles: ['line-manager'],
          sides: ['raising', 'receiving'],
          partnershipRoles: ['business-manager'],
        }),
      }),
    );
    expect(result).toEqual({ recipients: 3, sent: 3, alreadySent: 0, failed: 0 });
    const mails = await smtp.waitFor((m) => m.subject.includes(escalation.reference), 3);
    expect(recipientsOf(mails)).toEqual(
      [
        agencyEmail('police', 'line-manager'),
        agencyEmail('csc', 'line-manager'),
        partnershipEmail('business-manager'),
      ].sort(),
    );
    const toPolice = mails.find((m) => m.to.includes(agencyEmail('police', 'line-manager')))!;
    expect(toPolice.subject).toBe(`Escalation ${escalation.reference} has moved to tier 2`);
    expect(toPolice.from).toBe('notifications@resolve.test');
    expect(toPolice.text).toContain('Dear Police line manager,');
    expect(toPolice.text).toContain(
      'tier 2 of Sefton SSCP Escalating Concerns: Step by Step: Step 2: direct manager to manager discussion',
    );
    expect(toPolice.text).toContain(`${PUBLIC_BASE_URL}/escalations/${escalation.id}`);
    expect(toPolice.html).toContain(`href="${PUBLIC_BASE_URL}/escalations/${escalation.id}"`);
    // reference-only partnership: no category
    expect(toPolice.text).not.toMatch(/Category|Thresholds/);

    const rows = await deliveryRows(ds, escalation.id);
    expect(rows.map((r) => [r.delivery_key, r.status, r.channel, r.provider, r.attempts])).toEqual(
      [
        agencyPerson('csc', 'line-manager'),
        agencyPerson('police', 'line-manager'),
        partnershipPerson('business-manager'),
      ]
        .map((p) => [`${escalation.id}:tier-entered:2:${p}:email`, 'sent', 'email', 'smtp', 1])
        .sort(),
    );
    expect(rows.every((r) => r.provider_message_id?.endsWith('@resolve.test>'))).toBe(true);

    const timeline = await deliveriesForEscalation(new DeliveriesRepository(ds), escalation.id);
    expect(timeline).toHaveLength(3);
    expect(timeline[0]).toMatchObject({
      event: 'tier-entered',
      tier: 2,
      channel: 'email',
      status: 'sent',
      attempts: 1,
      lastError: null,
    });
    expect(timeline[0].sentAt).toBeInstanceOf(Date);
    expect(timeline.map((t) => t.recipientName).sort()).toEqual([
      "Children's Social Care line manager",
      'Police line manager',
      'Sefton business manager',
    ]);
  });

  it('the category appears only when the partnership sets email_detail to reference-and-category', async () => {
    await ds.query(`UPDATE partnership SET email_detail = 'reference-and-category' WHERE id = 'sefton'`);
    try {
      const { notify } = notifierFor(ds, smtpConfig());
      const escalation = await insertEscalation(ds, { category: 'need-for-action' });
      await notify(request(escalation, { audience: audience({ parties: true }) }));
      const mails = await smtp.waitFor((m) => m.subject.includes(escalation.reference), 2);
      for (const m of mails)
        expect(m.text).toContain("Category: The need for action, or an agency's action or inaction");
    } finally {
      await ds.query(`UPDATE partnership SET email_detail = 'reference-only' WHERE id = 'sefton'`);
    }
  });

  it("follows each person's channel preferences, in and out of working hours", async () => {
    const smsOnly = agencyPerson('police', 'practitioner');
    const both = agencyPerson('csc', 'practitioner');
    await setPerson(ds, smsOnly, { channels: ['sms'] });
    await setPerson(ds, both, { channels: ['email', 'sms'] });
    const parties = audience({ parties: true });

    const inHours = await insertEscalation(ds);
    expect(
      await notifierFor(ds, smtpConfig(), { protocols: everyChannelAllowed }).notify(
        request(inHours, { audience: parties }),
      ),
    ).toEqual({
      recipients: 2,
      sent: 3,
      alreadySent: 0,
      failed: 0,
    });
    expect(recipientsOf(await smtp.waitFor((m) => m.subject.includes(inHours.reference), 1))).toEqual([
      agencyEmail('csc', 'practitioner'),
    ]);
    const texts = await outbox(ds, inHours.id);
    expect(texts.map((t) => t.recipient_person_id).sort()).toEqual([both, smsOnly].sort());
    expect(texts[0].body).toBe(
      `Resolve: escalation ${inHours.reference} moved to tier 2. ${PUBLIC_BASE_URL}/escalations/${inHours.id}`,
    );
    expect(texts.every((t) => /^\+447700900\d{3}$/.test(t.to_phone))).toBe(true);
    // The outbox as people read it (npm start's page): the same texts, for this case only.
    const shown = await readSmsOutbox(ds, { escalationId: inHours.id });
    expect(shown.map((m) => [m.deliveryKey, m.to, m.body]).sort()).toEqual(
      texts.map((t) => [t.delivery_key, t.to_phone, t.body]).sort(),
    );
    expect(shown.every((m) => m.escalationId === inHours.id && m.createdAt instanceof Date)).toBe(true);

    // Saturday night, not urgent (issue 15: a text is held until SMS hours open, not dropped or
    // swapped for an email): the email-and-SMS person gets the email now; both texts are held
    // until Monday 08:00.
    const night = await insertEscalation(ds);
    const atNight = notifierFor(ds, smtpConfig(), {
      clock: () => OUT_OF_HOURS,
      protocols: everyChannelAllowed,
    });
    expect(await atNight.notify(request(night, { audience: parties }))).toMatchObject({ sent: 1 });
    expect(await outbox(ds, night.id)).toEqual([]);
    expect(recipientsOf(await smtp.waitFor((m) => m.subject.includes(night.reference), 1))).toEqual([
      agencyEmail('csc', 'practitioner'),
    ]);
    const held = (await deliveryRows(ds, night.id)).filter((d) => d.status === 'held');
    expect(held.map((d) => [d.recipient_person_id, d.channel]).sort()).toEqual(
      [
        [both, 'sms'],
        [smsOnly, 'sms'],
      ].sort(),
    );

    // Saturday night, urgent (issue 15): by email at once instead of a text at night.
    const urgent = await insertEscalation(ds);
    expect(await atNight.notify(request(urgent, { audience: parties, urgent: true }))).toMatchObject({
      sent: 2,
    });
    expect(await outbox(ds, urgent.id)).toEqual([]);
    expect(recipientsOf(await smtp.waitFor((m) => m.subject.includes(urgent.reference), 2))).toEqual(
      [agencyEmail('police', 'practitioner'), agencyEmail('csc', 'practitioner')].sort(),
    );

    // Saturday night, not urgent, but the person opted in to texts out of hours.
    await setPerson(ds, smsOnly, { smsOutOfHours: true });
    const optedIn = await insertEscalation(ds);
    await atNight.notify(request(optedIn, { audience: parties }));
    expect((await outbox(ds, optedIn.id)).map((t) => t.recipient_person_id)).toEqual([smsOnly]);
  });

  // Issue 12: Sefton's protocol says "Escalation via e-mail is not recommended"
  // (docs/notifications.md, "Which channels").
  it("honours Sefton's discouragement of email with each person's preferences", async () => {
    const both = agencyPerson('csc', 'practitioner');
    const emailOnly = agencyPerson('police', 'practitioner');
    await setPerson(ds, both, { channels: ['email', 'sms'] });
    await setPerson(ds, emailOnly, { channels: ['email'] });
    const escalation = await insertEscalation(ds);
    expect(
      await notifierFor(ds, smtpConfig()).notify(
        request(escalation, { audience: audience({ parties: true }) }),
      ),
    ).toEqual({ recipients: 2, sent: 2, alreadySent: 0, failed: 0 });
    // The person who accepts texts gets the text and no email; the email-only person keeps email.
    expect(recipientsOf(await smtp.waitFor((m) => m.subject.includes(escalation.reference), 1))).toEqual([
      agencyEmail('police', 'practitioner'),
    ]);
    const texts = await outbox(ds, escalation.id);
    expect(texts.map((t) => t.recipient_person_id)).toEqual([both]);
    const rows = await deliveryRows(ds, escalation.id);
    expect(rows.map((d) => [d.recipient_person_id, d.channel]).sort()).toEqual(
      [
        [both, 'sms'],
        [emailOnly, 'email'],
      ].sort(),
    );
  });

  it('a preferred channel without its contact detail uses the other one', async () => {
    const person = agencyPerson('police', 'practitioner');
    await setPerson(ds, person, { channels: ['sms'], phone: null });
    const escalation = await insertEscalation(ds);
    await notifierFor(ds, smtpConfig()).notify(
      request(escalation, { audience: audience({ parties: true }) }),
    );
    expect(recipientsOf(await smtp.waitFor((m) => m.subject.includes(escalation.reference), 2))).toContain(
      agencyEmail('police', 'practitioner'),
    );
    expect(await outbox(ds, escalation.id)).toEqual([]);
  });

  it('no personal details of the child in any email or SMS', async () => {
    const escalation = await insertEscalation(ds, { immediateRisk: true });
    const childName = 'Tallulah Quixote-Brennan';
    // Through the repository: a subject is written with its fingerprint in the audit trail.
    await new SubjectsRepository(ds).insert({
      escalationId: escalation.id,
      subjectKind: 'child',
      people: [{ name: childName, dateOfBirth: '2015-03-09' }],
      caseIdentifier: 'MOSAIC-778812',
      natureOfConcern: 'Bruising seen on Tallulah at school on Monday',
      outcomesSought: 'Strategy discussion for Tallulah',
    });
    // Everyone on every channel, to see every template path.
    await ds.query(`UPDATE person SET channels = '{email,sms}' WHERE partnership_id = 'sefton'`);
    const everyone = audience({
      parties: true,
      agencyRoles: ['line-manager', 'safeguarding-lead', 'head-of-service'],
      sides: ['raising', 'receiving'],
      partnershipRoles: ['independent-chair', 'business-manager', 'safeguarding-manager'],
    });
    const { notify } = notifierFor(ds, smtpConfig(), { protocols: everyChannelAllowed });
    const events = [
      'immediate-risk-flagged',
      'escalation-raised',
      'deadline-breached',
      'final-decision',
    ] as const;
    for (const event of events) {
      await notify(
        request(escalation, { event, key: `${escalation.id}:${event}:2`, audience: everyone, urgent: true }),
      );
    }
    const mails = await smtp.waitFor((m) => m.subject.includes(escalation.reference), 11 * events.length);
    const texts = await outbox(ds, escalation.id);
    expect(texts).toHaveLength(11 * events.length);
    const forbidden = [
      childName,
      'Tallulah',
      'Quixote',
      'MOSAIC-778812',
      '2015-03-09',
      'Bruising',
      'Strategy discussion',
    ];
    for (const content of [
      ...mails.flatMap((m) => [m.subject, m.text, m.html]),
      ...texts.map((t) => t.body),
    ]) {
      for (const word of forbidden) expect(content).not.toContain(word);
    }
    // Immediate risk: every email reminds that this is not a child protection referral.
    for (const m of mails)
      expect(m.text).toContain('raising a professional disagreement is not a child protection referral');
    // Texts carry only the reference, what happened and the link.
    for (const t of texts) {
      expect(t.body.startsWith('Resolve: ')).toBe(true);
      expect(t.body).toContain(escalation.reference);
      expect(t.body.endsWith(`${PUBLIC_BASE_URL}/escalations/${escalation.id}`)).toBe(true);
      expect(t.body).not.toMatch(/line manager|Police|Sefton|Thresholds/i);
    }
  });

  it('an activity retried after sending (same request twice) sends nothing the second time', async () => {
    const person = agencyPerson('csc', 'practitioner');
    await setPerson(ds, person, { channels: ['email', 'sms'] });
    const { notify } = notifierFor(ds, smtpConfig(), { protocols: everyChannelAllowed });
    const escalation = await insertEscalation(ds);
    const r = request(escalation, {
      audience: audience({ parties: true, partnershipRoles: ['independent-chair'] }),
    });
    expect(await notify(r)).toEqual({ recipients: 3, sent: 4, alreadySent: 0, failed: 0 });
    await smtp.waitFor((m) => m.subject.includes(escalation.reference), 3);
    expect(await notify(r)).toEqual({ recipients: 3, sent: 0, alreadySent: 4, failed: 0 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(mailsFor(escalation.reference)).toHaveLength(3);
    expect(await outbox(ds, escalation.id)).toHaveLength(1);
    expect((await deliveryRows(ds, escalation.id)).map((d) => d.attempts)).toEqual([1, 1, 1, 1]);
  });

  it('two attempts running at once (a retry while a timed-out attempt still runs) still send each message once', async () => {
    const { notify } = notifierFor(ds, smtpConfig());
    const escalation = await insertEscalation(ds);
    const r = request(escalation, {
      audience: audience({
        agencyRoles: ['practitioner', 'line-manager', 'safeguarding-lead', 'head-of-service'],
        sides: ['raising', 'receiving'],
      }),
    });
    const outcomes = await Promise.allSettled([notify(r), notify(r), notify(r)]);
    // An attempt that found a delivery locked by another asks Temporal to retry it; the retry completes.
    if (outcomes.some((o) => o.status === 'rejected')) {
      for (const o of outcomes.filter((x): x is PromiseRejectedResult => x.status === 'rejected')) {
        expect(o.reason).toBeInstanceOf(ApplicationFailure);
        expect(o.reason.nonRetryable).toBe(false);
      }
      expect(await notify(r)).toMatchObject({ sent: 0, failed: 0 });
    }
    await smtp.waitFor((m) => m.subject.includes(escalation.reference), 8);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const mails = mailsFor(escalation.reference);
    expect(mails).toHaveLength(8);
    expect(new Set(recipientsOf(mails)).size).toBe(8);
  });

  it('a crash after the outbox took an SMS but before it was recorded: found, not sent again', async () => {
    const person = agencyPerson('police', 'practitioner');
    await setPerson(ds, person, { channels: ['sms'] });
    const { notify } = notifierFor(ds, smtpConfig());
    const escalation = await insertEscalation(ds);
    const r = request(escalation, { audience: audience({ parties: true }) });
    await notify(r);
    const key = `${r.key}:${person}:sms`;
    // What a crash between the provider's acceptance and the status update leaves behind.
    await ds.query(
      `UPDATE notification_delivery SET status = 'sending', provider_message_id = NULL WHERE delivery_key = $1`,
      [key],
    );
    expect(await notify(r)).toEqual({ recipients: 2, sent: 0, alreadySent: 2, failed: 0 });
    expect(await outbox(ds, escalation.id)).toHaveLength(1);
    const row = (await deliveryRows(ds, escalation.id)).find((d) => d.delivery_key === key)!;
    expect(row.status).toBe('sent');
    expect(row.provider_message_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('SMTP has no idempotency: a crash between the 250 reply and the record sends once more (at-least-once)', async () => {
    const { notify } = notifierFor(ds, smtpConfig());
    const escalation = await insertEscalation(ds);
    const r = request(escalation, { audience: audience({ parties: true }) });
    await notify(r);
    await smtp.waitFor((m) => m.subject.includes(escalation.reference), 2);
    const key = `${r.key}:${agencyPerson('police', 'practitioner')}:email`;
    await ds.query(`UPDATE notification_delivery SET status = 'sending' WHERE delivery_key = $1`, [key]);
    expect(await notify(r)).toEqual({ recipients: 2, sent: 1, alreadySent: 1, failed: 0 });
    const mails = await smtp.waitFor((m) => m.subject.includes(escalation.reference), 3);
    expect(recipientsOf(mails).filter((a) => a === agencyEmail('police', 'practitioner'))).toHaveLength(2);
    expect((await deliveryRows(ds, escalation.id)).find((d) => d.delivery_key === key)).toMatchObject({
      status: 'sent',
      attempts: 2,
    });
  });

  it('an SMTP outage: the activity throws a retryable error; once the server is back, the retry delivers each mail once', async () => {
    const person = agencyPerson('csc', 'practitioner');
    await setPerson(ds, person, { channels: ['email', 'sms'] });
    const { notify } = notifierFor(ds, smtpConfig(), { protocols: everyChannelAllowed });
    const escalation = await insertEscalation(ds);
    const r = request(escalation, {
      audience: audience({ parties: true, agencyRoles: ['line-manager'], sides: ['receiving'] }),
    });

    await smtp.stop();
    // Whatever happens below, the next tests get their SMTP server back.
    const restart = async () => {
      if (!smtp.url || smtpDown) smtp = await startSmtpCapture({ port: smtpPort });
      smtpDown = false;
    };
    let smtpDown = true;
    onTestEnd.push(restart);
    let failure: unknown;
    try {
      await notify(r);
    } catch (err) {
      failure = err;
    }
    expect(failure).toBeInstanceOf(ApplicationFailure);
    const af = failure as ApplicationFailure;
    expect(af.nonRetryable).toBe(false);
    expect(af.type).toBe(RETRYABLE_FAILURE_TYPE);
    expect(af.message).toMatch(/3 notification deliveries could not be sent yet and will be retried/);
    expect(af.message).toMatch(/ECONNREFUSED/);
    // The text went (the outbox is up); emails wait, marked for retry. Nobody was told of a failure.
    const during = await deliveryRows(ds, escalation.id);
    expect(during.map((d) => [d.recipient_person_id, d.channel, d.status])).toEqual([
      [agencyPerson('csc', 'line-manager'), 'email', 'queued'],
      [person, 'email', 'queued'],
      [person, 'sms', 'sent'],
      [agencyPerson('police', 'practitioner'), 'email', 'queued'],
    ]);
    expect(
      during
        .filter((d) => d.status === 'queued')
        .every((d) => /ECONNREFUSED|unavailable/.test(d.last_error ?? '')),
    ).toBe(true);
    expect(during.some((d) => d.event === 'delivery-failed')).toBe(false);

    // Still down: the retry fails again, sending nothing twice.
    await expect(notify(r)).rejects.toBeInstanceOf(ApplicationFailure);

    await restart();
    expect(await notify(r)).toEqual({ recipients: 3, sent: 3, alreadySent: 1, failed: 0 });
    const mails = await smtp.waitFor((m) => m.subject.includes(escalation.reference), 3);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(recipientsOf(mailsFor(escalation.reference))).toEqual(
      [
        agencyEmail('police', 'practitioner'),
        agencyEmail('csc', 'practitioner'),
        agencyEmail('csc', 'line-manager'),
      ].sort(),
    );
    expect(mails).toHaveLength(3);
    expect(await outbox(ds, escalation.id)).toHaveLength(1);
    expect(await notify(r)).toEqual({ recipients: 3, sent: 0, alreadySent: 4, failed: 0 });
  });

  it('a recipient rejected with 550: marked failed, the text goes instead, the business manager is told, the activity does not throw', async () => {
    const { notify } = notifierFor(ds, smtpConfig());
    const escalation = await insertEscalation(ds);
    const rejected = agencyPerson('police', 'line-manager');
    smtp.rejectRecipients.add(agencyEmail('police', 'line-manager'));
    const r = request(escalation, {
      audience: audience({ agencyRoles: ['line-manager'], sides: ['raising', 'receiving'] }),
    });

    expect(await notify(r)).toEqual({ recipients: 2, sent: 2, alreadySent: 0, failed: 1 });

    const rows = await deliveryRows(ds, escalation.id);
    const failed = rows.find((d) => d.delivery_key === `${r.key}:${rejected}:email`)!;
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failed.last_error).toMatch(/550/);
    // The server's 550 quotes the address; what is kept names no professional's contact.
    expect(failed.last_error).not.toContain(agencyEmail('police', 'line-manager'));
    expect(failed.last_error).not.toMatch(/@/);
    // Fallback: the person has a phone number and it is working hours.
    const fallback = rows.find((d) => d.delivery_key === `${r.key}:${rejected}:sms`)!;
    expect(fallback).toMatchObject({ status: 'sent', fallback_for: failed.delivery_key });
    expect((await outbox(ds, escalation.id)).map((t) => t.recipient_person_id)).toEqual([rejected]);
    // The business manager's alert has its own delivery key.
    const alertKey = `${r.key}:delivery-failed:${rejected}:email:${partnershipPerson('business-manager')}:email`;
    expect(rows.find((d) => d.delivery_key === alertKey)).toMatchObject({
      event: 'delivery-failed',
      status: 'sent',
      fallback_for: failed.delivery_key,
    });
    const [alert] = await smtp.waitFor(
      (m) => m.subject === `Undeliverable notification: escalation ${escalation.reference}`,
    );
    expect(alert.to).toEqual([partnershipEmail('business-manager')]);
    expect(alert.text).toContain('could not be delivered to Police line manager by email');
    expect(alert.text).toMatch(/550/);
    expect(alert.text).toContain(`${PUBLIC_BASE_URL}/escalations/${escalation.id}`);

    // Retried: nothing new, no second alert.
    expect(await notify(r)).toEqual({ recipients: 2, sent: 0, alreadySent: 2, failed: 1 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(
      smtp.messages.filter(
        (m) => m.subject.startsWith('Undeliverable') && m.subject.includes(escalation.reference),
      ),
    ).toHaveLength(1);
  });

  it('a person with no contact details at all: a failed delivery on the timeline and the business manager told', async () => {
    const person = agencyPerson('police', 'practitioner');
    await setPerson(ds, person, { email: null, phone: null });
    const { notify } = notifierFor(ds, smtpConfig());
    const escalation = await insertEscalation(ds);
    expect(await notify(request(escalation, { audience: audience({ parties: true }) }))).toEqual({
      recipients: 2,
      sent: 1,
      alreadySent: 0,
      failed: 1,
    });
    const timeline = await deliveriesForEscalation(new DeliveriesRepository(ds), escalation.id);
    expect(timeline.find((d) => d.recipientPersonId === person)).toMatchObject({
      status: 'failed',
      lastError: 'no email address or phone number in the directory',
    });
    const [alert] = await smtp.waitFor(
      (m) => m.subject === `Undeliverable notification: escalation ${escalation.reference}`,
    );
    expect(alert.text).toContain('Police practitioner');
  });

  it('an unknown escalation is retried (the API writes the row before starting the workflow)', async () => {
    const { notify } = notifierFor(ds, smtpConfig());
    const err = await notify(
      request(
        { id: '00000000-0000-4000-8000-00000000dead', reference: 'X', workflowId: 'escalation-dead' },
        { audience: audience({ parties: true }) },
      ),
    ).catch((e) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'EscalationNotFound', nonRetryable: false });
  });

  it('a malformed request fails without retries', async () => {
    const { notify } = notifierFor(ds, smtpConfig());
    const escalation = await insertEscalation(ds);
    const err = await notify({
      ...request(escalation, { audience: audience({}) }),
      event: 'nope' as never,
    }).catch((e) => e);
    expect(err).toMatchObject({ type: 'InvalidNotifyRequest', nonRetryable: true });
  });
});
