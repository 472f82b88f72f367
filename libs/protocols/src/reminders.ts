/**
 * When people are reminded of a deadline. One place for every reminder instant: the deadline
 * activity asks for a tier's reminders, the engine for a plan item's and an agreed extension's,
 * so "halfway" means the same thing wherever a reminder is set.
 *
 * Pure and bundle-safe (the workflow bundle imports it): no clock, no I/O.
 */
import { localDateOf, localInstant } from '@resolve/calendar';
import type { Protocol } from './schema';

/** The instant halfway from `from` to `to` (rounded down to the millisecond); null if `to` is not later. */
export function halfwayBetween(fromIso: string, toIso: string): string | null {
  const from = Date.parse(fromIso);
  const to = Date.parse(toIso);
  if (!(to > from)) return null;
  return new Date(from + Math.floor((to - from) / 2)).toISOString();
}

/**
 * A tier's reminders: halfway through the time allowed and on the morning of the due day, as the
 * protocol asks. Only instants after the tier began and before the deadline; sorted, no repeats.
 */
export function tierReminderInstants(protocol: Protocol, tierStartedAt: Date, dueAt: Date): string[] {
  const start = tierStartedAt.getTime();
  const due = dueAt.getTime();
  const reminders: string[] = [];
  if (protocol.reminders.halfway) {
    const half = halfwayBetween(tierStartedAt.toISOString(), dueAt.toISOString());
    if (half) reminders.push(half);
  }
  if (protocol.reminders.morningOfDueDay) {
    const morning = localInstant(localDateOf(dueAt), protocol.reminders.morningOfDueDay);
    if (morning.getTime() > start && morning.getTime() < due) reminders.push(morning.toISOString());
  }
  return [...new Set(reminders)].sort();
}
