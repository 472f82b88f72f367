import type { Actor } from './types';

/**
 * Every human action on a running escalation. Each carries the actor (who, which agency, which
 * role, which side) and the id of the Postgres record that holds its free text (the reason,
 * the note, the plan's wording): the workflow sees ids and facts, never prose about a person.
 */
interface Base {
  actor: Actor;
  actionId: string;
  /** The API request behind the action, carried to the notifications it causes (logs only). */
  correlationId?: string;
}

export type EscalationAction =
  | (Base & {
      kind: 'acknowledge';
      /** BSCB stage 4: the chair acknowledges "setting out a timescale for resolution". */
      resolveBy?: string;
    })
  | (Base & { kind: 'respond' })
  | (Base & {
      kind: 'agree-plan';
      items: { itemId: string; ownerAgencyId: string; dueAt: string }[];
      /** How the tier was held: one of its `conductedAs` formats, required where it names them. */
      heldAs?: string;
    })
  | (Base & { kind: 'accept-plan' })
  | (Base & { kind: 'complete-plan-item'; itemId: string })
  | (Base & {
      kind: 'complete-step';
      /** One of the current tier's consecutive deadlines (`steps[].key`), done by its owner. */
      stepKey: string;
    })
  | (Base & { kind: 'resolve'; referLearning?: boolean })
  | (Base & {
      kind: 'escalate';
      /** Whether the person gave a reason (kept in Postgres); the rule needs one. */
      reasonGiven?: boolean;
      /** The branch of the next step, where the protocol leaves that choice to people. */
      route?: string;
    })
  | (Base & { kind: 'flag-immediate-risk' })
  | (Base & { kind: 'propose-extension'; dueAt: string })
  | (Base & { kind: 'accept-extension' })
  | (Base & { kind: 'decline-extension' })
  | (Base & {
      kind: 'schedule-meeting';
      meetingKind: string;
      at: string;
      /** How the tier is held: one of its `conductedAs` formats, required where it names them. */
      heldAs?: string;
    })
  | (Base & { kind: 'record-decision'; outcome?: string; referLearning?: boolean })
  | (Base & { kind: 'refer-learning' })
  | (Base & { kind: 'appoint-chair'; chairPersonId: string })
  | (Base & {
      kind: 'set-protective-deadline';
      /** The case's "timescale that protects the child from harm" (ISO instant), set or changed. */
      dueAt: string;
      /** Whether the person said why (kept in Postgres); the rule needs one. */
      reasonGiven?: boolean;
    })
  | (Base & {
      kind: 'record-outcome';
      /** One of the protocol's named closing outcomes (`closingOutcomes[].key`). */
      outcome: string;
      /** Whether the person gave its account (kept in Postgres); the rule needs one. */
      accountGiven?: boolean;
    })
  | (Base & {
      kind: 'decide-urgency';
      /** Urgent resolution required, or not (Lincolnshire step 4a or 4b), in the named roles' judgement. */
      urgent: boolean;
      /** Whether the person said why (kept in Postgres); the rule needs one. */
      reasonGiven?: boolean;
    })
  | (Base & { kind: 'withdraw' })
  | (Base & { kind: 'add-note' });

export type ActionKind = EscalationAction['kind'];

export const ACTION_KINDS: readonly ActionKind[] = [
  'acknowledge',
  'respond',
  'agree-plan',
  'accept-plan',
  'complete-plan-item',
  'complete-step',
  'resolve',
  'escalate',
  'flag-immediate-risk',
  'propose-extension',
  'accept-extension',
  'decline-extension',
  'schedule-meeting',
  'record-decision',
  'refer-learning',
  'appoint-chair',
  'set-protective-deadline',
  'record-outcome',
  'decide-urgency',
  'withdraw',
  'add-note',
];

/** An action the protocol does not allow now. The message is shown to the person who tried. */
export class ActionRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ActionRefused';
  }
}
