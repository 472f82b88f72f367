import {
  acceptedActions,
  actionLabel,
  outcomeOf,
  tierDefinition,
  tierTimeline,
  type CaseRecord,
} from '../model/case-record';
import { actorText, casePage, envelope, type DocumentEnvelope } from './common';
import { field, formatDate, markup, prose, section, signatureLines, table, time } from './html';

/**
 * Sutton LSCP Appendix B, "LSCP Escalation Referral Form", field by field. The one record that
 * carries the child's or children's names and dates of birth (escalation_subject), for the
 * people entitled to see the case.
 */
export interface ReferralForm extends DocumentEnvelope<'referral-form'> {
  form: {
    /** "Mosaic ID no." */
    mosaicId: string | null;
    /** "Name of child/ children" and "Date of birth". */
    children: { name: string; dateOfBirth: string | null }[];
    /** "Name of practitioner and agency with which there is a concern". */
    practitionersOfConcern: { name: string; agency: string }[];
    /** "Brief description of nature of concern". */
    natureOfConcern: string;
    /** "Outcomes sought". */
    outcomesSought: string;
    /** "Actions agreed by safeguarding advisor (to be completed by referring SA)". */
    actionsAgreedBySafeguardingAdvisor: { at: string; by: string; action: string; text: string }[];
    /** "Should the Head of Service be contacted? Yes No" */
    headOfServiceContacted: { answer: 'yes' | 'no'; basis: string };
    /** "Who will do what? What will be undertaken? By when?" */
    actions: {
      who: string;
      agency: string;
      what: string;
      byWhen: string;
      status: 'open' | 'done';
      agreedAt: string | null;
    }[];
    /** "Outcome achieved following completion of actions"; null while the case is open. */
    outcomeAchieved: { status: string; label: string; statement: string | null; at: string | null } | null;
    /** "Name of referrer", "Department". */
    referrer: { name: string; department: string; raisedAt: string };
    /** "Safeguarding advisor": the referring agency's safeguarding advisor who acted on the case. */
    safeguardingAdvisor: { name: string; department: string; firstActedAt: string } | null;
    /** The signature and date lines; the system records who acted and when, the paper carries the signatures. */
    signatures: {
      for: 'referrer' | 'safeguarding-advisor';
      name: string | null;
      recordedAt: string | null;
    }[];
  };
}

const SA_ROLE = 'safeguarding-lead';

export function buildReferralForm(c: CaseRecord, generatedAt: string): ReferralForm {
  if (!c.subject) throw new Error('the referral form needs the case subject');
  const env = envelope(
    c,
    'referral-form',
    'LSCP Escalation Referral Form',
    'Sutton LSCP escalation procedure, Appendix B (Escalation Referral Template); 004 sections 5 and 7.2',
    ['referral-form'],
    generatedAt,
  );
  const actions = acceptedActions(c);
  const saActions = actions.filter((a) => a.role === SA_ROLE && a.agency?.id === c.raisingAgency.id);
  const advisor = saActions[0] ?? null;

  const timeline = tierTimeline(c);
  const hosTier = timeline.find((t) => {
    const def = tierDefinition(c.protocol, t.key) ?? tierDefinition(c.protocol, t.number);
    return (
      !!def &&
      (def.roles.raising.includes('head-of-service') || def.roles.receiving.includes('head-of-service'))
    );
  });
  const hosAction = actions.find((a) => a.role === 'head-of-service');
  const headOfServiceContacted: ReferralForm['form']['headOfServiceContacted'] = hosTier
    ? {
        answer: 'yes',
        basis: `tier ${hosTier.number} (${hosTier.title}) entered ${formatDate(hosTier.enteredAt)}`,
      }
    : hosAction
      ? {
          answer: 'yes',
          basis: `${hosAction.person.name} (head of service, ${hosAction.agency?.name ?? 'agency'}) acted on ${formatDate(hosAction.at)}`,
        }
      : {
          answer: 'no',
          basis:
            'the case has not reached a tier for heads of service and no head of service has acted on it',
        };

  const outcome = outcomeOf(c);
  return {
    ...env,
    form: {
      mosaicId: c.subject.caseIdentifier,
      children: c.subject.people.map((p) => ({ name: p.name, dateOfBirth: p.dateOfBirth ?? null })),
      practitionersOfConcern: [{ name: c.raisedWith.name, agency: c.receivingAgency.name }],
      natureOfConcern: c.subject.natureOfConcern,
      outcomesSought: c.subject.outcomesSought,
      actionsAgreedBySafeguardingAdvisor: [
        ...saActions
          .filter((a) => a.text && a.text.trim())
          .map((a) => ({ at: a.at, by: a.person.name, action: actionLabel(a.kind), text: a.text!.trim() })),
        ...c.planItems
          .filter((p) => saActions.some((a) => a.id === p.actionId))
          .map((p) => ({
            at: p.agreedAt ?? '',
            by: p.agreedBy?.name ?? advisor?.person.name ?? '',
            action: 'Plan item agreed',
            text: `${p.what} (${p.ownerAgency.name}, by ${formatDate(p.dueAt)})`,
          })),
      ].sort((a, b) => a.at.localeCompare(b.at)),
      headOfServiceContacted,
      actions: c.planItems
        .slice()
        .sort((a, b) => a.dueAt.localeCompare(b.dueAt))
        .map((p) => ({
          who: p.ownerPerson?.name ?? p.ownerAgency.name,
          agency: p.ownerAgency.name,
          what: p.what,
          byWhen: p.dueAt,
          status: p.status,
          agreedAt: p.agreedAt,
        })),
      outcomeAchieved:
        c.status === 'open'
          ? null
          : {
              status: outcome.status,
              label: outcome.label,
              statement: outcome.statement,
              at: outcome.closedAt,
            },
      referrer: { name: c.raisedBy.name, department: c.raisingAgency.name, raisedAt: c.raisedAt },
      safeguardingAdvisor: advisor
        ? {
            name: advisor.person.name,
            department: advisor.agency?.name ?? c.raisingAgency.name,
            firstActedAt: advisor.at,
          }
        : null,
      signatures: [
        { for: 'referrer', name: c.raisedBy.name, recordedAt: c.raisedAt },
        { for: 'safeguarding-advisor', name: advisor?.person.name ?? null, recordedAt: advisor?.at ?? null },
      ],
    },
  };
}

