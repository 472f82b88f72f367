import {
  namedOutcomeOf,
  roleLabel,
  tierTitle,
  type CaseRecord,
  type NamedOutcomeFact,
} from '../model/case-record';
import { actorText, casePage, envelope, type DocumentEnvelope } from './common';
import { field, formatDate, markup, prose, section, signatureLines, time } from './html';

/**
 * The record of a case closed with one of its protocol's named outcomes (`closingOutcomes`):
 * which outcome, the clause it comes from, who recorded it in which role and at which tier, and
 * what was decided and why in their words. Sutton 7.3: the designated safeguarding lead does not
 * concur, so the conference decision stands with the dissenting views noted.
 */
export interface OutcomeRecord extends DocumentEnvelope<'outcome'> {
  record: { outcome: NamedOutcomeFact & { tierTitle: string } };
}

export function outcomeRecordNotYet(c: CaseRecord): string | null {
  if (namedOutcomeOf(c)) return null;
  return c.status === 'open'
    ? `escalation ${c.reference} is open: no outcome the protocol names has been recorded`
    : `escalation ${c.reference} closed as ${c.status}, not with an outcome the protocol names`;
}

export function buildOutcomeRecord(c: CaseRecord, generatedAt: string): OutcomeRecord {
  const outcome = namedOutcomeOf(c);
  if (!outcome) throw new Error(outcomeRecordNotYet(c) ?? 'no outcome');
  return {
    ...envelope(c, 'outcome', 'Record of the outcome', outcome.clause ?? outcome.title, [], generatedAt),
    record: { outcome: { ...outcome, tierTitle: tierTitle(c.protocol, outcome.tier) } },
  };
}

export function renderOutcomeRecordHtml(doc: OutcomeRecord): string {
  const o = doc.record.outcome;
  return casePage(doc, [
    section(
      'Outcome',
      markup`<p class="lead">${o.title}</p><div class="grid2"><div>${field('Recorded', time(o.recordedAt))}${field('By', actorText(o.by.name, o.role, o.agency?.name ?? null))}</div><div>${field('At tier', `${o.tier}: ${o.tierTitle}`)}${field('Role', roleLabel(o.role))}</div></div><h3>What was decided, and why</h3>${prose(o.text)}${o.clause ? markup`<p class="small">${o.clause}</p>` : ''}${signatureLines(`Recorded in Resolve by ${o.by.name} on ${formatDate(o.recordedAt)}`)}`,
      { id: 'outcome' },
    ),
  ]);
}
