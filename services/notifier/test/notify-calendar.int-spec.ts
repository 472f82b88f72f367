import type { Actor } from '@resolve/domain';
import {
  startSmtpCapture,
  startTestDatabase,
  type CapturedMail,
  type SmtpCapture,
  type TestDatabase,
} from '@resolve/testing';
import type { DataSource } from 'typeorm';
import { CaseDriver, project } from './support/case-driver';
import {
  agency,
  agencyEmail,
  agencyPerson,
  insertEscalation,
  partnershipPerson,
  seedDirectory,
  type SeededEscalation,
} from './support/escalations';
import { notifierFor } from './support/notifier';

jest.setTimeout(120_000);

let db: TestDatabase;
let ds: DataSource;
let smtp: SmtpCapture;

const smtpConfig = () => ({
  email: { provider: 'smtp' as const, smtpUrl: smtp.url },
  sms: { provider: 'outbox' as const },
});

/** Monday 30 November 2026, 09:00. */
const RAISED = new Date('2026-11-30T09:00:00Z');
const raiser = (): Actor => ({
  personId: agencyPerson('police', 'practitioner'),
  agencyId: agency('police'),
  role: 'practitioner',
  side: 'raising',
});
const chair = (): Actor => ({
  personId: partnershipPerson('independent-chair'),
  agencyId: null,
  role: 'independent-chair',
  side: 'partnership',
});

function driverFor(escalation: SeededEscalation): CaseDriver {
  return CaseDriver.raise({
    escalationId: escalation.id,
    reference: escalation.reference,
    protocolId: 'sefton-sscp',
    raisingAgencyId: agency('police'),
    receivingAgencyId: agency('csc'),
    raisedBy: raiser(),
    at: RAISED,
  });
}

