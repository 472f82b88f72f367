import type { NotifyRequest } from '@resolve/contracts';
import type { EscalationState, TimelineEntry } from '@resolve/domain';
import type { NoticeFactsRepository } from '@resolve/persistence';

/**
 * What a notice is about, beyond the ids the workflow sends: the deadline, the meeting, the
 * plan awaiting agreement. Read from the workflow's projection in Postgres (escalation.state),
 * because the notify request carries ids only.
 *
 * The workflow sends a step's notices in the background, before it computes the new tier's
 * deadline and writes the projection (workflows/src/effect-runner.ts). So the notifier waits,
 * briefly, until the projection has recorded the step that caused the notice; a projection that
 * has not caught up by then is not used (the message points to the case page instead), because
 * a stale one could name the previous tier's deadline.
 */

/** A deadline in the terms a message uses. */
export interface DeadlineFact {
  dueAt: string;
  /** The calendar's own explanation (working days, bank holidays), without the protocol heading. */
  explanation: string | null;
}

export interface MeetingFact {
  kind: string;
  at: string;
  tierNumber: number;
  /** The invitation's SEQUENCE: 0 for a tier's first date, one more for each change. */
  sequence: number;
}

export interface NoticeFacts {
  /** The projection has recorded the step that caused this notice. */
  current: boolean;
  /** The tier the case is at now, when the projection shows it (may be past the notice's tier). */
  tierNumber: number | null;
  tierKey: string | null;
  /** The current tier's deadline, when it is known and has not been met. */
  deadline: DeadlineFact | null;
  /** The deadline a breach or route-choice alert is about (the notice's tier's). */
  missedDeadline: DeadlineFact | null;
  /** The deadline before an extension was agreed. */
  previousDeadline: string | null;
  /** A proposed extension's date. */
  proposedDeadline: string | null;
  /** Who proposed what awaits the reader's agreement (plan or extension). */
  proposedBySide: 'raising' | 'receiving' | 'partnership' | null;
  acknowledged: boolean;
  /** The meeting this notice is about (meeting-scheduled), with its invitation sequence. */
  meeting: MeetingFact | null;
  /** Meetings still ahead when the case closed: the latest one is cancelled. */
  meetingToCancel: MeetingFact | null;
  /** A plan action's due date (plan-item-due, plan-item-overdue). */
  planItemDueAt: string | null;
  /** The agency that owns that plan action. */
  planItemOwnerAgencyId: string | null;
  /** The step of a tier's consecutive deadlines a step notice is about, and its due instant. */
  step?: { key: string; dueAt: string } | null;
}

export const NO_FACTS: NoticeFacts = {
  current: false,
  tierNumber: null,
  tierKey: null,
  deadline: null,
  missedDeadline: null,
  previousDeadline: null,
  proposedDeadline: null,
  proposedBySide: null,
  acknowledged: false,
  meeting: null,
  meetingToCancel: null,
  planItemDueAt: null,
  planItemOwnerAgencyId: null,
};

/**
 * The step that caused a notice, from its delivery key. The domain builds keys as
 * `${escalationId}:${event}:t${tier}:${discriminator}` (libs/domain transitions.ts `notify`),
 * where the discriminator is the action id for people's actions, the tier key for tier entries
 * and breaches, the item id for plan actions. Null when a key has another shape.
 */
export function noticeCause(
  request: Pick<NotifyRequest, 'escalationId' | 'event' | 'tier' | 'key'>,
): string | null {
  const prefix = `${request.escalationId}:${request.event}:t${request.tier}:`;
  return request.key.startsWith(prefix) && request.key.length > prefix.length
    ? request.key.slice(prefix.length)
    : null;
}

