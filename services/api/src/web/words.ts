import { formatLocal } from '@resolve/calendar';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** "in 2 days", "in 5 hours", "3 days ago": how far an instant is from now, in plain words. */
export function distanceInWords(at: Date, now = new Date()): string {
  const ms = at.getTime() - now.getTime();
  const abs = Math.abs(ms);
  const amount =
    abs >= DAY
      ? plural(Math.floor(abs / DAY), 'day')
      : abs >= HOUR
        ? plural(Math.floor(abs / HOUR), 'hour')
        : plural(Math.max(1, Math.floor(abs / 60_000)), 'minute');
  return ms >= 0 ? `in ${amount}` : `${amount} ago`;
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** A deadline as people read it: "Fri 4 Dec 17:00 (in 2 days)", or overdue since when. */
export function deadlineInWords(
  dueAt: Date | string | null | undefined,
  now = new Date(),
): { text: string; overdue: boolean } | null {
  if (!dueAt) return null;
  const at = new Date(dueAt);
  const overdue = at.getTime() < now.getTime();
  const when = formatLocal(at);
  return overdue
    ? { text: `${when} (overdue by ${distanceInWords(at, now).replace(/ ago$/, '')})`, overdue }
    : { text: `${when} (${distanceInWords(at, now)})`, overdue };
}

export const STATUS_LABELS: Record<string, string> = {
  open: 'Open',
  resolved: 'Resolved',
  decided: 'Decided',
  'referred-for-learning': 'Referred for learning',
  withdrawn: 'Withdrawn',
  'closed-with-outcome': 'Closed with a named outcome',
};

/** GOV.UK tag colours by status. */
export const STATUS_TAG_CLASSES: Record<string, string> = {
  open: 'govuk-tag--blue',
  resolved: 'govuk-tag--green',
  decided: 'govuk-tag--green',
  'referred-for-learning': 'govuk-tag--purple',
  withdrawn: 'govuk-tag--grey',
  'closed-with-outcome': 'govuk-tag--grey',
};

/** Timeline event types as sentences' subjects; anything else is shown in words. */
export const EVENT_LABELS: Record<string, string> = {
  raised: 'Escalation raised',
  'tier-entered': 'Step started',
  'deadline-set': 'Deadline set',
  acknowledged: 'Acknowledged',
  responded: 'Responded',
  'plan-agreed': 'Plan of action agreed',
  'plan-proposed': 'Plan of action proposed',
  resolved: 'Resolved',
  escalated: 'Escalated to the next step',
  'deadline-breached': 'Deadline missed',
  'note-added': 'Note added',
  withdrawn: 'Withdrawn',
  decided: 'Decision recorded',
  'outcome-recorded': 'Closed with an outcome the protocol names',
  'protective-deadline-set': 'Protective timescale set',
  'urgency-decided': 'Urgency decided',
  'step-deadline-set': 'Step deadline set',
  'step-due-soon': 'Step due soon: its owner reminded',
  'step-overdue': 'Step overdue: its owner alerted',
  'step-completed': 'Step completed',
};

/**
 * A timeline entry about one of a tier's steps, named with the step and its due date (the
 * entry's detail carries the step's key and due instant). Null for any other entry.
 */
export function stepLabel(
  entry: { type: string; detail?: Record<string, unknown> | null },
  steps: { key: string; title: string }[] | null | undefined,
): string | null {
  if (!entry.type.startsWith('step-') || typeof entry.detail?.step !== 'string') return null;
  const key = entry.detail.step;
  const title = steps?.find((s) => s.key === key)?.title ?? key.replace(/-/g, ' ');
  const due =
    typeof entry.detail.dueAt === 'string' ? `, due ${formatLocal(new Date(entry.detail.dueAt))}` : '';
  return `${EVENT_LABELS[entry.type]}: ${title}${due}`;
}

export const eventLabel = (type: string) =>
  EVENT_LABELS[type] ?? type.charAt(0).toUpperCase() + type.slice(1).replace(/-/g, ' ');

/** How a tier is held (a protocol's `conductedAs`), as the form offers it. */
export const TIER_FORMAT_LABELS: Record<string, string> = {
  discussion: 'Discussion',
  'line-manager-intervention': 'Line manager intervention',
  'multi-disciplinary-meeting': 'Multi-disciplinary meeting',
};

/**
 * A timeline entry that carries a person's decision in its detail, said with it: the urgency
 * decided, or how a step was held (a plan's or meeting's `heldAs`). Null for any other entry.
 */
export function decisionLabel(entry: {
  type: string;
  detail?: Record<string, unknown> | null;
}): string | null {
  const detail = entry.detail ?? {};
  if (entry.type === 'urgency-decided' && typeof detail.urgent === 'boolean')
    return detail.urgent ? 'Urgency decided: urgent' : 'Urgency decided: not urgent';
  if (typeof detail.heldAs === 'string')
    return `${eventLabel(entry.type)}: held as ${detail.heldAs.replace(/-/g, ' ')}`;
  return null;
}
