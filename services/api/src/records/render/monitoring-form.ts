import {
  categoryLabel,
  decisionOf,
  finalRouteOf,
  learningOf,
  outcomeOf,
  recordRequiredAt,
  tierTimeline,
  type CaseRecord,
  type LearningFact,
} from '../model/case-record';
import { becauseLabel, casePage, envelope, type DocumentEnvelope } from './common';
import { field, markup, prose, section, table, time } from './html';

/**
 * BSCB monitoring form (003 section 3: "Once Stage 3 is reached the monitoring form should be
 * issued to detail the issues requiring resolution and recording the agreed outcome").
 */
export interface MonitoringForm extends DocumentEnvelope<'monitoring-form'> {
  form: {
    issuedFromTier: number;
    /** The protocol's own words on who is informed from which stage (BSCB: the Business Manager from stage 3). */
    escalationScope: string | null;
    issuedAt: string;
    /** "In all cases the BSCB Business Manager must be informed that a Stage 3 escalation has been made." */
    businessManagerInformedAt: string | null;
    preStage: string | null;
    issuesRequiringResolution: {
      category: { id: string; label: string };
      natureOfConcern: string | null;
      outcomesSought: string | null;
    };
    stages: {
      number: number;
      title: string;
      enteredAt: string;
      enteredBecause: string;
      dueAt: string | null;
      breachedAt: string | null;
      leftAt: string | null;
      endedBy: string | null;
    }[];
    actionsAgreed: { what: string; owner: string; dueAt: string; status: 'open' | 'done' }[];
    /** "how any outstanding issues will be pursued": the plan items still open. */
    outstandingIssues: { what: string; owner: string; dueAt: string }[];
    agreedOutcome: {
      status: string;
      label: string;
      statement: string | null;
      at: string | null;
      by: string[];
      route: string | null;
    } | null;
    learning: LearningFact | null;
  };
}

/** The tier from which the form is issued: where the protocol asks for it, else stage 3 (the BSCB rule). */
export function monitoringFormFromTier(c: CaseRecord): number {
  return recordRequiredAt(c.protocol, 'monitoring-form')[0]?.tier ?? 3;
}

/** Null when the form may be issued; otherwise why not, in words. */
export function monitoringFormNotYet(c: CaseRecord): string | null {
  const from = monitoringFormFromTier(c);
  const reached = Math.max(c.tierNumber, ...tierTimeline(c).map((t) => t.number));
  if (reached >= from) return null;
  return (
    `the monitoring form is issued from stage ${from} (BSCB procedure 003 section 3: "Once Stage 3 is reached the monitoring form should be issued"); ` +
    `escalation ${c.reference} has reached stage ${reached}`
  );
}

export function buildMonitoringForm(c: CaseRecord, generatedAt: string): MonitoringForm {
  const why = monitoringFormNotYet(c);
  if (why) throw new Error(why);
  const env = envelope(
    c,
    'monitoring-form',
    'Escalation monitoring form',
    'BSCB Escalation Procedures, section 3 (Further notes) and Stage 3; flowchart notes',
    ['monitoring-form'],
    generatedAt,
  );
  const from = monitoringFormFromTier(c);
  const timeline = tierTimeline(c);
  const issued = timeline.find((t) => t.number >= from);
  const informed = c.events.find(
    (e) => e.type === 'informed' && e.detail.partnershipRole === 'business-manager' && e.tier >= from,
  );
  const outcome = outcomeOf(c);
  const decision = decisionOf(c);
  const owner = (p: CaseRecord['planItems'][number]) =>
    p.ownerPerson ? `${p.ownerPerson.name} (${p.ownerAgency.name})` : p.ownerAgency.name;
  return {
    ...env,
    form: {
      issuedFromTier: from,
      escalationScope: c.protocol.escalationScope ?? null,
      issuedAt: issued?.enteredAt ?? c.raisedAt,
      businessManagerInformedAt: informed?.at ?? null,
      preStage: c.protocol.preStage?.title ?? null,
      issuesRequiringResolution: {
        category: { id: c.category, label: categoryLabel(c.protocol, c.category) },
        natureOfConcern: c.subject?.natureOfConcern ?? null,
        outcomesSought: c.subject?.outcomesSought ?? null,
      },
      stages: timeline.map((t) => ({
        number: t.number,
        title: t.title,
        enteredAt: t.enteredAt,
        enteredBecause: t.enteredBecause,
        dueAt: t.dueAt,
        breachedAt: t.breachedAt,
        leftAt: t.leftAt,
        endedBy: t.endedBy,
      })),
      actionsAgreed: c.planItems.map((p) => ({
        what: p.what,
        owner: owner(p),
        dueAt: p.dueAt,
        status: p.status,
      })),
      outstandingIssues: c.planItems
        .filter((p) => p.status === 'open')
        .map((p) => ({ what: p.what, owner: owner(p), dueAt: p.dueAt })),
      agreedOutcome:
        c.status === 'open'
          ? null
          : {
              status: outcome.status,
              label: outcome.label,
              statement: outcome.statement,
              at: outcome.closedAt,
              by: outcome.by,
              route: decision ? finalRouteOf(c).label : null,
            },
      learning: learningOf(c),
    },
  };
}