/** The timeline entry each notice is recorded with, in the same step. */
const TIMELINE_TYPE: Record<NotifyRequest['event'], TimelineEntry['type']> = {
  'escalation-raised': 'raised',
  'tier-entered': 'tier-entered',
  'deadline-reminder': 'deadline-reminder',
  'deadline-breached': 'deadline-breached',
  'plan-proposed': 'plan-proposed',
  'chair-appointed': 'chair-appointed',
  'route-choice-needed': 'route-choice-awaited',
  'plan-item-due': 'plan-item-due-soon',
  'plan-item-overdue': 'plan-item-overdue',
  'step-due-soon': 'step-due-soon',
  'step-overdue': 'step-overdue',
  'immediate-risk-flagged': 'immediate-risk-flagged',
  'extension-proposed': 'extension-proposed',
  'extension-agreed': 'extension-agreed',
  'meeting-scheduled': 'meeting-scheduled',
  'final-decision': 'final-decision-recorded',
  closed: 'closed',
  'learning-referred': 'learning-referred',
  informed: 'informed',
  // A lodged form's notice comes after its moment was projected: the tier's entry is there.
  lodged: 'tier-entered',
};

/** Notices caused by a person's action: their key's discriminator is the action id. */
const ACTION_EVENTS: ReadonlySet<NotifyRequest['event']> = new Set([
  'plan-proposed',
  'chair-appointed',
  'extension-proposed',
  'extension-agreed',
  'meeting-scheduled',
  'final-decision',
]);

/** The timeline entry of the step that caused this notice, when the projection has it. */
export function causeEntry(
  state: EscalationState,
  request: Pick<NotifyRequest, 'escalationId' | 'event' | 'tier' | 'key'>,
): TimelineEntry | null {
  const cause = noticeCause(request);
  // An immediate risk flagged when the case is raised is recorded in the `raised` entry.
  const type =
    request.event === 'immediate-risk-flagged' && cause === 'raised'
      ? 'raised'
      : TIMELINE_TYPE[request.event];
  const candidates = (state.timeline ?? []).filter((e) => e.type === type && e.tier === request.tier);
  if (candidates.length === 0) return null;
  if (ACTION_EVENTS.has(request.event) && cause) return candidates.find((e) => e.actionId === cause) ?? null;
  if ((request.event === 'plan-item-due' || request.event === 'plan-item-overdue') && cause) {
    return candidates.find((e) => e.detail?.itemId === cause) ?? null;
  }
  return candidates[candidates.length - 1];
}

const asState = (value: unknown): EscalationState | null =>
  value &&
  typeof value === 'object' &&
  Array.isArray((value as EscalationState).timeline) &&
  (value as EscalationState).tier
    ? (value as EscalationState)
    : null;

/**
 * The explanation without the heading the protocol library puts first
 * (`<title> (<clause>, "<as written>"): `): messages quote the protocol separately.
 */
export function explanationOnly(explanation: string | null): string | null {
  if (!explanation) return null;
  const marker = '"): ';
  const at = explanation.indexOf(marker);
  return at >= 0 ? explanation.slice(at + marker.length) : explanation;
}

/** Every meeting-scheduled entry of a tier, oldest first: each one a new date for that tier's meeting. */
function meetingsAt(state: EscalationState, tierNumber: number): TimelineEntry[] {
  return state.timeline.filter((e) => e.type === 'meeting-scheduled' && e.tier === tierNumber);
}

function meetingOf(entries: TimelineEntry[], entry: TimelineEntry): MeetingFact | null {
  const kind = entry.detail?.meetingKind;
  const at = entry.detail?.at;
  if (typeof at !== 'string' || Number.isNaN(Date.parse(at))) return null;
  return {
    kind: typeof kind === 'string' ? kind : 'meeting',
    at,
    tierNumber: entry.tier,
    sequence: entries.indexOf(entry),
  };
}

/**
 * The facts of one notice from a projected state (pure). `now` decides which meetings are still
 * ahead when a case closes.
 */
