import {
  acceptedActions,
  actionTier,
  actionWords,
  breachesOf,
  categoryLabel,
  decisionOf,
  finalRouteOf,
  heldAsAt,
  learningOf,
  meetingOf,
  outcomeOf,
  recordRequiredAt,
  tierTimeline,
  type BreachFact,
  type CaseRecord,
  type DecisionFact,
  type FinalRouteFact,
  type LearningFact,
  type MeetingFact,
  type Outcome,
  type Ref,
} from '../model/case-record';
import { actorText, casePage, envelope, NOT_CLOSED, type DocumentEnvelope } from './common';
import { field, formatDate, markup, prose, section, table, time, type SafeHtml } from './html';

/**
 * Sefton SSCP Appendix 2, "Report to SSCP": made by the Heads of Service at step 3 and, after
 * the independently chaired meeting, with its outcome at step 4 (002 Steps 3 and 4).
 */
export interface ActionLine {
  at: string;
  by: string;
  role: string;
  agency: string | null;
  action: string;
  text: string | null;
}

const CONDUCTED_AS_LABELS: Record<string, string> = {
  discussion: 'discussion',
  'line-manager-intervention': 'line manager intervention',
  'multi-disciplinary-meeting': 'multi-disciplinary meeting',
};

export interface ReportStep {
  number: number;
  title: string;
  clause: string;
  /** How the protocol says the step is conducted (Lincolnshire s117), in words; null when any way. */
  conductedAs: string | null;
  reached: boolean;
  enteredAt: string | null;
  dueAt: string | null;
  breachedAt: string | null;
  leftAt: string | null;
  actions: ActionLine[];
  plan: { what: string; owner: string; dueAt: string; status: string }[];
  meeting: MeetingFact | null;
}

export interface PartnershipReport extends DocumentEnvelope<'report-to-partnership'> {
  report: {
    to: string;
    reportFromTier: number;
    raisingAgency: Ref;
    receivingAgency: Ref;
    category: { id: string; label: string };
    natureOfDispute: string | null;
    outcomesSought: string | null;
    /** The tiers before the report's: what was tried, when, by whom. */
    attemptsToResolve: {
      number: number;
      title: string;
      enteredAt: string;
      leftAt: string | null;
      actions: ActionLine[];
    }[];
    steps: ReportStep[];
    decision: DecisionFact | null;
    finalRoute: FinalRouteFact | null;
    outcome: Outcome;
    learning: LearningFact | null;
    breaches: BreachFact[];
    /** The heads of service (and chair) who acted at the report's tiers. */
    reportedBy: { name: string; role: string; agency: string | null }[];
  };
}

function lines(c: CaseRecord, tier: number): ActionLine[] {
  return acceptedActions(c)
    .filter((a) => a.kind !== 'raise' && actionTier(c, a) === tier)
    .map((a) => ({
      at: a.at,
      by: a.person.name,
      role: a.role,
      agency: a.agency?.name ?? null,
      action: actionWords(c, a),
      text: a.text,
    }));
}

export function buildPartnershipReport(c: CaseRecord, generatedAt: string): PartnershipReport {
  const env = envelope(
    c,
    'report-to-partnership',
    `Report to ${c.partnership.name}`,
    'Sefton SSCP Escalating Concerns, Steps 3 and 4 and Appendix 2 (Report to SSCP)',
    ['report'],
    generatedAt,
  );
  const reportFromTier = Math.min(recordRequiredAt(c.protocol, 'report')[0]?.tier ?? 3, 3);
  const timeline = tierTimeline(c);
  const numbers = [...new Set(c.protocol.tiers.map((t) => t.number))].filter((n) => n >= reportFromTier);
  const meeting = meetingOf(c);
  const steps: ReportStep[] = numbers.map((n) => {
    const period = timeline.find((t) => t.number === n);
    const def = c.protocol.tiers.find((t) => (period ? t.key === period.key : t.number === n))!;
    const actions = period ? lines(c, n) : [];
    const actionIds = new Set(
      acceptedActions(c)
        .filter((a) => actionTier(c, a) === n)
        .map((a) => a.id),
    );
    return {
      number: n,
      title: period?.title ?? def.title,
      clause: def.clause,
      conductedAs: def.conductedAs?.length
        ? `${def.conductedAs.map((f) => CONDUCTED_AS_LABELS[f]).join(' or ')}${heldAsAt(c, n) ? `; held as ${heldAsAt(c, n)}` : ''}`
        : null,
      reached: !!period,
      enteredAt: period?.enteredAt ?? null,
      dueAt: period?.dueAt ?? null,
      breachedAt: period?.breachedAt ?? null,
      leftAt: period?.leftAt ?? null,
      actions,
      plan: c.planItems
        .filter((p) => actionIds.has(p.actionId))
        .map((p) => ({
          what: p.what,
          owner: p.ownerPerson ? `${p.ownerPerson.name} (${p.ownerAgency.name})` : p.ownerAgency.name,
          dueAt: p.dueAt,
          status: p.status,
        })),
      meeting: meeting && meeting.tier === n ? meeting : null,
    };
  });
  const reportTiers = new Set(numbers);
  const reportedBy = new Map<string, { name: string; role: string; agency: string | null }>();
  for (const a of acceptedActions(c)) {
    if (!reportTiers.has(actionTier(c, a))) continue;
    if (a.role === 'head-of-service' || a.role === c.protocol.finalDecision.by) {
      reportedBy.set(`${a.person.id}|${a.role}`, {
        name: a.person.name,
        role: a.role,
        agency: a.agency?.name ?? null,
      });
    }
  }
  const decision = decisionOf(c);
  return {
    ...env,
    report: {
      to: c.partnership.name,
      reportFromTier,
      raisingAgency: c.raisingAgency,
      receivingAgency: c.receivingAgency,
      category: { id: c.category, label: categoryLabel(c.protocol, c.category) },
      natureOfDispute: c.subject?.natureOfConcern ?? null,
      outcomesSought: c.subject?.outcomesSought ?? null,
      attemptsToResolve: timeline
        .filter((t) => t.number < reportFromTier)
        .map((t) => ({
          number: t.number,
          title: t.title,
          enteredAt: t.enteredAt,
          leftAt: t.leftAt,
          actions: lines(c, t.number),
        })),
      steps,
      decision,
      finalRoute: decision ? finalRouteOf(c) : null,
      outcome: outcomeOf(c),
      learning: learningOf(c),
      breaches: breachesOf(c),
      reportedBy: [...reportedBy.values()],
    },
  };
}

