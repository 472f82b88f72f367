import type { EscalationStart, EscalationState, summarise } from '@resolve/domain';

/** Workflow input: ids and non-identifying facts only, plus the pinned protocol definition. */
export type EscalationWorkflowInput = EscalationStart;

export type EscalationSummary = ReturnType<typeof summarise>;

/** What the workflow returns when the escalation closes. */
export interface EscalationWorkflowResult {
  summary: EscalationSummary;
  closedAt: string | null;
}

export type EscalationSnapshot = EscalationState;
