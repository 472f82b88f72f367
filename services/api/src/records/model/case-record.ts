import type { Protocol, RecordKind, Tier } from '@resolve/protocols';

/**
 * Everything a record is rendered from: one escalation as Postgres holds it (row, subject,
 * timeline, action records with their prose, plan items), with people's and agencies' names
 * resolved. Plain data: the renderers are pure functions of it.
 */
export interface Ref {
  id: string;
  name: string;
}

export interface CaseActor {
  person: Ref;
  agency: Ref | null;
  role: string;
  side: 'raising' | 'receiving' | 'partnership';
}

export interface CaseEvent {
  seq: number;
  at: string;
  type: string;
  tier: number;
  actor: CaseActor | null;
  actionId: string | null;
  detail: Record<string, unknown>;
  /** The prose of the action behind the event (reason, note, decision), when there is one. */
  text: string | null;
}

export interface CaseAction {
  id: string;
  kind: string;
  at: string;
  person: Ref;
  agency: Ref | null;
  role: string;
  text: string | null;
  outcome: 'pending' | 'accepted' | 'refused';
}

export interface CasePlanItem {
  id: string;
  actionId: string;
  what: string;
  ownerAgency: Ref;
  ownerPerson: Ref | null;
  dueAt: string;
  status: 'open' | 'done';
  agreedAt: string | null;
  agreedBy: Ref | null;
}

export interface CaseSubject {
  kind: string;
  people: { name: string; dateOfBirth?: string | null }[];
  caseIdentifier: string | null;
  natureOfConcern: string;
  outcomesSought: string;
}

export interface CaseRecord {
  id: string;
  reference: string;
  partnership: Ref;
  protocol: Protocol;
  /** The version the case was raised under (the row's); `protocol` is the definition in use now. */
  protocolVersion: number;
  category: string;
  status: string;
  tierNumber: number;
  tierKey: string;
  immediateRisk: boolean;
  urgent: boolean;
  raisedAt: string;
  closedAt: string | null;
  currentDueAt: string | null;
  breaches: number;
  raisingAgency: Ref;
  receivingAgency: Ref;
  raisedBy: Ref;
  raisedWith: Ref;
  /** Null where the record must not carry it (multi-case logs and reports). */
  subject: CaseSubject | null;
  events: CaseEvent[];
  actions: CaseAction[];
  planItems: CasePlanItem[];
  /** The workflow's decision facts (outcome id), from the projected state, when decided. */
  decisionOutcome: string | null;
}

// ---------------------------------------------------------------------------------------------
// Derived facts, shared by every document

export interface TierPeriod {
  number: number;
  key: string;
  title: string;
  clause: string;
  enteredAt: string;
  enteredBecause: string;
  /** The reason given when a person escalated into this tier. */
  escalationReason: string | null;
  escalatedBy: string | null;
  dueAt: string | null;
  deadlineExplanation: string | null;
  breachedAt: string | null;
  leftAt: string | null;
  /** How the tier ended: the next tier's cause, the closing status, or null while current. */
  endedBy: string | null;
}

export function tierDefinition(protocol: Protocol, numberOrKey: number | string): Tier | undefined {
  return protocol.tiers.find((t) =>
    typeof numberOrKey === 'number' ? t.number === numberOrKey : t.key === numberOrKey,
  );
}

export function tierTitle(protocol: Protocol, numberOrKey: number | string): string {
  const t = tierDefinition(protocol, numberOrKey);
  return t ? t.title : typeof numberOrKey === 'number' ? `Tier ${numberOrKey}` : numberOrKey;
}

