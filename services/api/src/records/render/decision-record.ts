import { addWorkingDays } from '@resolve/calendar';
import {
  acceptedActions,
  actionTier,
  actionWords,
  decisionOf,
  finalRouteOf,
  learningOf,
  meetingOf,
  participants,
  roleLabel,
  tierDefinition,
  type CaseRecord,
  type DecisionFact,
  type FinalRouteFact,
  type LearningFact,
  type MeetingFact,
  tierTimeline,
} from '../model/case-record';
import { actorText, casePage, envelope, type DocumentEnvelope } from './common';
import { field, formatDate, markup, prose, section, signatureLines, table, time } from './html';

/**
 * The record of the last tier: the chaired meeting, mediation or Resolution Panel (from the
 * timeline's meeting-scheduled entry) and the final and binding decision (the chair's
 * 'record-decision' action and its words). Sefton step 4; BSCB stage 4; Sutton 7.4 (the
 * Independent Chair's written response); Lincolnshire step 4a.
 */
export interface DecisionRecord extends DocumentEnvelope<'decision'> {
  record: {
    meeting: MeetingFact | null;
    route: FinalRouteFact;
    /** People who acted at the decision tier (the parties' representatives and the chair). */
    attendees: { name: string; role: string; agency: string | null }[];
    /** Submissions made at the decision tier, in the words recorded. */
    submissions: {
      at: string;
      by: string;
      role: string;
      agency: string | null;
      action: string;
      text: string;
    }[];
    decision: DecisionFact & { finalAndBinding: string };
    /**
     * The protocol's deadline for communicating the decision to all (Sefton step 4: "within 5
     * working days", counted from the decision tier's start); null where the protocol sets none.
     */
    communicateBy: { withinWorkingDays: number; from: string; dueAt: string } | null;
    /** BSCB's Resolution Panel: member agencies on the panel, those in dispute included. */
    panelSize: number | null;
    learning: LearningFact | null;
  };
}

function communicateByOf(c: CaseRecord, tier: number): DecisionRecord['record']['communicateBy'] {
  const days = c.protocol.finalDecision.communicateWithinWorkingDays;
  const entered = tierTimeline(c).find((t) => t.number === tier)?.enteredAt;
  if (days === undefined || !entered) return null;
  const due = addWorkingDays(new Date(entered), days, {
    nation: c.protocol.nation,
    businessHours: c.protocol.businessHours,
  });
  return { withinWorkingDays: days, from: entered, dueAt: due.dueAt.toISOString() };
}

export function decisionNotYet(c: CaseRecord): string | null {
  if (decisionOf(c)) return null;
  const last = Math.max(...c.protocol.tiers.map((t) => t.number));
  return (
    `no final decision is recorded for escalation ${c.reference}: the ${roleLabel(c.protocol.finalDecision.by).toLowerCase()} records it at tier ${last}` +
    (c.status === 'open'
      ? `, and the case is at tier ${c.tierNumber}`
      : `, and the case closed as ${c.status} without one`)
  );
}

function titleFor(route: FinalRouteFact, meeting: MeetingFact | null): string {
  if (route.route === 'mediation') return 'Record of mediation and final decision';
  if (route.route === 'resolution-panel') return 'Record of the Resolution Panel and final decision';
  if (route.route === 'chaired-meeting' || meeting?.kind === 'chaired-meeting')
    return 'Record of the independently chaired meeting and final decision';
  return 'Record of the final and binding decision';
}

