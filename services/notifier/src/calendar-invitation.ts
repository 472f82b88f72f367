import { createEvent, type EventAttributes } from 'ics';
import type { MeetingFact } from './notice-facts';
import { meetingKindWords } from './wording';

/** An iCalendar (RFC 5545) object to go with an email, as an iTIP method (RFC 5546). */
export interface CalendarPart {
  method: 'REQUEST' | 'CANCEL';
  /** The VCALENDAR text, CRLF line endings, folded. */
  content: string;
}

/** How long an invitation blocks in a calendar: the domain records when a meeting starts, not its length. */
export const MEETING_DURATION_HOURS = 2;

export interface InvitationInput {
  method: 'REQUEST' | 'CANCEL';
  escalationId: string;
  reference: string;
  meeting: MeetingFact;
  /** The case page. */
  link: string;
  organizer: { name: string; email: string };
  attendee: { name: string; email: string };
  /** DTSTAMP: when this invitation was made. */
  now: Date;
}

/**
 * One stable UID per meeting: the escalation and the tier whose meeting it is. Not the action
 * id of the scheduling: a new date for the same meeting is a new action, and calendar clients
 * recognise an update (or a cancellation) only by the same UID with a higher SEQUENCE.
 */
export function meetingUid(escalationId: string, tierNumber: number, organizerEmail: string): string {
  const domain = organizerEmail.includes('@') ? organizerEmail.split('@').pop()! : 'resolve.invalid';
  return `meeting-${escalationId}-t${tierNumber}@${domain}`;
}

/**
 * A name as an iCalendar parameter value (CN="..."): RFC 5545 allows no DQUOTE or control
 * character inside it, and ics would only backslash the quote, which calendar clients misread.
 */
const paramText = (name: string) =>
  name
    .replace(/"/g, "'")
    .replace(/\p{Cc}+/gu, ' ')
    .trim();

/**
 * The invitation (METHOD:REQUEST) or cancellation (METHOD:CANCEL) of one meeting for one
 * invitee, built with the `ics` package (escaping and line folding as RFC 5545 says). The
 * summary and description carry the case reference, the kind of meeting and the link only: no
 * child's or adult's details and no other invitee's contact details.
 */
export function meetingInvitation(input: InvitationInput): CalendarPart {
  const { meeting } = input;
  const kind = meetingKindWords(meeting.kind);
  // `timestamp` (DTSTAMP) is read by ics but missing from its type declarations.
  const attributes: EventAttributes & { timestamp: number } = {
    productId: '-//Resolve//Escalation notifier//EN',
    method: input.method,
    uid: meetingUid(input.escalationId, meeting.tierNumber, input.organizer.email),
    sequence: meeting.sequence,
    timestamp: input.now.getTime(),
    start: Date.parse(meeting.at),
    startInputType: 'utc',
    startOutputType: 'utc',
    duration: { hours: MEETING_DURATION_HOURS },
    title: `${kind.charAt(0).toUpperCase()}${kind.slice(1)}: escalation ${input.reference}`,
    description: `${kind.charAt(0).toUpperCase()}${kind.slice(1)} for escalation ${input.reference}. The place, the invitees and the case are on the case page: ${input.link}`,
    url: input.link,
    status: input.method === 'CANCEL' ? 'CANCELLED' : 'CONFIRMED',
    organizer: { name: paramText(input.organizer.name), email: input.organizer.email },
    // Replies would go to the notifications mailbox, which nobody reads: attendance is recorded
    // on the case page.
    attendees: [
      {
        name: paramText(input.attendee.name),
        email: input.attendee.email,
        rsvp: false,
        role: 'REQ-PARTICIPANT',
        partstat: 'NEEDS-ACTION',
      },
    ],
    classification: 'CONFIDENTIAL',
  };
  const { error, value } = createEvent(attributes);
  if (error || !value) {
    throw new Error(
      `calendar invitation for escalation ${input.reference} could not be built: ${String(error)}`,
    );
  }
  return { method: input.method, content: value };
}

/** The address and display name of a "Name <address>" sender. */
export function parseMailbox(from: string): { name: string; email: string } {
  const match = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(from);
  if (match) return { name: match[1].trim() || 'Resolve', email: match[2].trim() };
  return { name: 'Resolve', email: from.trim() };
}
