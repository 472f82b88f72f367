import { countWorkingDays, localDateOf, type Nation } from '@resolve/calendar';
import {
  categoryLabel,
  decisionOf,
  finalRouteOf,
  learningOf,
  tierTimeline,
  type CaseRecord,
  type Ref,
} from '../model/case-record';
import { field, markup, page, prose, section, table, time, type SafeHtml } from './html';
import { barChart, formatNumber } from './svg';

/**
 * The annual report of disputes and panel findings (BSCB 003 section 3: "A report of dispute
 * that have been reported and findings of Panels will be made to the BSCB on an annual basis"),
 * computed from case records for one partnership and one period [from, to).
 *
 * Populations (each figure says which it counts):
 * - raised in the period: categories, highest tier reached (by the period end), agency pairs;
 * - closed in the period: time to resolution (resolved or decided cases only), final decisions;
 * - events in the period: deadline breaches, learning referrals;
 * - open at the period end: raised before `to` and not closed before `to`, whenever raised.
 */
export interface Stats {
  count: number;
  medianDays: number | null;
  p90Days: number | null;
  medianWorkingDays: number | null;
  p90WorkingDays: number | null;
}

export interface TierCount {
  protocolId: string;
  tier: number;
  title: string;
  count: number;
}

export interface DisputesReport {
  document: { kind: 'disputes-report'; title: string; source: string };
  partnership: Ref;
  period: { from: string; to: string };
  generatedAt: string;
  definitions: Record<string, string>;
  totals: {
    raised: number;
    raisedWithImmediateRisk: number;
    closed: number;
    closedByStatus: Record<
      'resolved' | 'decided' | 'withdrawn' | 'referred-for-learning' | 'closed-with-outcome',
      number
    >;
    openAtPeriodEnd: number;
  };
  byProtocol: {
    protocolId: string;
    title: string;
    raised: number;
    closed: number;
    openAtPeriodEnd: number;
  }[];
  byCategory: { category: string; label: string; count: number }[];
  byHighestTier: TierCount[];
  byAgencyPair: { raisingAgency: Ref; receivingAgency: Ref; count: number }[];
  timeToResolution: Stats & { byProtocol: (Stats & { protocolId: string; title: string })[] };
  breaches: { total: number; casesAffected: number; byTier: TierCount[] };
  learningReferrals: {
    total: number;
    bySubGroup: { subGroup: string; count: number }[];
    references: string[];
  };
  finalDecisions: {
    total: number;
    byRoute: { route: string; label: string; count: number }[];
    /** The findings: each final decision in the chair's recorded words. */
    decisions: {
      reference: string;
      protocolId: string;
      decidedAt: string;
      route: string;
      routeLabel: string;
      outcome: string | null;
      chair: string;
      finding: string;
    }[];
  };
  openAtPeriodEnd: {
    count: number;
    byTier: TierCount[];
    cases: {
      reference: string;
      protocolId: string;
      raisedAt: string;
      tier: number;
      tierTitle: string;
      ageDays: number;
    }[];
  };
  footer: string;
}

const DAY = 86_400_000;

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Nearest-rank percentile: the smallest value with at least p% of values at or below it. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * s.length));
  return s[rank - 1];
}

const round1 = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);

/** Working days after the day raised up to and including the day closed (Europe/London dates); null outside the calendar's data. */
export function workingDaysBetween(fromIso: string, toIso: string, nation: Nation): number | null {
  try {
    return countWorkingDays(localDateOf(new Date(fromIso)), localDateOf(new Date(toIso)), nation);
  } catch {
    return null;
  }
}

function stats(cases: CaseRecord[]): Stats {
  const days = cases.map((c) => (Date.parse(c.closedAt!) - Date.parse(c.raisedAt)) / DAY);
  const wd = cases
    .map((c) => workingDaysBetween(c.raisedAt, c.closedAt!, c.protocol.nation))
    .filter((n): n is number => n !== null);
  return {
    count: cases.length,
    medianDays: round1(median(days)),
    p90Days: round1(percentile(days, 90)),
    medianWorkingDays: wd.length === cases.length ? median(wd) : null,
    p90WorkingDays: wd.length === cases.length ? percentile(wd, 90) : null,
  };
}

