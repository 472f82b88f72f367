import type { AgencyRole, PartnershipRole, Protocol } from '@resolve/protocols';

/**
 * Everything here travels through Temporal (workflow input, updates, queries, history), so it
 * carries ids and non-identifying facts only. Free text (reasons, notes, plan descriptions,
 * the child's or adult's details) stays in Postgres and is referenced by `actionId`.
 */

export type Side = 'raising' | 'receiving' | 'partnership';

export interface Actor {
  personId: string;
  /** Null for partnership roles (independent chair, business manager). */
  agencyId: string | null;
  role: AgencyRole | PartnershipRole;
  side: Side;
  /**
   * Every role the person holds on that side (their roles in that agency, or their partnership
   * roles). The engine finds the one that acts at the current tier; absent, `role` alone.
   */
  heldRoles?: (AgencyRole | PartnershipRole)[];
  /**
   * Whether the directory records this person as the line manager of the professional on their
   * side (the raiser, or the person the concern was raised with). Absent when it records no line
   * manager for that professional, or for the partnership side. Read only where a tier says
   * "their line manager" (`ownLineManager`).
   */
  managesPractitioner?: boolean;
}

/** `closed-with-outcome`: closed with one of the protocol's named outcomes (`closingOutcomes`). */
export type EscalationStatus =
  'open' | 'resolved' | 'decided' | 'referred-for-learning' | 'withdrawn' | 'closed-with-outcome';

export const CLOSED_STATUSES: readonly EscalationStatus[] = [
  'resolved',
  'decided',
  'referred-for-learning',
  'withdrawn',
  'closed-with-outcome',
];

/**
 * Whether a case with this status takes a new note: a closed case takes none, its record is
 * complete. The engine applies a note whatever the status (a note answered just before the case
 * closed can reach a workflow still sending its closing notices), so this is asked of the case's
 * row: by the API before it answers a note, and by pages before they offer one.
 */
export function takesNewNotes(status: string): boolean {
  return !(CLOSED_STATUSES as readonly string[]).includes(status);
}

export interface EscalationStart {
  escalationId: string;
  reference: string;
  partnershipId: string;
  /** The whole protocol definition, pinned: editing the file never changes a running case. */
  protocol: Protocol;
  raisedAt: string;
  category: string;
  immediateRisk: boolean;
  raisingAgencyId: string;
  receivingAgencyId: string;
  raisedBy: Actor;
  /** Postgres id of the raising action record (nature of concern etc. live there). */
  actionId: string;
  /** The API request that raised it, carried to the notifications it causes (logs only). */
  correlationId?: string;
  /**
   * The rules the case runs under, pinned when it is raised like its protocol: 2 for who may
   * act at each tier, two-sided plans, people's route choice and the appointed chair (the API
   * raises every new case under 2). Absent: 1, the rules cases were first raised under, so a
   * recorded history replays exactly as it ran.
   */
  rules?: 1 | 2;
  /**
   * When the concern was identified, where the raise gave an earlier instant (checked against
   * the protocol's limit by the API; the reason stays in Postgres). Absent: counted from the raise.
   */
  concernIdentifiedAt?: string;
  /** A "timescale that protects the child from harm" given on the raise (ISO instant). */
  protectiveDeadline?: string;
  /**
   * The tier the case starts at when a role the protocol names for it raises there (checked by
   * the API, `tierEntryRefusal`). Absent: tier 1, or the fast track's tier under immediate risk.
   */
  startAtTier?: number;
  /**
   * Whether the actions that record how a tier was held (a plan of action, a meeting) must name one
   * of the tier's formats where it has them (`conductedAs`). The API raises every new case with it;
   * absent for cases raised before, which replay as they ran.
   */
  tierFormatRequired?: boolean;
}

export interface TierState {
  number: number;
  key: string;
  route: string | null;
  startedAt: string;
  /** Why the case entered this tier. */
  enteredBecause: 'raised' | 'deadline-breached' | 'escalated' | 'immediate-risk' | 'entered-by-role';
  /** Deadline for what the tier expects; null while being computed, or when the tier has none. */
  dueAt: string | null;
  explanation: string | null;
  /** Reminder instants still to send (ISO), computed with the deadline. */
  reminders: string[];
  /** The tier's expectation (response, plan, meeting date...) was met: no breach will fire. */
  metAt: string | null;
  breachedAt: string | null;
  acknowledgedAt: string | null;
  /** Set while the deadline is being (re)computed by an activity. */
  deadlinePending: boolean;
  extendedFrom: string | null;
  /**
   * Who set the date in force when a person set it (the chair's timescale for resolution on
   * acknowledging). Optional because states built before it existed do not carry it.
   */
  timescaleSetBy?: 'chair' | null;
  /** `heldAs`: how the tier was held (one of its `conductedAs` formats), when the scheduler said. */
  meeting: { kind: string; at: string; actionId: string; heldAs?: string } | null;
  /**
   * A tier with consecutive deadlines (`steps` in the protocol), one entry per step in order.
   * Absent for every other tier, so their state keeps its shape.
   */
  steps?: StepState[];
}

