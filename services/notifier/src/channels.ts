import { isWorkingDay as calendarIsWorkingDay, type Nation } from '@resolve/calendar';
import type { Channel, DirectoryPerson } from './recipients';

/** SMS quiet hours: texts outside Mon–Fri 08:00–18:00 (Europe/London), bank holidays excluded. */
export const SMS_HOURS = { start: '08:00', end: '18:00' } as const;

const londonParts = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** Local date ("YYYY-MM-DD") and time ("HH:MM") in Europe/London. */
export function londonWallClock(instant: Date): { date: string; time: string } {
  const parts = Object.fromEntries(londonParts.formatToParts(instant).map((p) => [p.type, p.value]));
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

export type WorkingDayCheck = (localDate: string) => boolean;

/** Mon–Fri without the bank holidays of `nation` (@resolve/calendar); weekdays only outside its data. */
export function defaultWorkingDay(nation: Nation = 'england-and-wales'): WorkingDayCheck {
  return (localDate) => {
    try {
      return calendarIsWorkingDay(localDate, nation);
    } catch {
      const day = new Date(`${localDate}T12:00:00Z`).getUTCDay();
      return day !== 0 && day !== 6;
    }
  };
}

export function isSmsHours(instant: Date, isWorkingDay: WorkingDayCheck): boolean {
  const { date, time } = londonWallClock(instant);
  return isWorkingDay(date) && time >= SMS_HOURS.start && time < SMS_HOURS.end;
}

export function hasContact(person: DirectoryPerson, channel: Channel): boolean {
  const value = channel === 'email' ? person.email : person.phone;
  return typeof value === 'string' && value.trim() !== '';
}

/** A protocol's `channels` setting (libs/protocols schema): what its document says of each channel. */
export interface ProtocolChannels {
  email: 'allowed' | 'discouraged';
  sms: 'allowed' | 'not-allowed';
}

/** A protocol that says nothing of channels (or an escalation whose protocol is unknown). */
export const ANY_CHANNEL: ProtocolChannels = { email: 'allowed', sms: 'allowed' };

export interface ChannelContext {
  /** The domain's urgency (immediate risk, or an urgent route): request.urgent. */
  urgent: boolean;
  /** Inside SMS hours (working day, 08:00–18:00 London). */
  smsHours: boolean;
  /** The escalation's protocol's channel setting; omitted: every channel allowed. */
  protocol?: ProtocolChannels;
  /** The email carries a calendar invitation (or its cancellation), which no text can. */
  carriesInvitation?: boolean;
}

function smsAllowed(ctx: ChannelContext): boolean {
  return (ctx.protocol ?? ANY_CHANNEL).sms === 'allowed';
}

/** A text may go now: inside SMS hours, or to a person who opted in to texts out of hours. */
export function smsNow(person: DirectoryPerson, ctx: ChannelContext): boolean {
  return ctx.smsHours || person.smsOutOfHours;
}

export type ChannelPlan =
  /** `channels` go now; `held` (a text outside SMS hours) waits for the hours to open. */
  | { channels: Channel[]; held: Channel[]; unreachable: false }
  /** The person has neither an email address nor a phone number. */
  | { channels: []; held: []; unreachable: true; wanted: Channel };

/**
 * The channels to use for one person and one notice (docs/notifications.md, "Which channels"):
 * 1. the person's preferences, in order (email when none are set);
 * 2. the protocol's setting: texts it does not allow are never sent (email instead); where it
 *    discourages email (Sefton and Lincolnshire: "escalation via e-mail is not recommended"), a
 *    person who accepts texts and has a phone number gets the text without the email. A person who
 *    accepts only email still gets email: the protocol cannot make someone take texts, and an
 *    email carrying a meeting invitation still goes (no text can carry it);
 * 3. a preferred channel without its contact detail is replaced by the other channel (a text only
 *    where the protocol allows texts);
 * 4. outside SMS hours a text goes now only to people who opted in. Otherwise an urgent notice
 *    goes by email at once instead (a text too only when there is no email address: it is then
 *    the one way to reach them), and a non-urgent text is held until the hours open.
 */
export function planChannels(person: DirectoryPerson, ctx: ChannelContext): ChannelPlan {
  const protocol = ctx.protocol ?? ANY_CHANNEL;
  const usable = (c: Channel) => c === 'email' || smsAllowed(ctx);
  let wanted = [...new Set(person.channels.filter((c): c is Channel => c === 'email' || c === 'sms'))].filter(
    usable,
  );
  if (wanted.length === 0) wanted.push('email');
  if (
    protocol.email === 'discouraged' &&
    !ctx.carriesInvitation &&
    wanted.includes('sms') &&
    hasContact(person, 'sms')
  ) {
    wanted = wanted.filter((c) => c !== 'email');
  }
  let channels = wanted.filter((c) => hasContact(person, c));
  if (channels.length === 0) {
    const other = (['email', 'sms'] as Channel[]).find((c) => usable(c) && hasContact(person, c));
    if (!other) return { channels: [], held: [], unreachable: true, wanted: wanted[0] };
    channels = [other];
  }
  if (!channels.includes('sms') || smsNow(person, ctx)) return { channels, held: [], unreachable: false };
  if (ctx.urgent) {
    // Safety before the protocol's discouragement: an urgent notice does not wait for SMS hours.
    return hasContact(person, 'email')
      ? { channels: ['email'], held: [], unreachable: false }
      : { channels, held: [], unreachable: false };
  }
  return { channels: channels.filter((c) => c !== 'sms'), held: ['sms'], unreachable: false };
}

/**
 * After `failed` failed permanently: the other channel, when the person has its contact detail
 * and it was not already used (sent or held) for this notice. A text outside SMS hours follows
 * the rule above: held until the hours open, or sent now when the notice is urgent (the email
 * has just failed, so the text is the one way left).
 */
export function fallbackChannel(
  person: DirectoryPerson,
  failed: Channel,
  planned: readonly Channel[],
  ctx: ChannelContext,
): { channel: Channel; hold: boolean } | null {
  const other: Channel = failed === 'email' ? 'sms' : 'email';
  if (planned.includes(other)) return null;
  // A text the protocol does not allow is no fallback; a discouraged email is (the one way left).
  if (other === 'sms' && !smsAllowed(ctx)) return null;
  if (!hasContact(person, other)) return null;
  const hold = other === 'sms' && !smsNow(person, ctx) && !ctx.urgent;
  return { channel: other, hold };
}

/**
 * The next opening of SMS hours at or after `instant`: 08:00 Europe/London on the next working
 * day (`isWorkingDay` knows the nation's bank holidays), in UTC whatever the season.
 */
export function nextSmsOpening(instant: Date, isWorkingDay: WorkingDayCheck): Date {
  if (isSmsHours(instant, isWorkingDay)) return instant;
  const today = londonWallClock(instant).date;
  // A year is far more than any run of non-working days; the bound only guards a broken calendar.
  for (let offset = 0; offset < 366; offset += 1) {
    const date = addDays(today, offset);
    if (!isWorkingDay(date)) continue;
    const opening = londonInstant(date, SMS_HOURS.start);
    if (opening.getTime() >= instant.getTime()) return opening;
  }
  throw new Error(`no working day within a year of ${today}`);
}

function addDays(localDate: string, days: number): string {
  return new Date(Date.parse(`${localDate}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** The instant a London wall-clock time occurs on a date (GMT or BST: 0 or 1 hour before UTC). */
function londonInstant(localDate: string, time: string): Date {
  const asUtc = Date.parse(`${localDate}T${time}:00Z`);
  for (const offsetHours of [0, 1]) {
    const candidate = new Date(asUtc - offsetHours * 3_600_000);
    const wall = londonWallClock(candidate);
    if (wall.date === localDate && wall.time === time) return candidate;
  }
  throw new Error(`${localDate} ${time} does not occur in Europe/London`);
}