function countBy<T>(items: T[], key: (t: T) => string, make: (t: T, count: number) => unknown) {
  const groups = new Map<string, { first: T; count: number }>();
  for (const item of items) {
    const k = key(item);
    const g = groups.get(k);
    if (g) g.count++;
    else groups.set(k, { first: item, count: 1 });
  }
  return [...groups.values()].map((g) => make(g.first, g.count));
}

const tierSort = (a: TierCount, b: TierCount) => a.protocolId.localeCompare(b.protocolId) || a.tier - b.tier;

/** The tier a case was at, at an instant (the last tier entered before it). */
function tierAt(c: CaseRecord, instant: string) {
  const periods = tierTimeline(c).filter((t) => t.enteredAt < instant);
  return periods.length ? periods.reduce((a, b) => (b.number >= a.number ? b : a)) : tierTimeline(c)[0];
}

export function buildDisputesReport(input: {
  partnership: Ref;
  period: { from: string; to: string };
  cases: CaseRecord[];
  generatedAt: string;
}): DisputesReport {
  const { from, to } = input.period;
  const inPeriod = (iso: string | null | undefined) => !!iso && iso >= from && iso < to;
  const cases = input.cases.filter((c) => c.raisedAt < to);
  const raised = cases.filter((c) => inPeriod(c.raisedAt));
  const closed = cases.filter((c) => inPeriod(c.closedAt));
  const open = cases.filter((c) => !c.closedAt || c.closedAt >= to);
  const resolvedOrDecided = closed.filter((c) => c.status === 'resolved' || c.status === 'decided');

  const protocols = new Map(cases.map((c) => [c.protocol.id, c.protocol]));
  const tierCount = (list: { c: CaseRecord; tier: number; title: string }[]): TierCount[] =>
    (
      countBy(
        list,
        (x) => `${x.c.protocol.id}|${x.tier}|${x.title}`,
        (x, count) => ({ protocolId: x.c.protocol.id, tier: x.tier, title: x.title, count }),
      ) as TierCount[]
    ).sort(tierSort);

  const breachEvents = cases.flatMap((c) =>
    c.events.filter((e) => e.type === 'deadline-breached' && inPeriod(e.at)).map((e) => ({ c, e })),
  );
  const learning = cases.map((c) => ({ c, l: learningOf(c) })).filter((x) => x.l && inPeriod(x.l.at));
  const decisions = cases.map((c) => ({ c, d: decisionOf(c) })).filter((x) => x.d && inPeriod(x.d.decidedAt));

  const byProtocolStats = [...new Set(resolvedOrDecided.map((c) => c.protocol.id))].sort().map((id) => ({
    protocolId: id,
    title: protocols.get(id)!.title,
    ...stats(resolvedOrDecided.filter((c) => c.protocol.id === id)),
  }));

  const closedByStatus = {
    resolved: 0,
    decided: 0,
    withdrawn: 0,
    'referred-for-learning': 0,
    'closed-with-outcome': 0,
  };
  for (const c of closed)
    if (c.status in closedByStatus) closedByStatus[c.status as keyof typeof closedByStatus]++;

  const report: DisputesReport = {
    document: {
      kind: 'disputes-report',
      title: `Annual report of disputes and panel findings: ${input.partnership.name}`,
      source:
        'BSCB Escalation Procedures, section 3 (Further notes): a report of disputes and findings of Panels to the Board on an annual basis',
    },
    partnership: input.partnership,
    period: { from, to },
    generatedAt: input.generatedAt,
    definitions: {
      period:
        'From `from` (inclusive) to `to` (exclusive), instants in UTC; a date given alone is midnight Europe/London, and a `to` date includes that whole day.',
      raised:
        'Escalations raised in the period: the base of categories, highest tier reached (as at the period end) and agency pairs.',
      closed: 'Escalations closed in the period, by how they closed.',
      timeToResolution:
        'Escalations resolved or decided in the period: time from raising to closing, in calendar days (1 decimal) and in working days of the protocol’s nation (days after the day raised, up to and including the day closed). Median; p90 by nearest rank.',
      breaches:
        'Deadlines that passed in the period without the tier’s outcome (timeline deadline-breached entries), by the tier whose deadline it was.',
      learningReferrals: 'Escalations referred to the partnership’s learning sub-group in the period.',
      finalDecisions:
        'Final and binding decisions recorded in the period; the route (mediation, Resolution Panel, chaired meeting) where the record says so: the chair’s outcome, else the meeting scheduled, else the protocol’s route.',
      openAtPeriodEnd:
        'Escalations raised before the period end and not closed by it, whenever raised; tier as at the period end.',
    },
    totals: {
      raised: raised.length,
      raisedWithImmediateRisk: raised.filter((c) => c.immediateRisk).length,
      closed: closed.length,
      closedByStatus,
      openAtPeriodEnd: open.length,
    },
    byProtocol: [...protocols.values()]
      .map((p) => ({
        protocolId: p.id,
        title: p.title,
        raised: raised.filter((c) => c.protocol.id === p.id).length,
        closed: closed.filter((c) => c.protocol.id === p.id).length,
        openAtPeriodEnd: open.filter((c) => c.protocol.id === p.id).length,
      }))
      .filter((x) => x.raised + x.closed + x.openAtPeriodEnd > 0)
      .sort((a, b) => a.protocolId.localeCompare(b.protocolId)),
    byCategory: (
      countBy(
        raised,
        (c) => c.category,
        (c, count) => ({ category: c.category, label: categoryLabel(c.protocol, c.category), count }),
      ) as DisputesReport['byCategory']
    ).sort((a, b) => b.count - a.count || a.label.localeCompare(b.label)),
    byHighestTier: tierCount(
      raised.map((c) => {
        const t = tierAt(c, to);
        return { c, tier: t.number, title: t.title };
      }),
    ),
    byAgencyPair: (
      countBy(
        raised,
        (c) => `${c.raisingAgency.id}>${c.receivingAgency.id}`,
        (c, count) => ({ raisingAgency: c.raisingAgency, receivingAgency: c.receivingAgency, count }),
      ) as DisputesReport['byAgencyPair']
    ).sort(
      (a, b) =>
        b.count - a.count ||
        a.raisingAgency.name.localeCompare(b.raisingAgency.name) ||
        a.receivingAgency.name.localeCompare(b.receivingAgency.name),
    ),
    timeToResolution: { ...stats(resolvedOrDecided), byProtocol: byProtocolStats },
    breaches: {
      total: breachEvents.length,
      casesAffected: new Set(breachEvents.map((x) => x.c.id)).size,
      byTier: tierCount(
        breachEvents.map(({ c, e }) => ({
          c,
          tier: e.tier,
          title: tierTimeline(c).find((t) => t.number === e.tier)?.title ?? `Tier ${e.tier}`,
        })),
      ),
    },
    learningReferrals: {
      total: learning.length,
      bySubGroup: (
        countBy(
          learning,
          (x) => x.l!.subGroup,
          (x, count) => ({ subGroup: x.l!.subGroup, count }),
        ) as { subGroup: string; count: number }[]
      ).sort((a, b) => b.count - a.count),
      references: learning.map((x) => x.c.reference).sort(),
    },
    finalDecisions: (() => {
      const list = decisions
        .map(({ c, d }) => {
          const r = finalRouteOf(c);
          return {
            reference: c.reference,
            protocolId: c.protocol.id,
            decidedAt: d!.decidedAt,
            route: r.route,
            routeLabel: r.label,
            outcome: d!.outcome,
            chair: d!.chair.name,
            finding: d!.text,
          };
        })
        .sort((a, b) => a.decidedAt.localeCompare(b.decidedAt));
      return {
        total: list.length,
        byRoute: (
          countBy(
            list,
            (x) => x.route,
            (x, count) => ({ route: x.route, label: x.routeLabel, count }),
          ) as { route: string; label: string; count: number }[]
        ).sort((a, b) => b.count - a.count || a.route.localeCompare(b.route)),
        decisions: list,
      };
    })(),
    openAtPeriodEnd: {
      count: open.length,
      byTier: tierCount(
        open.map((c) => {
          const t = tierAt(c, to);
          return { c, tier: t.number, title: t.title };
        }),
      ),
      cases: open
        .map((c) => {
          const t = tierAt(c, to);
          return {
            reference: c.reference,
            protocolId: c.protocol.id,
            raisedAt: c.raisedAt,
            tier: t.number,
            tierTitle: t.title,
            ageDays: round1((Date.parse(to) - Date.parse(c.raisedAt)) / DAY)!,
          };
        })
        .sort((a, b) => a.raisedAt.localeCompare(b.raisedAt)),
    },
    footer: '',
  };
  report.footer =
    `Generated by Resolve on ${input.generatedAt.slice(0, 16).replace('T', ' ')} UTC from the audit-trailed records of ${cases.length} escalation(s) of ${input.partnership.name}: ` +
    `case rows, their timelines and the recorded actions of named people. Counts carry no names or dates of birth of children or adults.`;
  return report;
}

