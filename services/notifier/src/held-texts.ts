/**
 * A text held overnight (outside SMS hours) is sent when the hours open. By then the case may
 * have moved on: a reminder to acknowledge tier 1 that arrives after the managers have taken
 * the case to tier 2, or after it was resolved, would send a busy professional to act on a
 * step that no longer exists. Such a text is superseded instead of sent; the email that went
 * with it at the time, and the later notices of the step the case is now at, stand.
 */

/** Notices that ask their reader to act at one tier: stale once the case has left that tier. */
const CALLS_TO_ACT_AT_THE_TIER: ReadonlySet<string> = new Set([
  'escalation-raised',
  'tier-entered',
  'deadline-reminder',
  'deadline-breached',
  'plan-proposed',
  'route-choice-needed',
  'extension-proposed',
  'chair-appointed',
  'meeting-scheduled',
  'step-due-soon',
  'step-overdue',
]);

/** Notices that ask for action on the case as a whole (a plan item): stale once it closes. */
const CALLS_TO_ACT_ON_THE_CASE: ReadonlySet<string> = new Set(['plan-item-due', 'plan-item-overdue']);

export interface HeldText {
  event: string;
  /** The tier the notice was about. */
  tier: number;
}

export interface CaseNow {
  status: string;
  tierNumber: number;
}

/**
 * Why a held text must not be sent now, or null when it still stands. Notices that report
 * something (a closure, a decision, an agreed extension) stay worth sending after the case
 * has moved, and so does any event this list does not name: a new kind of notice is sent
 * unless someone decides it goes stale.
 */
export function whyHeldTextIsSuperseded(text: HeldText, now: CaseNow): string | null {
  const closed = now.status !== 'open';
  if (CALLS_TO_ACT_AT_THE_TIER.has(text.event)) {
    if (closed) return `the case closed (${now.status}) before SMS hours opened`;
    if (now.tierNumber !== text.tier) {
      return `the case moved from tier ${text.tier} to tier ${now.tierNumber} before SMS hours opened`;
    }
  }
  if (CALLS_TO_ACT_ON_THE_CASE.has(text.event) && closed) {
    return `the case closed (${now.status}) before SMS hours opened`;
  }
  return null;
}
