import {
  breachesOf,
  categoryLabel,
  decisionOf,
  finalRouteOf,
  highestTier,
  learningOf,
  outcomeOf,
  participants,
  recordRequiredAt,
  roleLabel,
  statusLabel,
  tierTimeline,
  type BreachFact,
  type CaseRecord,
  type LearningFact,
  type Participant,
  type Ref,
} from '../model/case-record';
import { actorText, casePage, envelope, type DocumentEnvelope } from './common';
import { toCsv } from './csv';
import { field, formatDate, markup, page, prose, section, table, time } from './html';

/**
 * Sefton SSCP Appendix 1, the Agency Escalation Summary Log ("Respective Managers should record
 * cases escalated using the Agency Escalation Summary Log", 002 Step 2): one entry per case, and
 * the log of one agency (every case it raised or received) as JSON, CSV and HTML.
 */

/** The tier from which managers log the case: where the protocol asks for a log entry, else 2. */
function managersTier(c: CaseRecord): number {
  return recordRequiredAt(c.protocol, 'log-entry')[0]?.tier ?? 2;
}

export interface SummaryLogEntry extends DocumentEnvelope<'summary-log'> {
  entry: {
    dateRaised: string;
    reference: string;
    category: { id: string; label: string };
    raisingAgency: Ref;
    raisedBy: Ref;
    receivingAgency: Ref;
    raisedWith: Ref;
    natureOfConcern: string | null;
    outcomesSought: string | null;
    /** When the case reached the managers' tier (Sefton step 2), or null. */
    escalatedToManagersAt: string | null;
    managersTier: number;
    /** Everyone who acted for an agency or the partnership, with the tier they first acted at. */
    peopleInvolved: Participant[];
    highestTier: { number: number; title: string };
    planOfAction: { what: string; owner: string; dueAt: string; status: string }[];
    immediateRisk: boolean;
    breaches: BreachFact[];
    status: string;
    statusLabel: string;
    outcome: string | null;
    dateClosed: string | null;
    learningReferred: LearningFact | null;
  };
}

export function buildSummaryLogEntry(c: CaseRecord, generatedAt: string): SummaryLogEntry {
  const env = envelope(
    c,
    'summary-log',
    'Agency Escalation Summary Log: case entry',
    'Sefton SSCP Escalating Concerns, Step 2 and Appendix 1 (Agency Escalation Summary Log)',
    ['log-entry'],
    generatedAt,
  );
  const mt = managersTier(c);
  const timeline = tierTimeline(c);
  const top = highestTier(c);
  const outcome = outcomeOf(c);
  return {
    ...env,
    entry: {
      dateRaised: c.raisedAt,
      reference: c.reference,
      category: { id: c.category, label: categoryLabel(c.protocol, c.category) },
      raisingAgency: c.raisingAgency,
      raisedBy: c.raisedBy,
      receivingAgency: c.receivingAgency,
      raisedWith: c.raisedWith,
      natureOfConcern: c.subject?.natureOfConcern ?? null,
      outcomesSought: c.subject?.outcomesSought ?? null,
      escalatedToManagersAt: timeline.find((t) => t.number >= mt)?.enteredAt ?? null,
      managersTier: mt,
      peopleInvolved: participants(c),
      highestTier: { number: top.number, title: top.title },
      planOfAction: c.planItems.map((p) => ({
        what: p.what,
        owner: p.ownerPerson ? `${p.ownerPerson.name} (${p.ownerAgency.name})` : p.ownerAgency.name,
        dueAt: p.dueAt,
        status: p.status,
      })),
      immediateRisk: c.immediateRisk,
      breaches: breachesOf(c),
      status: c.status,
      statusLabel: statusLabel(c.status),
      outcome: c.status === 'open' ? null : outcome.statement,
      dateClosed: c.closedAt,
      learningReferred: learningOf(c),
    },
  };
}