/** The tiers the case went through, with dates, from the timeline's tier-entered entries. */
export function tierTimeline(c: CaseRecord): TierPeriod[] {
  const events = [...c.events].sort((a, b) => a.seq - b.seq);
  const periods: TierPeriod[] = [];
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e.type !== 'tier-entered') continue;
    const key =
      typeof e.detail.key === 'string'
        ? e.detail.key
        : (tierDefinition(c.protocol, e.tier)?.key ?? String(e.tier));
    const def = tierDefinition(c.protocol, key) ?? tierDefinition(c.protocol, e.tier);
    const escalated = [...events.slice(0, i)]
      .reverse()
      .find((x) => x.type === 'escalated' && x.seq < e.seq && Number(x.detail.to) === e.tier);
    periods.push({
      number: e.tier,
      key,
      title: def?.title ?? `Tier ${e.tier}`,
      clause: def?.clause ?? '',
      enteredAt: e.at,
      enteredBecause: String(e.detail.because ?? 'raised'),
      escalationReason: e.detail.because === 'escalated' ? (escalated?.text ?? null) : null,
      escalatedBy: e.detail.because === 'escalated' ? (escalated?.actor?.person.name ?? null) : null,
      dueAt: null,
      deadlineExplanation: null,
      breachedAt: null,
      leftAt: null,
      endedBy: null,
    });
  }
  if (periods.length === 0) {
    // The timeline is projected by the workflow; until its first entry arrives, the row speaks.
    const def = tierDefinition(c.protocol, c.tierKey) ?? tierDefinition(c.protocol, c.tierNumber);
    periods.push({
      number: c.tierNumber,
      key: c.tierKey,
      title: def?.title ?? `Tier ${c.tierNumber}`,
      clause: def?.clause ?? '',
      enteredAt: c.raisedAt,
      enteredBecause: 'raised',
      escalationReason: null,
      escalatedBy: null,
      dueAt: c.currentDueAt,
      deadlineExplanation: null,
      breachedAt: null,
      leftAt: null,
      endedBy: null,
    });
  }
  // Deadlines, breaches and endings belong to the tier period they happened in.
  const periodAt = (seq: number): TierPeriod | undefined => {
    let found: TierPeriod | undefined;
    let idx = -1;
    for (const e of events) {
      if (e.seq > seq) break;
      if (e.type === 'tier-entered') idx++;
    }
    if (idx >= 0) found = periods[idx];
    return found;
  };
  for (const e of events) {
    const p = periodAt(e.seq);
    if (!p) continue;
    if (e.type === 'deadline-set' || e.type === 'deadline-recomputed' || e.type === 'extension-agreed') {
      p.dueAt = typeof e.detail.dueAt === 'string' ? e.detail.dueAt : p.dueAt;
      p.deadlineExplanation =
        e.type === 'extension-agreed'
          ? 'a longer timetable agreed between the agencies'
          : typeof e.detail.explanation === 'string'
            ? e.detail.explanation
            : p.deadlineExplanation;
    }
    if (e.type === 'deadline-breached' && !p.breachedAt) p.breachedAt = e.at;
    if (e.type === 'closed') {
      p.leftAt = e.at;
      p.endedBy = String(e.detail.status ?? c.status);
    }
  }
  for (let i = 0; i < periods.length - 1; i++) {
    periods[i].leftAt = periods[i + 1].enteredAt;
    periods[i].endedBy = periods[i + 1].enteredBecause;
  }
  if (c.closedAt && !periods[periods.length - 1].leftAt) {
    periods[periods.length - 1].leftAt = c.closedAt;
    periods[periods.length - 1].endedBy = c.status;
  }
  return periods;
}

export function highestTier(c: CaseRecord): TierPeriod {
  return tierTimeline(c).reduce((a, b) => (b.number >= a.number ? b : a));
}

export function categoryLabel(protocol: Protocol, id: string): string {
  return protocol.categories.find((x) => x.id === id)?.label ?? id;
}

/** The first tier at which the protocol asks for a record of this kind, if any. */
export function recordRequiredAt(
  protocol: Protocol,
  kind: RecordKind,
): { tier: number; title: string; ref: string | null }[] {
  return protocol.tiers.flatMap((t) =>
    t.records
      .filter((r) => r.kind === kind)
      .map((r) => ({ tier: t.number, title: r.title, ref: r.ref ?? null })),
  );
}

export const STATUS_LABELS: Record<string, string> = {
  open: 'Open',
  resolved: 'Resolved to both agencies’ satisfaction',
  decided: 'Final and binding decision made',
  'referred-for-learning': 'Referred to the partnership for learning',
  withdrawn: 'Withdrawn by the person who raised it',
  'closed-with-outcome': 'Closed with an outcome the protocol names',
};

export function statusLabel(status: string): string {
  return STATUS_LABELS[status] ?? status;
}