export function renderReferralFormHtml(doc: ReferralForm): string {
  const f = doc.form;
  return casePage(
    doc,
    [
      section(
        'Child or children',
        markup`${field('Mosaic ID no.', f.mosaicId)}${table(
          ['Name of child / children', 'Date of birth'],
          f.children.map((ch) => [
            ch.name,
            ch.dateOfBirth
              ? markup`<time datetime="${ch.dateOfBirth}">${formatDate(ch.dateOfBirth)}</time>`
              : '—',
          ]),
          'No child recorded on the case',
        )}`,
        { id: 'children' },
      ),
      section(
        'Name of practitioner and agency with which there is a concern',
        table(
          ['Name', 'Agency'],
          f.practitionersOfConcern.map((p) => [p.name, p.agency]),
        ),
        { id: 'practitioner-of-concern' },
      ),
      section('Brief description of nature of concern', prose(f.natureOfConcern), {
        id: 'nature-of-concern',
      }),
      section('Outcomes sought', prose(f.outcomesSought), { id: 'outcomes-sought' }),
      section(
        'Actions agreed by safeguarding advisor',
        markup`<p class="small">To be completed by the referring safeguarding advisor.</p>${table(
          ['Date', 'By', 'Action', 'What was agreed'],
          f.actionsAgreedBySafeguardingAdvisor.map((a) => [
            time(a.at),
            a.by,
            a.action,
            markup`<span class="prose">${a.text}</span>`,
          ]),
          'No actions recorded by a safeguarding advisor of the referring agency',
        )}`,
        { id: 'sa-actions' },
      ),
      section(
        'Should the Head of Service be contacted?',
        markup`<p><span class="answer">${f.headOfServiceContacted.answer === 'yes' ? 'Yes' : 'No'}</span> <span class="small">(${f.headOfServiceContacted.basis})</span></p>`,
        { id: 'head-of-service' },
      ),
      section(
        'Identify the following',
        table(
          ['Who will do what?', 'What will be undertaken?', 'By when?', 'Status'],
          f.actions.map((a) => [
            actorText(a.who, null, a.who === a.agency ? null : a.agency),
            markup`<span class="prose">${a.what}</span>`,
            time(a.byWhen),
            a.status === 'done' ? 'Done' : 'Open',
          ]),
          'No plan of action recorded',
        ),
        { id: 'who-what-when' },
      ),
      section(
        'Outcome achieved following completion of actions',
        f.outcomeAchieved
          ? markup`${field('Outcome', markup`${f.outcomeAchieved.label} (${time(f.outcomeAchieved.at)})`)}${prose(f.outcomeAchieved.statement)}`
          : markup`<p class="empty">Not yet achieved: the case is open at tier ${doc.case.currentTier.number}.</p>`,
        { id: 'outcome' },
      ),
      section(
        'Referrer and safeguarding advisor',
        markup`<div class="grid2"><div>${field('Name of referrer', f.referrer.name)}${field('Department', f.referrer.department)}${signatureLines(
          `Raised in Resolve on ${formatDate(f.referrer.raisedAt)}`,
        )}</div><div>${field('Safeguarding advisor', f.safeguardingAdvisor?.name ?? null)}${field('Department', f.safeguardingAdvisor?.department ?? null)}${signatureLines(
          f.safeguardingAdvisor
            ? `First acted in Resolve on ${formatDate(f.safeguardingAdvisor.firstActedAt)}`
            : null,
        )}</div></div>`,
        { id: 'signatures' },
      ),
    ],
    { marking: 'OFFICIAL-SENSITIVE: PERSONAL DATA. Share only with people involved in this case.' },
  );
}
