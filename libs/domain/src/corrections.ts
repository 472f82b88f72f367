/**
 * Corrections to the case record (issue 13: the record is append-only, so a mistake is put right
 * by a new entry that names the one it corrects; the original stays as it was written).
 */

/** What a correction may name: an action's record on the case, or the case's subject details. */
export type CorrectionTarget =
  | {
      kind: 'action';
      /** The corrected record's kind, author and agency, and whether the engine took it. */
      actionKind: string;
      authorPersonId: string;
      authorAgencyId: string | null;
      outcome: 'pending' | 'accepted' | 'refused';
      hasText: boolean;
    }
  | {
      kind: 'subject';
      /** The agency that raised the case (and so recorded the subject's details). */
      raisingAgencyId: string;
    };

/** Who asks to correct: the person, and the agency they act for on this case (null: a partnership role). */
export interface Corrector {
  personId: string;
  agencyId: string | null;
}

export type CorrectionRefusalCode = 'not-on-record' | 'nothing-to-correct' | 'not-yours-to-correct';

export interface CorrectionRefusal {
  code: CorrectionRefusalCode;
  message: string;
}

/**
 * Whether this person may correct this entry. The author may correct their own entry, and so may
 * anyone acting for the author's agency on the case (a colleague or manager putting the agency's
 * record right); the partnership's roles (acting for no agency) may correct any entry. Another
 * agency's entry is theirs to correct: disagreeing with it is a note, not a correction. Only what
 * is on the record can be corrected: an action the engine took (a refused or undelivered one is
 * not part of the case) that has words to correct.
 */
export function correctionRefusal(target: CorrectionTarget, by: Corrector): CorrectionRefusal | null {
  if (target.kind === 'subject') {
    if (by.agencyId !== null && by.agencyId !== target.raisingAgencyId) {
      return {
        code: 'not-yours-to-correct',
        message:
          "the subject's details were recorded by the raising agency; only it or the partnership's roles correct them",
      };
    }
    return null;
  }
  if (target.outcome !== 'accepted') {
    return {
      code: 'not-on-record',
      message: `that ${target.actionKind} was ${target.outcome === 'refused' ? 'refused' : 'not taken yet'}, so it is not part of the case record`,
    };
  }
  if (!target.hasText) {
    return { code: 'nothing-to-correct', message: `that ${target.actionKind} has no words to correct` };
  }
  const sameAuthor = by.personId === target.authorPersonId;
  const sameAgency = by.agencyId !== null && by.agencyId === target.authorAgencyId;
  if (!sameAuthor && !sameAgency && by.agencyId !== null) {
    return {
      code: 'not-yours-to-correct',
      message: "another agency's entry is theirs to correct; add a note to say what you disagree with",
    };
  }
  return null;
}