export function renderMonitoringFormHtml(doc: MonitoringForm): string {
  const f = doc.form;
  return casePage(doc, [
    section(
      'Issued',
      markup`<div class="grid2"><div>${field(`Stage ${f.issuedFromTier} reached`, time(f.issuedAt))}</div><div>${field('Business Manager informed', f.businessManagerInformedAt ? time(f.businessManagerInformedAt) : 'Not recorded')}</div></div>${f.escalationScope ? markup`<p class="small">${f.escalationScope}</p>` : ''}`,
      { id: 'issued' },
    ),
    section(
      'Issues requiring resolution',
      markup`${field('Category', f.issuesRequiringResolution.category.label)}<h3>Nature of the concern</h3>${prose(f.issuesRequiringResolution.natureOfConcern)}<h3>Outcomes sought</h3>${prose(
        f.issuesRequiringResolution.outcomesSought,
      )}`,
      { id: 'issues' },
    ),
    section(
      'Stages and dates',
      markup`${f.preStage ? markup`<p class="small">Before stage 1: ${f.preStage}.</p>` : ''}${table(
        ['Stage', 'Reached', 'Why', 'Response due', 'Missed', 'Left'],
        f.stages.map((s) => [
          markup`<strong>${s.number}</strong> ${s.title}`,
          time(s.enteredAt),
          becauseLabel(s.enteredBecause),
          time(s.dueAt),
          s.breachedAt ? time(s.breachedAt) : 'No',
          s.leftAt
            ? markup`${time(s.leftAt)}<div class="small">${becauseLabel(s.endedBy)}</div>`
            : 'Current stage',
        ]),
      )}`,
      { id: 'stages' },
    ),
    section(
      'Actions agreed',
      table(
        ['What', 'Who', 'By when', 'Status'],
        f.actionsAgreed.map((a) => [
          markup`<span class="prose">${a.what}</span>`,
          a.owner,
          time(a.dueAt),
          a.status === 'done' ? 'Done' : 'Open',
        ]),
        'No actions agreed',
      ),
      { id: 'actions' },
    ),
    section(
      'Agreed outcome',
      f.agreedOutcome
        ? markup`${field('Outcome', markup`${f.agreedOutcome.label}${f.agreedOutcome.route ? markup` (${f.agreedOutcome.route})` : ''}, ${time(f.agreedOutcome.at)}`)}${field('Confirmed by', f.agreedOutcome.by.join('; '))}${prose(
            f.agreedOutcome.statement,
          )}${markup`<h3>Outstanding issues and how they will be pursued</h3>`}${table(
            ['What', 'Who', 'By when'],
            f.outstandingIssues.map((o) => [
              markup`<span class="prose">${o.what}</span>`,
              o.owner,
              time(o.dueAt),
            ]),
            'None outstanding',
          )}`
        : markup`<p class="empty">No outcome agreed yet: the case is open at stage ${doc.case.currentTier.number}.</p>`,
      { id: 'agreed-outcome' },
    ),
    section(
      'Learning',
      f.learning
        ? markup`<p>Referred ${time(f.learning.at)} to the ${f.learning.subGroup}.</p>${f.learning.text ? prose(f.learning.text) : ''}`
        : markup`<p class="empty">No general issues referred for learning.</p>`,
      { id: 'learning' },
    ),
  ]);
}