export function renderSummaryLogEntryHtml(doc: SummaryLogEntry): string {
  const e = doc.entry;
  return casePage(doc, [
    section(
      'Log entry',
      markup`<div class="grid2"><div>${field('Date raised', time(e.dateRaised))}${field('Category', e.category.label)}${field(
        'Raised by',
        actorText(e.raisedBy.name, null, e.raisingAgency.name),
      )}${field('Raised with', actorText(e.raisedWith.name, null, e.receivingAgency.name))}</div><div>${field(
        `Escalated to managers (tier ${e.managersTier})`,
        e.escalatedToManagersAt ? time(e.escalatedToManagersAt) : 'Not escalated to managers',
      )}${field('Highest tier reached', `${e.highestTier.number}: ${e.highestTier.title}`)}${field('Immediate risk', e.immediateRisk ? 'Yes' : 'No')}${field(
        'Deadlines missed',
        e.breaches.length
          ? e.breaches.map((b) => `tier ${b.tier} (due ${formatDate(b.dueAt)})`).join('; ')
          : 'None',
      )}</div></div>`,
      { id: 'entry' },
    ),
    section('Nature of concern', prose(e.natureOfConcern), { id: 'nature-of-concern' }),
    section('Outcomes sought', prose(e.outcomesSought), { id: 'outcomes-sought' }),
    section(
      'People involved',
      table(
        ['Name', 'Role', 'Agency', 'First acted', 'At tier'],
        e.peopleInvolved.map((p) => [
          p.name,
          roleLabel(p.role),
          p.agency ?? 'Partnership',
          time(p.firstAt),
          p.tier,
        ]),
      ),
      { id: 'people' },
    ),
    section(
      'Plan of action',
      table(
        ['What', 'Who', 'By when', 'Status'],
        e.planOfAction.map((p) => [
          markup`<span class="prose">${p.what}</span>`,
          p.owner,
          time(p.dueAt),
          p.status === 'done' ? 'Done' : 'Open',
        ]),
        'No plan of action recorded',
      ),
      { id: 'plan' },
    ),
    section(
      'Outcome',
      markup`${field('Status', e.statusLabel)}${field('Date closed', e.dateClosed ? time(e.dateClosed) : 'Open')}${e.dateClosed ? prose(e.outcome) : ''}${field(
        'Learning referred',
        e.learningReferred
          ? markup`${time(e.learningReferred.at)} to the ${e.learningReferred.subGroup}`
          : 'No',
      )}`,
      { id: 'outcome' },
    ),
  ]);
}

// ---------------------------------------------------------------------------------------------
// The log of one agency

export interface AgencyLogRow {
  reference: string;
  escalationId: string;
  raisedAt: string;
  /** Whether the agency raised the case or received it. */
  agencySide: 'raised' | 'received';
  protocolId: string;
  protocolVersion: number;
  category: string;
  categoryLabel: string;
  raisingAgency: string;
  raisedBy: string;
  receivingAgency: string;
  raisedWith: string;
  highestTier: number;
  highestTierTitle: string;
  /** "1 2026-05-18; 2 2026-05-20": when each tier was entered (Europe/London dates). */
  tierDates: string;
  escalatedToManagersAt: string | null;
  status: string;
  closedAt: string | null;
  breaches: number;
  immediateRisk: boolean;
  learningReferredAt: string | null;
  finalDecisionAt: string | null;
  finalRoute: string | null;
}

export interface AgencyLog {
  document: { kind: 'agency-escalation-log'; title: string; source: string };
  agency: Ref;
  partnership: Ref;
  period: { from: string | null; to: string | null };
  generatedAt: string;
  rows: AgencyLogRow[];
  footer: string;
}

function londonDate(iso: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/London',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(iso));
}

export function agencyLogRow(c: CaseRecord, agencyId: string): AgencyLogRow {
  const timeline = tierTimeline(c);
  const top = highestTier(c);
  const decision = decisionOf(c);
  const mt = managersTier(c);
  return {
    reference: c.reference,
    escalationId: c.id,
    raisedAt: c.raisedAt,
    agencySide: c.raisingAgency.id === agencyId ? 'raised' : 'received',
    protocolId: c.protocol.id,
    protocolVersion: c.protocolVersion,
    category: c.category,
    categoryLabel: categoryLabel(c.protocol, c.category),
    raisingAgency: c.raisingAgency.name,
    raisedBy: c.raisedBy.name,
    receivingAgency: c.receivingAgency.name,
    raisedWith: c.raisedWith.name,
    highestTier: top.number,
    highestTierTitle: top.title,
    tierDates: timeline.map((t) => `${t.number} ${londonDate(t.enteredAt)}`).join('; '),
    escalatedToManagersAt: timeline.find((t) => t.number >= mt)?.enteredAt ?? null,
    status: c.status,
    closedAt: c.closedAt,
    breaches: Math.max(c.breaches, breachesOf(c).length),
    immediateRisk: c.immediateRisk,
    learningReferredAt: learningOf(c)?.at ?? null,
    finalDecisionAt: decision?.decidedAt ?? null,
    finalRoute: decision ? finalRouteOf(c).route : null,
  };
}

