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

export interface ChannelContext {
  urgent: boolean;
  /** Inside SMS hours (working day, 08:00–18:00 London). */
  smsHours: boolean;
}

export function smsAllowed(person: DirectoryPerson, ctx: ChannelContext): boolean {
  return ctx.smsHours || ctx.urgent || person.smsOutOfHours;
}

export type ChannelPlan =
  | { channels: Channel[]; withheld: null; unreachable: false }
  /** Nothing can be sent now: only SMS was possible, outside SMS hours, for a non-urgent notice. */
  | { channels: []; withheld: string; unreachable: false }
  /** The person has neither an email address nor a phone number. */
  | { channels: []; withheld: null; unreachable: true; wanted: Channel };

/**
 * The channels to use for one person and one notice:
 * 1. the person's preferences, in order (email when none are set);
 * 2. a preferred channel without its contact detail is replaced by the other channel;
 * 3. SMS outside SMS hours only for urgent notices or people who opted in; when that leaves
 *    nothing, email is used if the person has an address.
 */
export function planChannels(person: DirectoryPerson, ctx: ChannelContext): ChannelPlan {
  const wanted = [...new Set(person.channels.filter((c): c is Channel => c === 'email' || c === 'sms'))];
  if (wanted.length === 0) wanted.push('email');
  let channels = wanted.filter((c) => hasContact(person, c));
  if (channels.length === 0) {
    const other = (['email', 'sms'] as Channel[]).find((c) => hasContact(person, c));
    if (!other) return { channels: [], withheld: null, unreachable: true, wanted: wanted[0] };
    channels = [other];
  }
  if (channels.includes('sms') && !smsAllowed(person, ctx)) {
    channels = channels.filter((c) => c !== 'sms');
    if (channels.length === 0) {
      if (hasContact(person, 'email')) channels = ['email'];
      else
        return {
          channels: [],
          withheld: 'SMS outside working hours for a non-urgent notice, and no email address',
          unreachable: false,
        };
    }
  }
  return { channels, withheld: null, unreachable: false };
}

/**
 * After `failed` failed permanently: the other channel, when the person has its contact detail,
 * it was not already used for this notice, and (for SMS) texts are allowed now.
 */
export function fallbackChannel(
  person: DirectoryPerson,
  failed: Channel,
  planned: Channel[],
  ctx: ChannelContext,
): Channel | null {
  const other: Channel = failed === 'email' ? 'sms' : 'email';
  if (planned.includes(other)) return null;
  if (!hasContact(person, other)) return null;
  if (other === 'sms' && !smsAllowed(person, ctx)) return null;
  return other;
}
