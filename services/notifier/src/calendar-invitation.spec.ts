import { meetingInvitation, meetingUid, parseMailbox } from './calendar-invitation';

const base = {
  escalationId: '3e0f4a2b-5c6d-4e7f-8a9b-0c1d2e3f4a5b',
  reference: 'SEF-2026-0101',
  link: 'https://resolve.example.test/escalations/3e0f4a2b-5c6d-4e7f-8a9b-0c1d2e3f4a5b',
  organizer: { name: 'Resolve', email: 'notifications@resolve.test' },
  attendee: { name: 'Chair; of the "panel", Sefton', email: 'chair@sefton.resolve.test' },
  now: new Date('2026-12-05T09:00:00Z'),
};
const meeting = { kind: 'chaired-meeting', at: '2027-01-08T14:00:00.000Z', tierNumber: 4, sequence: 1 };

/** RFC 5545 3.1: unfold, then split into lines. */
const unfold = (ics: string) => ics.replace(/\r\n[ \t]/g, '').split('\r\n');

describe('meetingInvitation', () => {
  it('is an iTIP REQUEST with a stable UID per meeting, its SEQUENCE and start', () => {
    const { method, content } = meetingInvitation({ ...base, method: 'REQUEST', meeting });
    expect(method).toBe('REQUEST');
    const lines = unfold(content);
    expect(lines).toEqual(
      expect.arrayContaining([
        'BEGIN:VCALENDAR',
        'METHOD:REQUEST',
        `UID:${meetingUid(base.escalationId, 4, 'notifications@resolve.test')}`,
        'SEQUENCE:1',
        'DTSTART:20270108T140000Z',
        'DTSTAMP:20261205T090000Z',
        'STATUS:CONFIRMED',
        'SUMMARY:Chaired meeting: escalation SEF-2026-0101',
      ]),
    );
    // Every physical line at most 75 octets (RFC 5545 3.1), CRLF endings.
    for (const line of content.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    // Text values escaped: the attendee's name is quoted, not able to break the line's structure.
    const attendee = lines.find((l) => l.startsWith('ATTENDEE'))!;
    expect(attendee).toContain('CN="Chair; of the \'panel\', Sefton"');
    expect(attendee).toMatch(/:mailto:chair@sefton\.resolve\.test$/);
  });

  it('the UID does not depend on the date, so a new date updates the same calendar entry', () => {
    const a = meetingInvitation({ ...base, method: 'REQUEST', meeting: { ...meeting, sequence: 0 } });
    const b = meetingInvitation({
      ...base,
      method: 'REQUEST',
      meeting: { ...meeting, at: '2027-01-11T10:30:00.000Z', sequence: 1 },
    });
    const uid = (c: string) => unfold(c).find((l) => l.startsWith('UID:'));
    expect(uid(a.content)).toBe(uid(b.content));
    expect(uid(a.content)).not.toBe(
      uid(meetingInvitation({ ...base, method: 'REQUEST', meeting: { ...meeting, tierNumber: 3 } }).content),
    );
  });

  it('a cancellation is METHOD:CANCEL and STATUS:CANCELLED', () => {
    const lines = unfold(
      meetingInvitation({ ...base, method: 'CANCEL', meeting: { ...meeting, sequence: 2 } }).content,
    );
    expect(lines).toEqual(expect.arrayContaining(['METHOD:CANCEL', 'STATUS:CANCELLED', 'SEQUENCE:2']));
  });
});

it('parseMailbox reads "Name <address>" and a bare address', () => {
  expect(parseMailbox('Resolve <notifications@resolve.test>')).toEqual({
    name: 'Resolve',
    email: 'notifications@resolve.test',
  });
  expect(parseMailbox('n@x.test')).toEqual({ name: 'Resolve', email: 'n@x.test' });
});