export const ROLE_LABELS: Record<string, string> = {
  practitioner: 'Practitioner',
  'line-manager': 'Line manager / supervisor',
  'safeguarding-lead': 'Safeguarding lead / advisor',
  'service-manager': 'Service manager',
  'senior-liaison-officer': 'Senior liaison officer',
  'head-of-service': 'Head of service',
  'board-member': 'Board member',
  'chief-executive': 'Chief executive',
  'independent-chair': 'Independent chair',
  'business-manager': 'Business manager',
  'quality-assurance-manager': 'Quality assurance manager',
  'sub-group-chair': 'Sub-group chair',
  'senior-leadership-team': 'Senior leadership team',
  'safeguarding-manager': 'Safeguarding manager',
};

export function roleLabel(role: string): string {
  return ROLE_LABELS[role] ?? role;
}

export const ACTION_LABELS: Record<string, string> = {
  raise: 'Raised',
  acknowledge: 'Acknowledged',
  respond: 'Responded',
  'agree-plan': 'Plan of action agreed',
  'complete-plan-item': 'Plan item completed',
  'complete-step': "Step completed (one of the tier's consecutive deadlines)",
  resolve: 'Resolution confirmed',
  escalate: 'Escalated to the next tier',
  'flag-immediate-risk': 'Immediate risk flagged',
  'propose-extension': 'Longer timetable proposed',
  'accept-extension': 'Longer timetable agreed',
  'decline-extension': 'Longer timetable declined',
  'schedule-meeting': 'Meeting scheduled',
  'record-decision': 'Final decision recorded',
  'refer-learning': 'Learning referred',
  withdraw: 'Withdrawn',
  'record-outcome': 'Outcome recorded',
  'set-protective-deadline': 'Protective timescale set',
  'decide-urgency': 'Urgency decided',
  'add-note': 'Note',
  // A new entry naming the one it puts right (POST /escalations/:id/corrections).
  correction: 'Correction',
};

export function actionLabel(kind: string): string {
  return ACTION_LABELS[kind] ?? kind;
}

const FORMAT_WORDS: Record<string, string> = {
  discussion: 'discussion',
  'line-manager-intervention': 'line manager intervention',
  'multi-disciplinary-meeting': 'multi-disciplinary meeting',
};

/**
 * An action as the records say it: its label, with the decision its timeline entry carries (the
 * urgency decided; how the step was held, where a plan or meeting names it).
 */
export function actionWords(c: CaseRecord, a: CaseAction): string {
  const detail = c.events.find((e) => e.actionId === a.id)?.detail ?? {};
  if (a.kind === 'decide-urgency' && typeof detail.urgent === 'boolean')
    return `${actionLabel(a.kind)}: ${detail.urgent ? 'urgent' : 'not urgent'}`;
  if (typeof detail.heldAs === 'string')
    return `${actionLabel(a.kind)}: held as ${FORMAT_WORDS[detail.heldAs] ?? detail.heldAs}`;
  return actionLabel(a.kind);
}

/** How tier n was held, as the last plan or meeting recorded there said (conductedAs); null when none said. */
export function heldAsAt(c: CaseRecord, tier: number): string | null {
  const e = [...c.events].reverse().find((x) => x.tier === tier && typeof x.detail.heldAs === 'string');
  return e ? (FORMAT_WORDS[e.detail.heldAs as string] ?? (e.detail.heldAs as string)) : null;
}

/** Accepted actions, oldest first; refused attempts are not part of the record of what happened. */
export function acceptedActions(c: CaseRecord): CaseAction[] {
  return c.actions.filter((a) => a.outcome === 'accepted').sort((a, b) => a.at.localeCompare(b.at));
}

/** The tier an action was taken at, from its timeline entry (or the period it falls in). */
export function actionTier(c: CaseRecord, action: CaseAction): number {
  const ev = c.events.find((e) => e.actionId === action.id);
  if (ev) return ev.tier;
  const periods = tierTimeline(c);
  const p = [...periods].reverse().find((x) => x.enteredAt <= action.at);
  return p?.number ?? periods[0].number;
}

export interface Outcome {
  status: string;
  label: string;
  closedAt: string | null;
  /** What was agreed or decided, in the words recorded. */
  statement: string | null;
  by: string[];
}