export function factsFrom(
  value: unknown,
  request: Pick<NotifyRequest, 'escalationId' | 'event' | 'tier' | 'key'>,
  now: Date,
): NoticeFacts {
  const state = asState(value);
  if (!state) return NO_FACTS;
  const entry = causeEntry(state, request);
  const tier = state.tier;
  const sameTier = tier.number === request.tier;
  // The tier's deadline (a new tier's, after a breach too) is computed after the notice is
  // sent: wait for it as well.
  if (entry === null || tier.deadlinePending) return NO_FACTS;

  const open = !state.closedAt;
  const deadline: DeadlineFact | null =
    open && tier.dueAt && !tier.metAt && !tier.breachedAt
      ? { dueAt: tier.dueAt, explanation: explanationOnly(tier.explanation) }
      : null;
  const missedDueAt = typeof entry.detail?.dueAt === 'string' ? entry.detail.dueAt : null;
  const missedDeadline =
    (request.event === 'deadline-breached' || request.event === 'route-choice-needed') && missedDueAt
      ? {
          dueAt: missedDueAt,
          explanation: sameTier ? explanationOnly(tier.explanation) : null,
        }
      : request.event === 'route-choice-needed' && sameTier && tier.dueAt
        ? { dueAt: tier.dueAt, explanation: explanationOnly(tier.explanation) }
        : null;

  let meeting: MeetingFact | null = null;
  if (request.event === 'meeting-scheduled') meeting = meetingOf(meetingsAt(state, entry.tier), entry);

  let meetingToCancel: MeetingFact | null = null;
  if (request.event === 'closed') {
    const tiers = [
      ...new Set(state.timeline.filter((e) => e.type === 'meeting-scheduled').map((e) => e.tier)),
    ];
    const latest = tiers
      .map((n) => {
        const entries = meetingsAt(state, n);
        const last = meetingOf(entries, entries[entries.length - 1]);
        // A cancellation is a further change of the same meeting: one more than its last date.
        return last ? { ...last, sequence: entries.length } : null;
      })
      .filter((m): m is MeetingFact => m !== null && Date.parse(m.at) > now.getTime())
      .sort((a, b) => b.tierNumber - a.tierNumber);
    meetingToCancel = latest[0] ?? null;
  }

  const item =
    request.event === 'plan-item-due' || request.event === 'plan-item-overdue'
      ? state.planItems.find((i) => i.itemId === noticeCause(request))
      : undefined;
  const proposer =
    request.event === 'plan-proposed'
      ? (state.planProposal?.by.side ?? entry.actor?.side ?? null)
      : request.event === 'extension-proposed'
        ? (state.extension?.proposedBy.side ?? entry.actor?.side ?? null)
        : null;
  return {
    current: true,
    tierNumber: tier.number,
    tierKey: tier.key,
    deadline,
    missedDeadline,
    previousDeadline:
      request.event === 'extension-agreed' && typeof entry.detail?.previousDueAt === 'string'
        ? entry.detail.previousDueAt
        : null,
    proposedDeadline:
      request.event === 'extension-proposed' ? (state.extension?.proposedDueAt ?? null) : null,
    proposedBySide: proposer,
    acknowledged: tier.acknowledgedAt !== null,
    meeting,
    meetingToCancel,
    planItemDueAt: item?.dueAt ?? null,
    planItemOwnerAgencyId: item?.ownerAgencyId ?? null,
    step:
      (request.event === 'step-due-soon' || request.event === 'step-overdue') &&
      typeof entry.detail?.step === 'string' &&
      typeof entry.detail?.dueAt === 'string'
        ? { key: entry.detail.step, dueAt: entry.detail.dueAt }
        : null,
  };
}

/**
 * Reads the projection until it has recorded the notice's step, for at most `waitMs`; then the
 * facts it has (or none). Polls rather than listens: the projection is one row, written by
 * another process a fraction of a second later in the normal case.
 */
export async function loadNoticeFacts(
  repository: Pick<NoticeFactsRepository, 'projectedCase'>,
  request: Pick<NotifyRequest, 'escalationId' | 'event' | 'tier' | 'key'>,
  options: { now: () => Date; waitMs: number; pollMs?: number; sleep?: (ms: number) => Promise<void> },
): Promise<NoticeFacts> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const pollMs = options.pollMs ?? 200;
  const started = Date.now();
  for (;;) {
    const row = await repository.projectedCase(request.escalationId);
    const facts = factsFrom(row?.state ?? null, request, options.now());
    if (facts.current || Date.now() - started >= options.waitMs) return facts;
    await sleep(Math.min(pollMs, Math.max(0, options.waitMs - (Date.now() - started))));
  }
}