/** One of a tier's consecutive deadlines, owned by one side. */
export interface StepState {
  key: string;
  side: Side;
  /** When its clock started (the tier's start, or the previous step's completion); null before. */
  startedAt: string | null;
  /** Null until it is counted (a step counted from the previous one waits for its completion). */
  dueAt: string | null;
  explanation: string | null;
  /** Reminder instants still to send (ISO). */
  reminders: string[];
  completedAt: string | null;
  completedBy: Actor | null;
  /** Its owner was alerted that it is overdue. */
  overdueAt: string | null;
}

/** A plan of action one side has put forward, waiting for the other side's agreement. */
export interface PlanProposal {
  side: 'raising' | 'receiving';
  by: Actor;
  actionId: string;
  proposedAt: string;
  /** How the tier was held (one of its `conductedAs` formats), when the proposer said. */
  heldAs?: string;
  items: { itemId: string; ownerAgencyId: string; dueAt: string }[];
}

export interface PlanItem {
  itemId: string;
  ownerAgencyId: string;
  dueAt: string;
  agreedAt: string;
  reminderAt: string | null;
  status: 'open' | 'done';
  reminded: boolean;
  overdueAlerted: boolean;
}

/** Every kind of entry the engine writes to an escalation's timeline (and Postgres keeps). */
export const TIMELINE_EVENT_TYPES = [
  'raised',
  'tier-entered',
  'deadline-set',
  'deadline-recomputed',
  'deadline-reminder',
  'deadline-breached',
  'acknowledged',
  'responded',
  'plan-proposed',
  'plan-agreed',
  'plan-item-due-soon',
  'plan-item-overdue',
  'plan-item-completed',
  'step-deadline-set',
  'step-due-soon',
  'step-overdue',
  'step-completed',
  'resolution-confirmed',
  'escalated',
  'immediate-risk-flagged',
  'extension-proposed',
  'extension-agreed',
  'extension-declined',
  'meeting-scheduled',
  'chair-appointed',
  'urgency-decided',
  'protective-deadline-set',
  'route-choice-awaited',
  'final-decision-recorded',
  'final-decision-communicated',
  'outcome-recorded',
  'learning-referred',
  'informed',
  'note-added',
  'withdrawn',
  'closed',
] as const;
export type TimelineEventType = (typeof TIMELINE_EVENT_TYPES)[number];

export interface TimelineEntry {
  seq: number;
  at: string;
  type: TimelineEventType;
  tier: number;
  actor: Actor | null;
  actionId: string | null;
  /** Non-identifying detail: deadlines, counts, keys. */
  detail: Record<string, string | number | boolean | null>;
}

export interface EscalationState {
  /** The rules the case runs under (EscalationStart.rules); absent under the first rules. */
  ruleset?: 1 | 2;
  escalationId: string;
  reference: string;
  partnershipId: string;
  protocolId: string;
  protocolVersion: number;
  category: string;
  raisingAgencyId: string;
  receivingAgencyId: string;
  raisedBy: Actor;
  raisedAt: string;
  status: EscalationStatus;
  urgent: boolean;
  immediateRisk: boolean;
  tier: TierState;
  /** Deadline of the previous tier, for "a further N working days" counting. */
  previousDeadline: string | null;
  breaches: number;
  resolution: { raising: string | null; receiving: string | null };
  extension: { proposedDueAt: string; proposedBy: Actor; actionId: string } | null;
  /** A plan awaiting the other side's agreement (ruleset 2, two-sided plans). */
  planProposal?: PlanProposal | null;
  planItems: PlanItem[];
  /** The chair appointed on the case, where the protocol appoints one (ruleset 2). */
  chair?: { personId: string; appointedBy: Actor; actionId: string; at: string } | null;
  decision: { at: string; by: Actor; actionId: string; outcome: string | null } | null;
  learningReferredAt: string | null;
  closedAt: string | null;
  calendarVersion: string | null;
  timeline: TimelineEntry[];
  /** EscalationStart.concernIdentifiedAt; absent when the raise gave none. */
  concernIdentifiedAt?: string;
  /** The case's protective timescale, from the raise or set later; absent when none was given. */
  protectiveDeadline?: string;
  /** The protocol's named outcome the case closed with (`closingOutcomes`); absent otherwise. */
  outcome?: { key: string; at: string; by: Actor; actionId: string };
  /**
   * The urgency decided on the case by the roles the protocol names (`urgencyDecidedBy`), the
   * latest decision; absent while none is recorded. `urgent` is then this decision, or immediate
   * risk, which is flagged apart and always takes the urgent route.
   */
  urgency?: { urgent: boolean; at: string; by: Actor; decidedAs: string; actionId: string };
  /** EscalationStart.tierFormatRequired; absent for cases raised before it. */
  tierFormatRequired?: true;
}