export function outcomeOf(c: CaseRecord): Outcome {
  const actions = acceptedActions(c);
  const texts = (kinds: string[]) => actions.filter((a) => kinds.includes(a.kind));
  let chosen: CaseAction[] = [];
  if (c.status === 'decided') chosen = texts(['record-decision']);
  else if (c.status === 'resolved') {
    const last = tierTimeline(c).slice(-1)[0];
    chosen = texts(['resolve']).filter((a) => !last || a.at >= last.enteredAt);
  } else if (c.status === 'withdrawn') chosen = texts(['withdraw']);
  else if (c.status === 'referred-for-learning') chosen = texts(['refer-learning']);
  else if (c.status === 'closed-with-outcome') chosen = texts(['record-outcome']);
  const withText = chosen.filter((a) => a.text && a.text.trim());
  let statement = withText.map((a) => a.text!.trim()).join('\n\n') || null;
  if (!statement && c.status === 'referred-for-learning')
    statement = `Referred to the ${c.protocol.learning.subGroup}.`;
  const named = namedOutcomeOf(c);
  return {
    status: c.status,
    // The protocol's own words for a named outcome ("Not taken further: ...").
    label: named ? named.title : statusLabel(c.status),
    closedAt: c.closedAt,
    statement,
    by: [...new Set(chosen.map((a) => a.person.name))],
  };
}

export interface MeetingFact {
  kind: string;
  kindLabel: string;
  at: string;
  scheduledAt: string;
  scheduledBy: string | null;
  tier: number;
  note: string | null;
}

export const MEETING_LABELS: Record<string, string> = {
  'chaired-meeting': 'Independently chaired meeting',
  mediation: 'Mediation',
  'resolution-panel': 'Resolution Panel',
  'professionals-meeting': 'Professionals meeting',
  'review-conference': 'Review conference',
};

/** The latest meeting scheduled (a re-scheduled meeting replaces the earlier date). */
export function meetingOf(c: CaseRecord): MeetingFact | null {
  const e = [...c.events].filter((x) => x.type === 'meeting-scheduled').sort((a, b) => b.seq - a.seq)[0];
  if (!e) return null;
  const kind = String(e.detail.meetingKind ?? 'meeting');
  return {
    kind,
    kindLabel: MEETING_LABELS[kind] ?? kind,
    at: String(e.detail.at ?? ''),
    scheduledAt: e.at,
    scheduledBy: e.actor?.person.name ?? null,
    tier: e.tier,
    note: e.text,
  };
}

export interface DecisionFact {
  text: string;
  decidedAt: string;
  chair: Ref;
  chairRole: string;
  tier: number;
  outcome: string | null;
  communicatedAt: string | null;
}

/** The final and binding decision: the accepted 'record-decision' action and its timeline entry. */
export function decisionOf(c: CaseRecord): DecisionFact | null {
  const action = acceptedActions(c).find((a) => a.kind === 'record-decision');
  if (!action) return null;
  const recorded = c.events.find(
    (e) => e.type === 'final-decision-recorded' && (e.actionId === action.id || !e.actionId),
  );
  const communicated = c.events.find((e) => e.type === 'final-decision-communicated');
  const outcome = (recorded?.detail.outcome as string | null | undefined) ?? c.decisionOutcome ?? null;
  return {
    text: action.text ?? '',
    decidedAt: recorded?.at ?? action.at,
    chair: action.person,
    chairRole: action.role,
    tier: recorded?.tier ?? actionTier(c, action),
    outcome,
    communicatedAt: communicated?.at ?? null,
  };
}

/** The protocol's named outcome the case closed with (`closingOutcomes`), as recorded. */
export interface NamedOutcomeFact {
  key: string;
  title: string;
  /** The protocol's clause for it, from the case's protocol version (null if it no longer names it). */
  clause: string | null;
  recordedAt: string;
  by: Ref;
  role: string;
  agency: Ref | null;
  tier: number;
  /** What was decided and why, in the words recorded. */
  text: string;
}

