import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { actionUpdates, type UpdateActionKind } from '@resolve/contracts';
import { CLOSED_STATUSES, type Actor } from '@resolve/domain';
import {
  ActionRecordsRepository,
  DirectoryRepository,
  EscalationsRepository,
  PlanItemsRepository,
  type EscalationEntity,
  type UndeliveredAction,
} from '@resolve/persistence';
import type { AgencyRole, PartnershipRole } from '@resolve/protocols';
import { actorFor, caseRoles, managesPractitioner, type Caller } from '../auth/caller';
import { logger } from '../common/logger';
import { EscalationQueriesService } from './escalation-queries.service';
import { EscalationWorkflowGateway } from './escalation-workflow.gateway';
import { RELAY_INTERVAL_MS } from './workflow-start-relay';

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
 * is written `pending`, sent to its workflow, then marked with the answer; a note is claimed
 * (accepted) and then signalled. If the API dies in between, the record stays pending (the
 * update was perhaps accepted, perhaps never sent) or the note is claimed but perhaps never
 * signalled. At start-up and then every RELAY_INTERVAL_MS, for such records older than a minute:
 * - an update action: if the workflow's timeline has it, it is marked accepted; otherwise it is
 *   sent again under the same update id (Temporal de-duplicates updates by id, and the worker
 *   refuses an action id already applied) and marked with the answer;
 * - a note: if the workflow's history has its signal, it is marked accepted; otherwise it is
 *   claimed and signalled (Temporal does not de-duplicate signals; the history check, the claim
 *   and one reconciler at a time across replicas make sure it is signalled once).
 * So an action is applied exactly once, and no record stays pending.
 */
@Injectable()
export class ActionReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  /** Notes whose signal this process has seen in their history (not fetched again). */
  private readonly signalled = new Set<string>();

  constructor(
    private readonly actions: ActionRecordsRepository,
    private readonly escalations: EscalationsRepository,
    private readonly planItems: PlanItemsRepository,
    private readonly directory: DirectoryRepository,
    private readonly workflow: EscalationWorkflowGateway,
    private readonly queries: EscalationQueriesService,
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
          if (this.signalled.has(action.id)) continue;
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
    const actor = await this.actorOf(action, row);
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
    if (await this.workflow.noteSignalled(row.workflowId, action.id)) {
      if (action.outcome === 'pending') await this.actions.settle(action.id, 'accepted');
      this.signalled.add(action.id);
      return 'found-applied';
    }
    const actor = await this.actorOf(action, row);
    if ((CLOSED_STATUSES as readonly string[]).includes(row.status) || !actor) {
      await this.refuseNote(action);
      return 'abandoned';
    }
    // A retry of the request (same Idempotency-Key) that claimed it first signals it itself.
    if (action.outcome === 'pending' && !(await this.actions.claimAcceptance(action.id))) return 'waiting';
    // Signals are not de-duplicated: look again right before signalling. The request that
    // claimed the note may still be in flight and its signal land after the first look (or sit
    // buffered behind a workflow task, out of the history's sight); a second signal would add
    // the note twice.
    if (await this.workflow.noteReceived(row.workflowId, action.id)) {
      this.signalled.add(action.id);
      return 'found-applied';
    }
    const delivery = await this.workflow.addNote(row.workflowId, { actor, actionId: action.id });
    if (delivery === 'closed') {
      await this.actions.releaseNoteClaim(action.id, 'refused');
      return 'abandoned';
    }
    this.signalled.add(action.id);
    return 'delivered';
  }

  private async refuse(action: UndeliveredAction): Promise<void> {
    await this.actions.settle(action.id, 'refused');
    // A refused plan's items go, as when the engine refuses it during the request.
    if (action.kind === 'agree-plan') await this.planItems.deleteUnlessAccepted(action.id);
  }

  private async refuseNote(action: UndeliveredAction): Promise<void> {
    if (action.outcome === 'pending') await this.actions.settle(action.id, 'refused');
    else await this.actions.releaseNoteClaim(action.id, 'refused');
  }

  /**
   * The actor the API sent (or would have sent) with the action: the record's agency and role,
   * with the person's roles on that side and line management as the directory has them now
   * (what the worker checks). Null when the person is no longer in the case's partnership.
   */
  private async actorOf(action: UndeliveredAction, row: EscalationEntity): Promise<Actor | null> {
    const found = await this.directory.callerByPersonId(action.personId);
    if (!found || found.partnershipId !== row.partnershipId) return null;
    const caller: Caller = {
      personId: found.personId,
      partnershipId: found.partnershipId,
      agencyRoles: found.agencyRoles.map((r) => ({ agencyId: r.agencyId, role: r.role as AgencyRole })),
      partnershipRoles: found.partnershipRoles as PartnershipRole[],
    };
    const parties = await this.queries.actingParties(row);
    if (action.role === 'pending') return actorFor(caller, parties, 'agency');
    if (action.agencyId === null) {
      return {
        personId: caller.personId,
        agencyId: null,
        role: action.role as PartnershipRole,
        side: 'partnership',
        heldRoles: caseRoles(caller),
      };
    }
    const side =
      action.agencyId === row.raisingAgencyId
        ? 'raising'
        : action.agencyId === row.receivingAgencyId
          ? 'receiving'
          : null;
    if (!side) return null;
    const manages = managesPractitioner(caller.personId, parties, side);
    return {
      personId: caller.personId,
      agencyId: action.agencyId,
      role: action.role as AgencyRole,
      side,
      heldRoles: caller.agencyRoles.filter((r) => r.agencyId === action.agencyId).map((r) => r.role),
      ...(manages === undefined ? {} : { managesPractitioner: manages }),
    };
  }
}
