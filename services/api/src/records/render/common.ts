import type { RecordKind } from '@resolve/protocols';
import {
  recordRequiredAt,
  roleLabel,
  tierTimeline,
  type CaseRecord,
  type TierPeriod,
} from '../model/case-record';
import { caseHeader, footerText } from './case-header';
import { markup, page, section, table, time, type SafeHtml } from './html';

/** The "Closed" field of a case still open: "Closed: Open" read as a contradiction. */
export const NOT_CLOSED = 'Not yet: the case is open';

/** What every case document carries besides its own fields. */
export interface DocumentEnvelope<K extends string> {
  document: {
    kind: K;
    title: string;
    /** The protocol clause that asks for it. */
    source: string;
    /** Whether this case's protocol asks for this record, and at which tiers. */
    requiredByProtocol: boolean;
    requiredAt: { tier: number; title: string; ref: string | null }[];
  };
  case: ReturnType<typeof caseHeader>;
  timeline: TierPeriod[];
  generatedAt: string;
  footer: string;
}

export function envelope<K extends string>(
  c: CaseRecord,
  kind: K,
  title: string,
  source: string,
  recordKinds: RecordKind[],
  generatedAt: string,
): DocumentEnvelope<K> {
  const requiredAt = recordKinds.flatMap((k) => recordRequiredAt(c.protocol, k));
  return {
    document: { kind, title, source, requiredByProtocol: requiredAt.length > 0, requiredAt },
    case: caseHeader(c),
    timeline: tierTimeline(c),
    generatedAt,
    footer: footerText(c, generatedAt),
  };
}

const BECAUSE: Record<string, string> = {
  raised: 'Raised',
  escalated: 'Escalated by a person',
  'deadline-breached': 'Deadline passed without the tier’s outcome',
  'immediate-risk': 'Immediate risk: fast track',
  'entered-by-role': 'Raised at this tier by a role the protocol names',
  resolved: 'Resolved',
  decided: 'Decided',
  withdrawn: 'Withdrawn',
  'referred-for-learning': 'Referred for learning',
  'closed-with-outcome': 'Closed with an outcome the protocol names',
};

export function becauseLabel(b: string | null): string {
  if (!b) return 'Current tier';
  return BECAUSE[b] ?? b;
}

export function timelineSection(timeline: TierPeriod[]): SafeHtml {
  return section(
    'Timeline of tiers',
    table(
      ['Tier', 'Entered', 'Why', 'Deadline', 'Breached', 'Left', 'How it ended'],
      timeline.map((t) => [
        markup`<strong>${t.number}</strong> ${t.title}${t.clause ? markup`<div class="small">${t.clause}</div>` : ''}`,
        time(t.enteredAt),
        markup`${becauseLabel(t.enteredBecause)}${t.escalationReason ? markup`<div class="small">Reason${t.escalatedBy ? markup` (${t.escalatedBy})` : ''}: ${t.escalationReason}</div>` : ''}`,
        markup`${time(t.dueAt)}${t.deadlineExplanation ? markup`<div class="small">${t.deadlineExplanation}</div>` : ''}`,
        time(t.breachedAt),
        time(t.leftAt),
        t.leftAt ? becauseLabel(t.endedBy) : 'Current tier',
      ]),
    ),
    { id: 'timeline' },
  );
}

/** The page around a case document: header with reference, protocol and version; timeline; footer. */
export function casePage<K extends string>(
  doc: DocumentEnvelope<K>,
  body: SafeHtml[],
  options: { marking?: string; landscape?: boolean } = {},
): string {
  const c = doc.case;
  return page({
    header: {
      title: doc.document.title,
      source: doc.document.source,
      marking: options.marking,
      reference: c.reference,
      metaFields: [
        {
          label: 'Protocol',
          value: markup`${c.protocol.title} <span class="badge">${c.protocol.id} v${c.protocol.version}</span>`,
        },
        { label: 'Partnership', value: c.partnership.name },
        {
          label: 'Status',
          value: markup`${c.statusLabel}${c.immediateRisk ? markup` <span class="badge">Immediate risk</span>` : ''}`,
        },
        { label: 'Raised', value: time(c.raisedAt) },
        { label: 'Current or last tier', value: `${c.currentTier.number}: ${c.currentTier.title}` },
        { label: 'Closed', value: c.closedAt ? time(c.closedAt) : NOT_CLOSED },
      ],
    },
    body: [...body, timelineSection(doc.timeline)],
    footer: doc.footer,
    landscape: options.landscape,
  });
}

export function actorText(
  name: string | null | undefined,
  role?: string | null,
  agency?: string | null,
): string {
  if (!name) return '—';
  const parts = [role ? roleLabel(role) : null, agency].filter(Boolean);
  return parts.length ? `${name} (${parts.join(', ')})` : name;
}