export function namedOutcomeOf(c: CaseRecord): NamedOutcomeFact | null {
  const event = c.events.find((e) => e.type === 'outcome-recorded');
  if (!event) return null;
  const key = String(event.detail.outcome ?? '');
  const defined = (c.protocol.closingOutcomes ?? []).find((o) => o.key === key);
  const action = acceptedActions(c).find((a) => a.id === event.actionId);
  return {
    key,
    title: defined?.title ?? (typeof event.detail.title === 'string' ? event.detail.title : key),
    clause: defined?.clause ?? null,
    recordedAt: event.at,
    by: action?.person ?? event.actor?.person ?? { id: '', name: 'Not recorded' },
    role: action?.role ?? event.actor?.role ?? '',
    agency: action?.agency ?? event.actor?.agency ?? null,
    tier: event.tier,
    text: action?.text ?? event.text ?? '',
  };
}

export interface FinalRouteFact {
  route: 'mediation' | 'resolution-panel' | 'chaired-meeting' | 'written-decision' | 'not-recorded';
  label: string;
  basis: string;
}

/** Mediation or panel (or chaired meeting) where the record says so: decision outcome, then meeting kind, then the protocol's route. */
export function finalRouteOf(c: CaseRecord): FinalRouteFact {
  const decision = decisionOf(c);
  const routeLabel = (key: string) =>
    c.protocol.finalRoutes.find((r) => r.key === key || r.kind === key)?.title ?? MEETING_LABELS[key] ?? key;
  if (decision?.outcome === 'mediation' || decision?.outcome === 'resolution-panel') {
    return {
      route: decision.outcome,
      label: MEETING_LABELS[decision.outcome],
      basis: `the chair recorded the outcome "${decision.outcome}"`,
    };
  }
  const meeting = meetingOf(c);
  if (meeting && ['mediation', 'resolution-panel', 'chaired-meeting'].includes(meeting.kind)) {
    return {
      route: meeting.kind as FinalRouteFact['route'],
      label: meeting.kindLabel,
      basis: `a ${meeting.kindLabel.toLowerCase()} was scheduled`,
    };
  }
  const last = tierDefinition(c.protocol, c.tierKey);
  const route = last?.route ? c.protocol.finalRoutes.find((r) => r.key === last.route) : undefined;
  if (
    route &&
    (route.kind === 'chaired-meeting' ||
      route.kind === 'mediation' ||
      route.kind === 'resolution-panel' ||
      route.kind === 'written-decision')
  ) {
    return {
      route: route.kind,
      label: routeLabel(route.key),
      basis: `the protocol's route at tier ${last!.number}`,
    };
  }
  return { route: 'not-recorded', label: 'Not recorded', basis: 'no outcome, meeting or route names it' };
}

export interface LearningFact {
  at: string;
  subGroup: string;
  by: string | null;
  text: string | null;
}

export function learningOf(c: CaseRecord): LearningFact | null {
  const e = c.events.find((x) => x.type === 'learning-referred');
  if (!e) return null;
  return {
    at: e.at,
    subGroup: String(e.detail.subGroup ?? c.protocol.learning.subGroup),
    by: e.actor?.person.name ?? null,
    text: e.text,
  };
}

export interface BreachFact {
  tier: number;
  at: string;
  dueAt: string | null;
}

export function breachesOf(c: CaseRecord): BreachFact[] {
  return c.events
    .filter((e) => e.type === 'deadline-breached')
    .map((e) => ({
      tier: e.tier,
      at: e.at,
      dueAt: typeof e.detail.dueAt === 'string' ? e.detail.dueAt : null,
    }));
}

/** People who acted for the case (accepted actions), with the tier and side they acted at. */
export interface Participant {
  personId: string;
  name: string;
  agency: string | null;
  role: string;
  tier: number;
  firstAt: string;
}

export function participants(c: CaseRecord): Participant[] {
  const seen = new Map<string, Participant>();
  for (const a of acceptedActions(c)) {
    const key = `${a.person.id}|${a.agency?.id ?? ''}|${a.role}`;
    if (!seen.has(key))
      seen.set(key, {
        personId: a.person.id,
        name: a.person.name,
        agency: a.agency?.name ?? null,
        role: a.role,
        tier: actionTier(c, a),
        firstAt: a.at,
      });
  }
  return [...seen.values()];
}