/** The calendar part of a received email, unfolded (RFC 5545 3.1) into "NAME[;params]" → value. */
function calendarOf(mail: CapturedMail): { method: string | null; props: Map<string, string>; raw: string } {
  const part = mail.attachments.find((a) => a.contentType === 'text/calendar');
  if (!part) throw new Error(`no text/calendar part in "${mail.subject}" to ${mail.to.join(',')}`);
  const props = new Map<string, string>();
  for (const line of part.content.replace(/\r\n[ \t]/g, '').split('\r\n')) {
    const colon = line.search(/:(?=(?:[^"]*"[^"]*")*[^"]*$)/);
    if (colon < 0) continue;
    const name = line.slice(0, colon);
    props.set(name.split(';')[0], line.slice(colon + 1));
    if (name.startsWith('ATTENDEE')) props.set('ATTENDEE', line.slice(colon + 1));
  }
  return { method: part.method, props, raw: part.content };
}

const mailsOf = (escalation: SeededEscalation, subject: string) =>
  smtp.messages.filter((m) => m.subject.includes(escalation.reference) && m.subject.startsWith(subject));

beforeAll(async () => {
  db = await startTestDatabase();
  ds = db.dataSource;
  await seedDirectory(ds);
  smtp = await startSmtpCapture();
});

afterAll(async () => {
  await smtp?.stop();
  await db?.stop();
});

describe('calendar invitations, read back from the real SMTP server', () => {
  it('a meeting is an invitation to each invitee; a new date updates it (same UID, higher SEQUENCE); closing cancels it', async () => {
    const { notify } = notifierFor(ds, smtpConfig());
    const escalation = await insertEscalation(ds);
    const driver = driverFor(escalation).advanceTo(4);
    const now = new Date(Date.parse(driver.state.tier.startedAt) + 3_600_000);

    driver.act(
      {
        kind: 'schedule-meeting',
        meetingKind: 'chaired-meeting',
        at: '2027-01-08T14:00:00.000Z',
        actor: chair(),
        actionId: '1b4b8c9e-0000-4000-8000-000000000001',
      },
      now,
    );
    await project(ds, driver.snapshot());
    const first = await notify(driver.last('meeting-scheduled'));
    expect(first.sent).toBeGreaterThanOrEqual(2);
    const invitations = mailsOf(escalation, 'Meeting scheduled');
    expect(invitations.length).toBeGreaterThanOrEqual(2);
    expect(invitations.map((m) => m.to[0])).toEqual(
      expect.arrayContaining([agencyEmail('police', 'practitioner'), agencyEmail('csc', 'practitioner')]),
    );
    const uids = new Set<string>();
    for (const mail of invitations) {
      const { method, props } = calendarOf(mail);
      expect(method).toBe('REQUEST');
      expect(props.get('METHOD')).toBe('REQUEST');
      expect(props.get('SEQUENCE')).toBe('0');
      expect(props.get('DTSTART')).toBe('20270108T140000Z');
      expect(props.get('STATUS')).toBe('CONFIRMED');
      // Each invitee's own invitation: no other invitee's address in it.
      expect(props.get('ATTENDEE')).toBe(`mailto:${mail.to[0]}`);
      uids.add(props.get('UID')!);
      // The calendar .ics attachment for clients that only look there.
      expect(mail.attachments.some((a) => a.filename === 'invitation.ics')).toBe(true);
      expect(mail.text).toContain('Chaired meeting: Friday 8 January 2027, 14:00 (UK time).');
      expect(mail.text).toContain('A calendar invitation is attached.');
    }
    expect(uids.size).toBe(1);
    const [uid] = [...uids];
    expect(uid).toContain(escalation.id);

    // A new date for the same tier's meeting.
    driver.act(
      {
        kind: 'schedule-meeting',
        meetingKind: 'chaired-meeting',
        at: '2027-01-11T10:30:00.000Z',
        actor: chair(),
        actionId: '1b4b8c9e-0000-4000-8000-000000000002',
      },
      now,
    );
    await project(ds, driver.snapshot());
    await notify(driver.last('meeting-scheduled'));
    const updates = mailsOf(escalation, 'Meeting scheduled').slice(invitations.length);
    expect(updates).toHaveLength(invitations.length);
    for (const mail of updates) {
      const { props } = calendarOf(mail);
      expect(props.get('UID')).toBe(uid);
      expect(props.get('SEQUENCE')).toBe('1');
      expect(props.get('DTSTART')).toBe('20270111T103000Z');
      expect(mail.text).toContain('This is a new date');
    }

    // The case closes (withdrawn) with the meeting still ahead: it is cancelled.
    driver.act({ kind: 'withdraw', actor: raiser(), actionId: '1b4b8c9e-0000-4000-8000-000000000003' }, now);
    await project(ds, driver.snapshot());
    await notify(driver.last('closed'));
    const closing = mailsOf(escalation, `Escalation ${escalation.reference} closed`);
    expect(closing.length).toBeGreaterThanOrEqual(2);
    for (const mail of closing) {
      const { method, props } = calendarOf(mail);
      expect(method).toBe('CANCEL');
      expect(props.get('UID')).toBe(uid);
      expect(props.get('SEQUENCE')).toBe('2');
      expect(props.get('STATUS')).toBe('CANCELLED');
      expect(mail.text).toContain('will not take place');
    }
  });
});

describe('what each email asks of its reader', () => {
  it('the receiver is asked to act by the deadline in words; the raiser is told it is with the other agency; the notifier waits for the projection', async () => {
    const { notify } = notifierFor(ds, smtpConfig(), { projectionWaitMs: 20_000 });
    const escalation = await insertEscalation(ds);
    const driver = driverFor(escalation);
    // The workflow sends the notice before it writes the projection: written here a moment later.
    const sending = notify(driver.last('escalation-raised'));
    await new Promise((r) => setTimeout(r, 500));
    await project(ds, driver.snapshot());
    await sending;

    const mails = mailsOf(escalation, 'New escalation');
    const to = (address: string) => mails.find((m) => m.to.includes(address))!;
    const receiver = to(agencyEmail('csc', 'practitioner'));
    expect(receiver.text).toContain(
      "It is your agency's move: acknowledge the escalation and agree a plan of action, with timescales, with",
    );
    expect(receiver.text).toContain('by Wednesday 2 December 2026, 17:00.');
    expect(receiver.text).toContain(
      'How it was worked out: counted as 2 working days from the start of this tier',
    );
    expect(receiver.text).toContain('(Step 1: direct professional to professional discussion, 002 Step 1)');
    expect(receiver.text).toContain(`https://resolve.example.test/escalations/${escalation.id}`);
    const raiserMail = to(agencyEmail('police', 'practitioner'));
    expect(raiserMail.text).toContain('The escalation is with');
    expect(raiserMail.text).toContain('by Wednesday 2 December 2026, 17:00.');
    expect(raiserMail.text).not.toContain("It is your agency's move");
    expect(raiserMail.attachments).toEqual([]);
  });
});