// ---------------------------------------------------------------------------------------------
// HTML

/** "Stage 3: ..." as the protocol titles it, or "3: ..." where the title carries no number. */
const tierName = (tier: number, title: string) =>
  /^(stage|step|tier)\s*\d/i.test(title) ? title : `${tier}: ${title}`;
const tierLabel = (t: TierCount, multi: boolean) =>
  `${multi ? `${t.protocolId} ` : ''}${tierName(t.tier, t.title)}`;

/** Agency names without the partnership's name in front (demo directories name them so), for chart labels. */
function shortAgency(name: string, partnership: string): string {
  return name.startsWith(`${partnership} `) ? name.slice(partnership.length + 1) : name;
}

const DEFINITION_LABELS: Record<string, string> = {
  period: 'Period',
  raised: 'Raised',
  closed: 'Closed',
  timeToResolution: 'Time to resolution',
  breaches: 'Deadlines missed',
  learningReferrals: 'Learning referrals',
  finalDecisions: 'Final decisions',
  openAtPeriodEnd: 'Open at the period end',
};

function kpi(label: string, n: number | string): SafeHtml {
  return markup`<div class="kpi"><div class="n">${n}</div><div class="label">${label}</div></div>`;
}

export function renderDisputesReportHtml(r: DisputesReport): string {
  const multi = r.byProtocol.length > 1;
  const t = r.timeToResolution;
  const days = (v: number | null) => (v === null ? '—' : formatNumber(v));
  return page({
    header: {
      title: r.document.title,
      source: r.document.source,
      marking: 'OFFICIAL-SENSITIVE',
      reference: null,
      metaFields: [
        { label: 'Partnership', value: r.partnership.name },
        { label: 'Period from', value: time(r.period.from) },
        { label: 'Period to (exclusive)', value: time(r.period.to) },
      ],
    },
    body: [
      section(
        'At a glance',
        markup`<div class="kpis">${kpi('Raised in the period', r.totals.raised)}${kpi('Closed in the period', r.totals.closed)}${kpi('Open at the period end', r.totals.openAtPeriodEnd)}${kpi(
          'Final decisions',
          r.finalDecisions.total,
        )}${kpi('Median days to resolution', days(t.medianDays))}${kpi('p90 days to resolution', days(t.p90Days))}${kpi('Deadlines missed', r.breaches.total)}${kpi('Learning referrals', r.learningReferrals.total)}</div>`,
        { id: 'summary' },
      ),
      section(
        'Disputes by category',
        markup`${barChart({ title: 'Escalations raised in the period, by category', bars: r.byCategory.map((c) => ({ label: c.label, value: c.count })), id: 'chart-category' })}${table(
          ['Category', 'Raised'],
          r.byCategory.map((c) => [c.label, c.count]),
          'None raised',
        )}`,
        { id: 'by-category' },
      ),
      section(
        'Highest tier reached',
        markup`${barChart({ title: 'Escalations raised in the period, by the highest tier reached by the period end', bars: r.byHighestTier.map((x) => ({ label: tierLabel(x, multi), value: x.count })), id: 'chart-tier' })}${table(
          ['Protocol', 'Tier', 'Escalations'],
          r.byHighestTier.map((x) => [x.protocolId, tierName(x.tier, x.title), x.count]),
          'None raised',
        )}`,
        { id: 'by-tier' },
      ),
      section(
        'Agencies in dispute',
        markup`${barChart({
          title:
            'Escalations raised in the period, by escalating agency and the agency the concern was raised with',
          bars: r.byAgencyPair.map((p) => ({
            label: `${shortAgency(p.raisingAgency.name, r.partnership.name)} → ${shortAgency(p.receivingAgency.name, r.partnership.name)}`,
            value: p.count,
          })),
          id: 'chart-agencies',
        })}${table(
          ['Escalating agency', 'Raised with', 'Escalations'],
          r.byAgencyPair.map((p) => [p.raisingAgency.name, p.receivingAgency.name, p.count]),
          'None raised',
        )}`,
        { id: 'by-agency-pair' },
      ),
      section(
        'Time to resolution',
        markup`${barChart({
          title: 'Median days from raising to resolution or decision, by protocol (marker: p90)',
          bars: t.byProtocol.map((p) => ({
            label: p.protocolId,
            value: p.medianDays ?? 0,
            marker: p.p90Days,
          })),
          unit: ' d',
          markerLabel: 'p90',
          id: 'chart-time',
        })}${table(
          ['Protocol', 'Cases', 'Median days', 'p90 days', 'Median working days', 'p90 working days'],
          [
            ...t.byProtocol.map((p) => [
              p.protocolId,
              p.count,
              days(p.medianDays),
              days(p.p90Days),
              days(p.medianWorkingDays),
              days(p.p90WorkingDays),
            ]),
            ...(t.count
              ? [
                  [
                    markup`<strong>All</strong>`,
                    t.count,
                    days(t.medianDays),
                    days(t.p90Days),
                    days(t.medianWorkingDays),
                    days(t.p90WorkingDays),
                  ],
                ]
              : []),
          ],
          'No escalation was resolved or decided in the period',
        )}`,
        { id: 'time-to-resolution' },
      ),
      section(
        'Deadlines missed',
        markup`${field('Breaches in the period', `${r.breaches.total} (in ${r.breaches.casesAffected} escalation(s))`)}${barChart(
          {
            title: 'Deadlines missed in the period, by tier',
            bars: r.breaches.byTier.map((x) => ({ label: tierLabel(x, multi), value: x.count })),
            id: 'chart-breaches',
          },
        )}`,
        { id: 'breaches' },
      ),
      section(
        'Final decisions and panel findings',
        markup`${barChart({ title: 'Final and binding decisions in the period, by route', bars: r.finalDecisions.byRoute.map((x) => ({ label: x.label, value: x.count })), id: 'chart-decisions' })}${table(
          ['Reference', 'Decided', 'Route', 'Chair', 'Finding'],
          r.finalDecisions.decisions.map((d) => [
            markup`<strong>${d.reference}</strong><div class="small">${d.protocolId}</div>`,
            time(d.decidedAt),
            d.routeLabel,
            d.chair,
            prose(d.finding),
          ]),
          'No final decisions in the period',
        )}`,
        { id: 'final-decisions' },
      ),
      section(
        'Learning referrals',
        markup`${field('Referred in the period', r.learningReferrals.total)}${table(
          ['Sub-group', 'Referrals'],
          r.learningReferrals.bySubGroup.map((x) => [x.subGroup, x.count]),
          'No learning referrals in the period',
        )}${r.learningReferrals.references.length ? markup`<p class="small">Cases: ${r.learningReferrals.references.join(', ')}</p>` : ''}`,
        { id: 'learning' },
      ),
      section(
        'Open at the period end',
        markup`${barChart({ title: 'Escalations open at the period end, by tier', bars: r.openAtPeriodEnd.byTier.map((x) => ({ label: tierLabel(x, multi), value: x.count })), id: 'chart-open' })}${table(
          ['Reference', 'Protocol', 'Raised', 'Tier at period end', 'Age (days)'],
          r.openAtPeriodEnd.cases.map((c) => [
            markup`<strong>${c.reference}</strong>`,
            c.protocolId,
            time(c.raisedAt, true),
            tierName(c.tier, c.tierTitle),
            formatNumber(c.ageDays),
          ]),
          'None open at the period end',
        )}`,
        { id: 'open' },
      ),
      section(
        'How the figures are counted',
        markup`<dl>${Object.entries(r.definitions).map(([k, v]) => markup`<dt><strong>${DEFINITION_LABELS[k] ?? k}</strong></dt><dd class="small">${v}</dd>`)}</dl>`,
        { id: 'definitions' },
      ),
    ],
    footer: r.footer,
  });
}
