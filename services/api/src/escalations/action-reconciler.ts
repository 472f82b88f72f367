import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { actionUpdates, type UpdateActionKind } from '@resolve/contracts';
import { takesNewNotes } from '@resolve/domain';
import {
  ActionRecordsRepository,
  EscalationsRepository,
  PlanItemsRepository,
  type EscalationEntity,
  type UndeliveredAction,
} from '@resolve/persistence';
import { logger } from '../common/logger';
import { EscalationWorkflowGateway } from './escalation-workflow.gateway';
import { NoteRelay } from './note-relay';
import { RecordedActors } from './recorded-actor';
import { RELAY_INTERVAL_MS } from './relay-interval';

/** An action younger than this may still be on its way (its request is in flight): left alone. */
export const RECONCILE_AFTER_MS = 60_000;
/** Older actions are not looked at again: a week covers any outage the API could sit through. */
export const RECONCILE_WITHIN_MS = 7 * 24 * 3_600_000;

/** What the reconciler did with one action. */
export type Reconciled =
  /** the workflow had applied it (or has its note): the record now says so */
  | 'found-applied'
  /** it had never reached the workflow: delivered now, and accepted */
  | 'delivered'
  /** delivered now, and the engine refused it (the case had moved on) */
  | 'refused'
  /** the case had closed, or the action cannot be delivered: recorded as refused */
  | 'abandoned'
  /** nothing to do yet (its workflow has not started, or a retry claimed it first) */
  | 'waiting';

/**
 * Finishes what a crash of the API left between an action's record and its workflow. An action
 * is written `pending`, sent to its workflow, then marked with the answer. If the API dies in
 * between, the record stays pending (the update was perhaps accepted, perhaps never sent). At
 * start-up and then every RELAY_INTERVAL_MS, for such records older than a minute:
 * - an update action: if the workflow's timeline has it, it is marked accepted; otherwise it is
 *   sent again under the same update id (Temporal de-duplicates updates by id, and the worker
 *   refuses an action id already applied) and marked with the answer;
 * - a note still pending (its request died between its record and its claim): claimed and handed
 *   to the note relay, or refused if the case has closed. A claimed note is the relay's alone
 *   (note-relay.ts), which signals it once its answer is out.
 * So an action is applied exactly once, and no record stays pending.
 */
@Injectable()
export class ActionReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    private readonly actions: ActionRecordsRepository,
    private readonly escalations: EscalationsRepository,
    private readonly planItems: PlanItemsRepository,
    private readonly workflow: EscalationWorkflowGateway,
    private readonly actors: RecordedActors,
    private readonly notes: NoteRelay,
    @Inject(RELAY_INTERVAL_MS) private readonly intervalMs: number,
  ) {}

  onApplicationBootstrap() {
    // At start-up first: what the previous process left is finished before anything else waits.
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  onApplicationShutdown() {
    if (this.timer) clearInterval(this.timer);
  }

  /** One pass; what it did with each action it looked at, by id. */
  async tick(olderThanMs = RECONCILE_AFTER_MS): Promise<Map<string, Reconciled>> {
    const done = new Map<string, Reconciled>();
    if (this.running) return done;
    this.running = true;
    try {
      await this.actions.reconcilingExclusively(async () => {
        for (const action of await this.actions.awaitingDelivery(olderThanMs, RECONCILE_WITHIN_MS)) {
          try {
            const result = await this.reconcile(action);
            done.set(action.id, result);
            if (result !== 'waiting')
              logger.info('reconciled an action a crash had left', {
                escalationId: action.escalationId,
                actionId: action.id,
                kind: action.kind,
                result,
              });
          } catch (err) {
            // Temporal unreachable, say: the next pass tries again.
            logger.warn('could not reconcile an action yet', {
              escalationId: action.escalationId,
              actionId: action.id,
              kind: action.kind,
              error: String((err as Error).message),
            });
          }
        }
      });
    } catch (err) {
      logger.warn('reconciler pass failed', { error: String((err as Error).message) });
    } finally {
      this.running = false;
    }
    return done;
  }

  private async reconcile(action: UndeliveredAction): Promise<Reconciled> {
    const row = await this.escalations.findById(action.escalationId);
    // The start relay starts a pending case's workflow first; its actions wait for it.
    if (!row || row.workflowState !== 'started') return 'waiting';
    if (action.kind === 'add-note') return this.reconcileNote(action, row);
    // Only what the API sends as an update is delivered here; any other kind is not this loop's.
    if (!Object.hasOwn(actionUpdates, action.kind)) return 'waiting';
    return this.reconcileUpdate(action, row);
  }

  private async reconcileUpdate(action: UndeliveredAction, row: EscalationEntity): Promise<Reconciled> {
    const applied = await this.workflow.applied(row.workflowId, action.id);
    if (applied) {
      await this.actions.settle(action.id, 'accepted');
      return 'found-applied';
    }
    const args = action.payload?.args;
    const actor = await this.actors.actorOf(action, row);
    if (applied === null || !actor || typeof args !== 'object' || args === null) {
      // No workflow, a person no longer in the partnership, or a record written before its
      // arguments were kept: it cannot be delivered as it was asked.
      await this.refuse(action);
      return 'abandoned';
    }
    if (action.role === 'pending') {
      // A plan agreement's placeholder whose request died before the actor was filled in.
      await this.actions.recordRequested(
        { ...action, agencyId: actor.agencyId, role: actor.role, text: null },
        { requestId: `reconcile:${action.id}`, partnershipId: row.partnershipId },
      );
    }
    // The same update id as the first attempt: an update Temporal already took is not applied again.
    const answer = await this.workflow.act(
      row.workflowId,
      action.kind as UpdateActionKind,
      { actor, actionId: action.id },
      args as Record<string, unknown>,
    );
    if (answer.outcome === 'accepted') {
      await this.actions.settle(action.id, 'accepted');
      return 'delivered';
    }
    await this.refuse(action);
    return answer.outcome === 'refused' ? 'refused' : 'abandoned';
  }

  private async reconcileNote(action: UndeliveredAction, row: EscalationEntity): Promise<Reconciled> {
    // The row decides, as for the request: a closed case takes no more notes.
    if (!takesNewNotes(row.status)) {
      await this.actions.settle(action.id, 'refused');
      return 'abandoned';
    }
    // A retry of the request (same Idempotency-Key) that claimed it first hands it to the relay itself.
    if (!(await this.actions.claimAcceptance(action.id))) return 'waiting';
    const relayed = await this.notes.relay(action.id);
    return relayed === 'signalled' ? 'delivered' : relayed === 'refused' ? 'abandoned' : 'waiting';
  }

  private async refuse(action: UndeliveredAction): Promise<void> {
    await this.actions.settle(action.id, 'refused');
    // A refused plan's items go, as when the engine refuses it during the request.
    if (action.kind === 'agree-plan') await this.planItems.deleteUnlessAccepted(action.id);
  }
}
