/**
 * When people are reminded of a deadline. One place for every reminder instant: the deadline
 * activity asks for a tier's reminders, the engine for a plan item's and an agreed extension's,
 * so "halfway" means the same thing wherever a reminder is set.
 *
 * Pure and bundle-safe (the workflow bundle imports it): no clock, no I/O.
 */
import { localDateOf, localInstant, workingMidpoint, type HolidaySet } from '@resolve/calendar';
import type { Protocol, Tier } from './schema';

/** The instant halfway from `from` to `to` (rounded down to the millisecond); null if `to` is not later. */
export function halfwayBetween(fromIso: string, toIso: string): string | null {
  const from = Date.parse(fromIso);
  const to = Date.parse(toIso);
  if (!(to > from)) return null;
  return new Date(from + Math.floor((to - from) / 2)).toISOString();
}

/**
 * A tier's reminders: halfway through the time allowed and on the morning of the due day, as the
 * protocol asks. Halfway is counted in working time (the protocol's business hours on working
 * days), so it never falls on a weekend, a bank holiday or at night; a tier counted in plain
 * minutes (the demo protocol) takes the clock midpoint. Only instants after the tier began and
 * before the deadline; sorted, no repeats.
 */
export function tierReminderInstants(
  protocol: Protocol,
  tier: Tier,
  tierStartedAt: Date,
  dueAt: Date,
  holidays?: HolidaySet,
): string[] {
  const start = tierStartedAt.getTime();
  const due = dueAt.getTime();
  const reminders: string[] = [];
  if (protocol.reminders.halfway) {
    const half =
      tier.timescale.kind === 'minutes'
        ? halfwayBetween(tierStartedAt.toISOString(), dueAt.toISOString())
        : (workingMidpoint(tierStartedAt, dueAt, {
            nation: protocol.nation,
            businessHours: protocol.businessHours,
            holidays,
          })?.toISOString() ?? null);
    if (half && half > tierStartedAt.toISOString() && half < dueAt.toISOString()) reminders.push(half);
  }
  if (protocol.reminders.morningOfDueDay) {
    const morning = localInstant(localDateOf(dueAt), protocol.reminders.morningOfDueDay);
    if (morning.getTime() > start && morning.getTime() < due) reminders.push(morning.toISOString());
  }
  return [...new Set(reminders)].sort();
}