export function buildDecisionRecord(c: CaseRecord, generatedAt: string): DecisionRecord {
  const decision = decisionOf(c);
  if (!decision) throw new Error(decisionNotYet(c) ?? 'no decision');
  const meeting = meetingOf(c);
  const route = finalRouteOf(c);
  const env = envelope(
    c,
    'decision',
    titleFor(route, meeting),
    `${c.protocol.finalDecision.clause}`,
    ['meeting-record', 'decision'],
    generatedAt,
  );
  const tier = decision.tier;
  const atTier = acceptedActions(c).filter((a) => actionTier(c, a) === tier);
  const tierDef = tierDefinition(c.protocol, c.tierKey);
  return {
    ...env,
    record: {
      meeting,
      route,
      attendees: participants(c)
        .filter((p) => atTier.some((a) => a.person.id === p.personId && a.role === p.role))
        .map((p) => ({ name: p.name, role: p.role, agency: p.agency })),
      submissions: atTier
        .filter((a) => a.kind !== 'record-decision' && a.text && a.text.trim())
        .map((a) => ({
          at: a.at,
          by: a.person.name,
          role: a.role,
          agency: a.agency?.name ?? null,
          action: actionWords(c, a),
          text: a.text!.trim(),
        })),
      decision: {
        ...decision,
        finalAndBinding: `${tierDef?.final ? 'Final and binding. ' : ''}${c.protocol.finalDecision.clause}`,
      },
      communicateBy: communicateByOf(c, tier),
      panelSize:
        route.route === 'resolution-panel'
          ? (c.protocol.finalRoutes.find((r) => r.kind === 'resolution-panel')?.panelSize ?? null)
          : null,
      learning: learningOf(c),
    },
  };
}

export function renderDecisionRecordHtml(doc: DecisionRecord): string {
  const r = doc.record;
  const d = r.decision;
  return casePage(doc, [
    section(
      r.meeting ? r.meeting.kindLabel : 'Meeting',
      r.meeting
        ? markup`<div class="grid2"><div>${field('Date of the meeting', time(r.meeting.at))}${field('Kind', r.meeting.kindLabel)}</div><div>${field('Scheduled', markup`${time(r.meeting.scheduledAt)} by ${r.meeting.scheduledBy ?? '—'}`)}${field(
            'Route',
            markup`${r.route.label} <span class="small">(${r.route.basis})</span>`,
          )}</div></div>${r.meeting.note ? markup`<h3>Arrangements</h3>${prose(r.meeting.note)}` : ''}`
        : markup`<p class="empty">No meeting, mediation or panel was scheduled in the record; the decision was made in writing.</p>${field('Route', markup`${r.route.label} <span class="small">(${r.route.basis})</span>`)}`,
      { id: 'meeting' },
    ),
    section(
      'Present or represented at the final tier',
      table(
        ['Name', 'Role', 'Agency'],
        r.attendees.map((a) => [a.name, roleLabel(a.role), a.agency ?? 'Partnership']),
      ),
      { id: 'attendees' },
    ),
    section(
      'Representations recorded at the final tier',
      table(
        ['Date', 'Who', 'Action', 'Recorded words'],
        r.submissions.map((s) => [
          time(s.at),
          actorText(s.by, s.role, s.agency),
          s.action,
          markup`<span class="prose">${s.text}</span>`,
        ]),
        'No representations recorded',
      ),
      { id: 'submissions' },
    ),
    section(
      'Final and binding decision',
      markup`<div class="grid2"><div>${field('Decided', time(d.decidedAt))}${field('Chair', actorText(d.chair.name, d.chairRole))}</div><div>${d.outcome ? field('Outcome', r.route.route === d.outcome ? r.route.label : d.outcome) : ''}${field('Communicated to all', d.communicatedAt ? time(d.communicatedAt) : 'Not yet recorded')}${r.communicateBy ? field('To be communicated by', markup`${time(r.communicateBy.dueAt)} <span class="small">(within ${r.communicateBy.withinWorkingDays} working days of ${time(r.communicateBy.from)})</span>`) : ''}${r.panelSize ? field('Panel', `${r.panelSize} member agencies, including those in dispute`) : ''}</div></div><h3>Decision</h3>${prose(d.text)}<p class="small">${d.finalAndBinding}</p>${signatureLines(`Recorded in Resolve by ${d.chair.name} on ${formatDate(d.decidedAt)}`)}`,
      { id: 'decision' },
    ),
    section(
      'Learning',
      r.learning
        ? markup`<p>Referred ${time(r.learning.at)} to the ${r.learning.subGroup}.</p>`
        : markup`<p class="empty">No learning referral recorded.</p>`,
      { id: 'learning' },
    ),
  ]);
}