function actionTable(actions: ActionLine[]): SafeHtml {
  return table(
    ['Date', 'Who', 'Action', 'Recorded words'],
    actions.map((a) => [
      time(a.at),
      actorText(a.by, a.role, a.agency),
      a.action,
      a.text ? markup`<span class="prose">${a.text}</span>` : '—',
    ]),
    'No actions recorded',
  );
}

export function renderPartnershipReportHtml(doc: PartnershipReport): string {
  const r = doc.report;
  return casePage(doc, [
    section(
      'The disagreement',
      markup`<div class="grid2"><div>${field('To', r.to)}${field('Escalating agency', r.raisingAgency.name)}${field('Agency the concern is raised with', r.receivingAgency.name)}</div><div>${field(
        'Category',
        r.category.label,
      )}${field('Reported by', r.reportedBy.length ? r.reportedBy.map((p) => actorText(p.name, p.role, p.agency)).join('; ') : 'No head of service has acted yet')}</div></div>${markup`<h3>Nature of the dispute</h3>`}${prose(
        r.natureOfDispute,
      )}${markup`<h3>Outcomes sought</h3>`}${prose(r.outcomesSought)}`,
      { id: 'disagreement' },
    ),
    section(
      'Attempts to resolve before the report',
      r.attemptsToResolve.length
        ? r.attemptsToResolve.map(
            (t) =>
              markup`<h3>Tier ${t.number}: ${t.title}</h3><p class="small">From ${time(t.enteredAt)} to ${t.leftAt ? time(t.leftAt) : 'now'}</p>${actionTable(t.actions)}`,
          )
        : markup`<p class="empty">The case started at tier ${r.reportFromTier} or above.</p>`,
      { id: 'attempts' },
    ),
    ...r.steps.map((s) =>
      section(
        `Step ${s.number}: ${s.title}`,
        s.reached
          ? markup`<div class="grid2"><div>${field('Entered', time(s.enteredAt))}${field('Deadline', time(s.dueAt))}</div><div>${field('Deadline missed', s.breachedAt ? time(s.breachedAt) : 'No')}${field(
              'Left',
              s.leftAt ? time(s.leftAt) : 'Current step',
            )}</div></div>${s.conductedAs ? field('Conducted as', s.conductedAs) : ''}${s.meeting ? field('Meeting', markup`${s.meeting.kindLabel} on ${time(s.meeting.at)} (scheduled by ${s.meeting.scheduledBy ?? '—'})`) : ''}<h3>Plan of action</h3>${table(
              ['What', 'Who', 'By when', 'Status'],
              s.plan.map((p) => [
                markup`<span class="prose">${p.what}</span>`,
                p.owner,
                time(p.dueAt),
                p.status === 'done' ? 'Done' : 'Open',
              ]),
              'No plan agreed at this step',
            )}<h3>Discussion and actions</h3>${actionTable(s.actions)}`
          : markup`<p class="empty">Not reached.</p><p class="small">${s.clause}</p>`,
        { id: `step-${s.number}` },
      ),
    ),
    section(
      'Outcome',
      markup`${field('Status', r.outcome.label)}${field('Closed', r.outcome.closedAt ? time(r.outcome.closedAt) : NOT_CLOSED)}${
        r.decision
          ? markup`${field('Final and binding decision', markup`${time(r.decision.decidedAt)} by ${actorText(r.decision.chair.name, r.decision.chairRole)}${r.finalRoute ? markup` (${r.finalRoute.label})` : ''}`)}${prose(r.decision.text)}`
          : r.outcome.closedAt
            ? prose(r.outcome.statement)
            : ''
      }${field('Learning points', r.learning ? markup`Referred ${time(r.learning.at)} to the ${r.learning.subGroup}${r.learning.text ? markup`: ${r.learning.text}` : ''}` : 'None referred')}${field(
        'Deadlines missed',
        r.breaches.length
          ? r.breaches.map((b) => `tier ${b.tier} (due ${formatDate(b.dueAt)})`).join('; ')
          : 'None',
      )}`,
      { id: 'outcome' },
    ),
  ]);
}