export function buildAgencyLog(
  agency: Ref,
  partnership: Ref,
  cases: CaseRecord[],
  period: { from: string | null; to: string | null },
  generatedAt: string,
): AgencyLog {
  const rows = cases
    .map((c) => agencyLogRow(c, agency.id))
    .sort((a, b) => a.raisedAt.localeCompare(b.raisedAt) || a.reference.localeCompare(b.reference));
  return {
    document: {
      kind: 'agency-escalation-log',
      title: `Agency Escalation Summary Log: ${agency.name}`,
      source: 'Sefton SSCP Escalating Concerns, Step 2 and Appendix 1 (Agency Escalation Summary Log)',
    },
    agency,
    partnership,
    period,
    generatedAt,
    rows,
    footer:
      `Generated by Resolve on ${generatedAt.slice(0, 16).replace('T', ' ')} UTC from the audit-trailed records of the ${rows.length} ` +
      `escalation(s) ${agency.name} raised or received${period.from || period.to ? ' in the period' : ''}. The log carries no names or dates of birth of children or adults and no free text; each case's own summary-log entry has the detail.`,
  };
}

export const AGENCY_LOG_COLUMNS: { key: keyof AgencyLogRow; header: string }[] = [
  { key: 'reference', header: 'reference' },
  { key: 'raisedAt', header: 'raised_at' },
  { key: 'agencySide', header: 'agency_side' },
  { key: 'protocolId', header: 'protocol' },
  { key: 'protocolVersion', header: 'protocol_version' },
  { key: 'category', header: 'category' },
  { key: 'categoryLabel', header: 'category_label' },
  { key: 'raisingAgency', header: 'raising_agency' },
  { key: 'raisedBy', header: 'raised_by' },
  { key: 'receivingAgency', header: 'receiving_agency' },
  { key: 'raisedWith', header: 'raised_with' },
  { key: 'highestTier', header: 'highest_tier' },
  { key: 'highestTierTitle', header: 'highest_tier_title' },
  { key: 'tierDates', header: 'tier_dates' },
  { key: 'escalatedToManagersAt', header: 'escalated_to_managers_at' },
  { key: 'status', header: 'status' },
  { key: 'closedAt', header: 'closed_at' },
  { key: 'breaches', header: 'breaches' },
  { key: 'immediateRisk', header: 'immediate_risk' },
  { key: 'learningReferredAt', header: 'learning_referred_at' },
  { key: 'finalDecisionAt', header: 'final_decision_at' },
  { key: 'finalRoute', header: 'final_route' },
  { key: 'escalationId', header: 'escalation_id' },
];

export function renderAgencyLogCsv(log: AgencyLog): string {
  return toCsv(
    AGENCY_LOG_COLUMNS.map((c) => c.header),
    log.rows.map((r) => AGENCY_LOG_COLUMNS.map((c) => r[c.key])),
  );
}

export function renderAgencyLogHtml(log: AgencyLog): string {
  const periodText =
    log.period.from || log.period.to
      ? `Cases raised from ${log.period.from ? formatDate(log.period.from) : 'the start of the record'} to ${log.period.to ? `before ${formatDate(log.period.to)}` : 'now'}`
      : 'All cases on record';
  return page({
    landscape: true,
    header: {
      title: log.document.title,
      source: log.document.source,
      reference: null,
      metaFields: [
        { label: 'Agency', value: log.agency.name },
        { label: 'Partnership', value: log.partnership.name },
        { label: 'Period', value: periodText },
        { label: 'Cases', value: String(log.rows.length) },
        { label: 'Generated', value: time(log.generatedAt) },
      ],
    },
    body: section(
      'Cases raised or received',
      table(
        [
          'Reference',
          'Raised',
          'Side',
          'Protocol',
          'Category',
          'Raised by',
          'Raised with',
          'Highest tier',
          'Tiers entered',
          'Status',
          'Closed',
          'Missed deadlines',
          'Learning',
        ],
        log.rows.map((r) => [
          markup`<strong>${r.reference}</strong>`,
          time(r.raisedAt),
          r.agencySide === 'raised' ? 'Raised' : 'Received',
          `${r.protocolId} v${r.protocolVersion}`,
          r.categoryLabel,
          `${r.raisedBy}, ${r.raisingAgency}`,
          `${r.raisedWith}, ${r.receivingAgency}`,
          markup`${r.highestTier}<div class="small">${r.highestTierTitle}</div>`,
          r.tierDates,
          markup`${statusLabel(r.status)}${r.immediateRisk ? markup` <span class="badge">Immediate risk</span>` : ''}${r.finalRoute ? markup`<div class="small">Final decision: ${r.finalRoute}</div>` : ''}`,
          r.closedAt ? time(r.closedAt, true) : 'Open',
          r.breaches,
          r.learningReferredAt ? time(r.learningReferredAt, true) : '—',
        ]),
        'No cases in the period',
      ),
      { id: 'log' },
    ),
    footer: log.footer,
  });
}
