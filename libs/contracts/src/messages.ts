import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ActionKind, EscalationAction } from '@resolve/domain';
import type { EscalationSnapshot, EscalationSummary } from './escalation';

/**
 * Human actions are Updates: the validator refuses at once, with the protocol's reason, what the
 * protocol does not allow now, and nothing changes; the answer is the escalation after the action.
 * One update per action, named after it, so the Temporal UI's history reads like the case.
 */
type ActionArgs<K extends ActionKind> = Omit<Extract<EscalationAction, { kind: K }>, 'kind'>;

function actionUpdate<K extends ActionKind>(kind: K) {
  return defineUpdate<EscalationSummary, [ActionArgs<K>]>(kind);
}

export const actionUpdates = {
  acknowledge: actionUpdate('acknowledge'),
  respond: actionUpdate('respond'),
  'agree-plan': actionUpdate('agree-plan'),
  'accept-plan': actionUpdate('accept-plan'),
  'complete-plan-item': actionUpdate('complete-plan-item'),
  resolve: actionUpdate('resolve'),
  escalate: actionUpdate('escalate'),
  'flag-immediate-risk': actionUpdate('flag-immediate-risk'),
  'propose-extension': actionUpdate('propose-extension'),
  'accept-extension': actionUpdate('accept-extension'),
  'decline-extension': actionUpdate('decline-extension'),
  'schedule-meeting': actionUpdate('schedule-meeting'),
  'record-decision': actionUpdate('record-decision'),
  'refer-learning': actionUpdate('refer-learning'),
  'appoint-chair': actionUpdate('appoint-chair'),
  'set-protective-deadline': actionUpdate('set-protective-deadline'),
  'complete-step': actionUpdate('complete-step'),
  'record-outcome': actionUpdate('record-outcome'),
  'decide-urgency': actionUpdate('decide-urgency'),
  withdraw: actionUpdate('withdraw'),
} as const;

export type UpdateActionKind = keyof typeof actionUpdates;

/** A note needs no answer: a signal. */
export const addNoteSignal = defineSignal<[ActionArgs<'add-note'>]>('add-note');

/** The bank-holiday data changed: open deadlines are recomputed and the change recorded. */
export const calendarChangedSignal = defineSignal<[{ version: string }]>('calendar-changed');

export const summaryQuery = defineQuery<EscalationSummary>('summary');
export const snapshotQuery = defineQuery<EscalationSnapshot>('snapshot');
