import { Inject, Injectable } from '@nestjs/common';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  actionUpdates,
  addNoteSignal,
  ESCALATION_WORKFLOW_TYPE,
  snapshotQuery,
  TASK_QUEUES,
  type EscalationSummary,
  type EscalationWorkflowInput,
  type UpdateActionKind,
} from '@resolve/contracts';
import type { Actor } from '@resolve/domain';

export const TEMPORAL_CLIENT = Symbol('TEMPORAL_CLIENT');

/** What the workflow said to an action. Anything else (Temporal unreachable, ...) is thrown. */
export type WorkflowActionAnswer =
  | { outcome: 'accepted'; summary: EscalationSummary }
  /** The engine refused it, with its reason code and a message for the person who tried. */
  | { outcome: 'refused'; code: string; message: string }
  /** The workflow has finished (or never existed): the case takes no more actions. */
  | { outcome: 'closed' };

/** What the API sends with every action: who, which record holds its text, which request. */
export interface ActionEnvelope {
  actor: Actor;
  actionId: string;
  correlationId?: string;
}

/**
 * The one place that talks to Temporal about escalations: starting a case's workflow, its
 * actions (updates, de-duplicated by their id) and notes (signals), and what Temporal's errors
 * mean for the API.
 */
@Injectable()
export class EscalationWorkflowGateway {
  constructor(@Inject(TEMPORAL_CLIENT) private readonly temporal: Client) {}

  /**
   * Starts the workflow under its id. 'already-started' when a workflow has held that id
   * (the id stays reserved, so a second start for the same escalation is refused, not repeated).
   */
  async start(workflowId: string, input: EscalationWorkflowInput): Promise<'started' | 'already-started'> {
    try {
      await this.temporal.workflow.start(ESCALATION_WORKFLOW_TYPE, {
        taskQueue: TASK_QUEUES.escalations,
        workflowId,
        args: [input],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
      return 'started';
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return 'already-started';
      throw err;
    }
  }

  /**
   * Sends a human action as a workflow update. The update id is the action's id: Temporal
   * de-duplicates updates by id, so a retried request is not applied twice.
   */
  async act(
    workflowId: string,
    kind: UpdateActionKind,
    envelope: ActionEnvelope,
    args: Record<string, unknown> = {},
  ): Promise<WorkflowActionAnswer> {
    try {
      const summary: EscalationSummary = await this.temporal.workflow
        .getHandle(workflowId)
        .executeUpdate(actionUpdates[kind] as never, {
          args: [{ ...envelope, ...args }] as never,
          updateId: envelope.actionId,
        });
      return { outcome: 'accepted', summary };
    } catch (err) {
      const refusal = refusalOf(err);
      if (refusal) return { outcome: 'refused', ...refusal };
      if (isFinished(err)) return { outcome: 'closed' };
      throw err;
    }
  }

  /**
   * Adds a note (a signal: Temporal does not de-duplicate these; the note relay sends each once,
   * and the workflow applies an action id once). 'closed': the workflow has completed.
   */
  async addNote(workflowId: string, envelope: ActionEnvelope): Promise<'delivered' | 'closed'> {
    try {
      await this.temporal.workflow.getHandle(workflowId).signal(addNoteSignal, envelope);
      return 'delivered';
    } catch (err) {
      if (isFinished(err)) return 'closed';
      throw err;
    }
  }

  /**
   * Whether the workflow's timeline holds the action (it was applied); null when no workflow
   * holds the id. For the action reconciler, which asks after a crash.
   */
  async applied(workflowId: string, actionId: string): Promise<boolean | null> {
    try {
      // A query is answered for a closed workflow too (its history is replayed), so an action
      // that closed the case is found.
      const state = await this.temporal.workflow.getHandle(workflowId).query(snapshotQuery);
      return state.timeline.some((entry) => entry.actionId === actionId);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
  }
}

/** The engine's refusal, as the workflow's update validator reports it. */
function refusalOf(err: unknown): { code: string; message: string } | null {
  if (!(err instanceof WorkflowUpdateFailedError)) return null;
  const cause = err.cause;
  if (cause instanceof ApplicationFailure && cause.type === 'ActionRefused') {
    return { code: String(cause.details?.[0] ?? 'refused'), message: cause.message };
  }
  return null;
}

/** No workflow under the id, or its run has completed. */
function isFinished(err: unknown): boolean {
  if (err instanceof WorkflowNotFoundError) return true;
  const msg = String((err as Error)?.message ?? '');
  return /workflow execution already completed|already completed/i.test(msg);
}
