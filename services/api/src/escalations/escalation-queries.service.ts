import { Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import {
  availableActions,
  routeChoice,
  takesNewNotes,
  urgencyExplanation,
  type ActionKind,
  type Actor,
  type EscalationState,
} from '@resolve/domain';
import {
  ActionRecordsRepository,
  DirectoryRepository,
  EscalationEntity,
  EscalationsRepository,
  PlanItemsRepository,
  TimelineEventsRepository,
} from '@resolve/persistence';
import { getProtocol, getProtocolVersion, type Tier } from '@resolve/protocols';
import { actorFor, partnershipActorWithRole, type Caller, type CaseParties } from '../auth/caller';
import { NeedToKnow } from '../auth/need-to-know';
import { ApiError, notFound } from '../common/api-error';
import type { ListEscalationsQuery } from './dto/list-escalations.query';

/** The two agencies and the partnership of a case: what decides who may see and act on it. */
export function partiesOf(row: EscalationEntity) {
  return {
    partnershipId: row.partnershipId,
    raisingAgencyId: row.raisingAgencyId,
    receivingAgencyId: row.receivingAgencyId,
  };
}

/**
 * The protocol, or null when this server no longer knows it. With a version, that version: a
 * case keeps the protocol it was raised under (its words, its steps), whatever came after.
 */
export function knownProtocol(id: string, version?: number) {
  try {
    return version === undefined ? getProtocol(id) : getProtocolVersion(id, version);
  } catch {
    return null;
  }
}

const DEFAULT_PAGE = 50;

/** A plan item's status as people should read it (see `planProposal` in the case view). */
function planItemStatus(state: EscalationState | null, itemId: string, stored: string): string {
  if (!state || (state.ruleset ?? 1) < 2) return stored;
  if (state.planProposal?.items.some((i) => i.itemId === itemId)) return 'proposed';
  if (!state.planItems.some((i) => i.itemId === itemId)) return 'superseded';
  return stored;
}

/**
 * The steps of the current tier, where its protocol gives it consecutive deadlines (`steps`):
 * each with its title, owner, what completes it, its due instant and where it stands. Null for
 * every other tier.
 */
function stepsOf(state: EscalationState | null, tier: Tier | undefined) {
  if (!state?.tier.steps || !tier?.steps) return null;
  return state.tier.steps.map((progress) => {
    const step = tier.steps!.find((s) => s.key === progress.key);
    return {
      key: progress.key,
      title: step?.title ?? progress.key,
      owner: { side: progress.side, roles: step?.owner.roles ?? [] },
      completedWhen: step?.completedWhen ?? null,
      asWritten: step?.timescale.asWritten ?? null,
      dueAt: progress.dueAt,
      explanation: progress.explanation,
      state: progress.completedAt
        ? 'complete'
        : progress.overdueAt
          ? 'overdue'
          : progress.dueAt
            ? 'due'
            : 'waiting-for-previous-step',
      completedAt: progress.completedAt,
    };
  });
}

/** Reading escalations: one case in full, and the list, each under the need-to-know rule. */
@Injectable()
export class EscalationQueriesService {
  constructor(
    private readonly escalations: EscalationsRepository,
    private readonly timeline: TimelineEventsRepository,
    private readonly planItems: PlanItemsRepository,
    private readonly needToKnow: NeedToKnow,
    private readonly directory: DirectoryRepository,
    private readonly actions: ActionRecordsRepository,
  ) {}

  /**
   * The case's parties with the recorded line managers of its two professionals: what an actor
   * needs where a step says "their line manager". Read fresh on every action (a line manager
   * can change while a case is open).
   */
  async actingParties(row: EscalationEntity): Promise<CaseParties> {
    const managers = await this.directory.lineManagersOf([row.raisingPersonId, row.receivingPersonId]);
    return {
      ...partiesOf(row),
      lineManagers: {
        raising: managers.get(row.raisingPersonId) ?? null,
        receiving: managers.get(row.receivingPersonId) ?? null,
      },
    };
  }

  /**
   * The row and how the caller stands on it, if the caller may see it (need to know: its
   * parties, auth/need-to-know.ts); otherwise 404, whether or not it exists.
   */
  async visibleRow(caller: Caller, id: string): Promise<{ row: EscalationEntity; actor: Actor }> {
    const row = await this.escalations.findById(id);
    const actor =
      row && (await this.needToKnow.mayRead(caller, row)) ? actorFor(caller, partiesOf(row)) : null;
    if (!row || !actor) throw notFound(`escalation ${id}`);
    return { row, actor };
  }

  async get(caller: Caller, id: string) {
    const { row } = await this.visibleRow(caller, id);
    const [events, planItems, notifications, correctionRecords, undeliveredNotes] = await Promise.all([
      this.timeline.forEscalation(id),
      this.planItems.forEscalation(id),
      // Delivery status of every email and SMS, for the timeline (no addresses: person ids only).
      this.timeline.notificationsOf(id),
      this.actions.correctionsOf(id),
      this.actions.notesInDelivery(id),
    ]);
    // Corrections are entries of their own, shown beside what they correct (the original is kept).
    const corrections = correctionRecords.map((c) => ({
      actionId: c.id,
      corrects: String(c.payload?.corrects ?? ''),
      at: c.createdAt,
      personId: c.personId,
      agencyId: c.agencyId,
      role: c.role,
      text: c.text,
      reason: typeof c.payload?.reason === 'string' ? c.payload.reason : null,
    }));
    const correctionsOf = (actionId: string | null) =>
      actionId ? corrections.filter((c) => c.corrects === actionId) : [];
    const protocol = knownProtocol(row.protocolId, row.protocolVersion);
    const state = row.state as EscalationState | null;
    return {
      id: row.id,
      reference: row.reference,
      partnershipId: row.partnershipId,
      protocol: {
        id: row.protocolId,
        version: row.protocolVersion,
        title: protocol?.title ?? row.protocolId,
      },
      category: row.category,
      status: row.status,
      tier: {
        number: row.tierNumber,
        key: row.tierKey,
        title: protocol?.tiers.find((t) => t.key === row.tierKey)?.title ?? row.tierKey,
      },
      immediateRisk: row.immediateRisk,
      urgent: row.urgent,
      // Whether the case is urgent, and where that comes from: the decision of the roles the
      // protocol names (urgencyDecidedBy), immediate risk, or neither yet.
      urgency:
        protocol && state
          ? {
              decided: state.urgency
                ? {
                    urgent: state.urgency.urgent,
                    at: state.urgency.at,
                    personId: state.urgency.by.personId,
                    side: state.urgency.by.side,
                    decidedAs: state.urgency.decidedAs,
                  }
                : null,
              explanation: urgencyExplanation(protocol, state),
            }
          : null,
      raisingAgencyId: row.raisingAgencyId,
      receivingAgencyId: row.receivingAgencyId,
      raisingPersonId: row.raisingPersonId,
      receivingPersonId: row.receivingPersonId,
      raisedAt: row.raisedAt,
      breaches: row.breaches,
      deadline: row.currentDueAt ? { dueAt: row.currentDueAt, explanation: row.deadlineExplanation } : null,
      extensionProposed: state?.extension
        ? { dueAt: state.extension.proposedDueAt, bySide: state.extension.proposedBy.side }
        : null,
      meeting: state?.tier.meeting ?? null,
      // How the current tier is held, where the protocol says (conductedAs): the formats a plan
      // or meeting names.
      tierFormats: protocol?.tiers.find((t) => t.key === row.tierKey)?.conductedAs ?? [],
      // A tier with consecutive deadlines (the form issued, then the reply): each step's owner,
      // due instant with how it was counted, and where it stands.
      steps: stepsOf(
        state,
        protocol?.tiers.find((t) => t.key === row.tierKey),
      ),
      workflow: { id: row.workflowId, started: row.workflowState === 'started' },
      closedAt: row.closedAt,
      // Under who-may-act a plan is proposed by one side and agreed by the other: an item of a
      // plan still waiting reads `proposed`, one of a plan replaced by a counter-proposal (or
      // left behind at an earlier tier) `superseded`.
      planProposal: state?.planProposal
        ? {
            bySide: state.planProposal.side,
            proposedAt: state.planProposal.proposedAt,
            awaitingSide: state.planProposal.side === 'raising' ? 'receiving' : 'raising',
          }
        : null,
      planItems: planItems.map((p) => ({
        id: p.id,
        ownerAgencyId: p.ownerAgencyId,
        ownerPersonId: p.ownerPersonId,
        what: p.description,
        dueAt: p.dueAt,
        status: planItemStatus(state, p.id, p.status),
      })),
      chair: state?.chair ? { personId: state.chair.personId, appointedAt: state.chair.at } : null,
      availableActions:
        protocol && state ? this.actionsFor(caller, await this.actingParties(row), row, state, protocol) : [],
      // Where people choose the next step's route (Lincolnshire step 4), the routes to name
      // when escalating, with the protocol's words for each.
      routeChoices:
        protocol && state
          ? (routeChoice(protocol, state, row.tierNumber + 1) ?? []).map((key) => ({
              key,
              title: protocol.finalRoutes.find((r) => r.key === key)?.title ?? key,
            }))
          : [],
      history: events.map(({ escalationId: _, ...event }) => {
        const corrected = correctionsOf(event.actionId);
        return corrected.length > 0 ? { ...event, corrections: corrected } : event;
      }),
      corrections,
      // A note is answered once it is recorded, and enters the timeline once its workflow has it
      // (in milliseconds, or after an outage): until then it is listed here, as its author wrote
      // it. `refused`: the case closed before the note reached its workflow; it stays in the case
      // record but not in the timeline.
      notesInDelivery: undeliveredNotes.map((n) => ({
        actionId: n.id,
        at: n.createdAt,
        personId: n.personId,
        agencyId: n.agencyId,
        role: n.role,
        text: n.text,
        delivery: n.outcome === 'accepted' ? 'on-its-way' : 'refused',
      })),
      notifications,
    };
  }

  /** What the caller may do now, as the engine answers it, on either of the sides they hold. */
  private actionsFor(
    caller: Caller,
    parties: CaseParties,
    row: EscalationEntity,
    state: EscalationState,
    protocol: NonNullable<ReturnType<typeof knownProtocol>>,
  ): ActionKind[] {
    const now = new Date();
    const actors = [
      actorFor(caller, parties, 'agency'),
      actorFor(caller, parties, 'partnership'),
      partnershipActorWithRole(caller, row.partnershipId, protocol.finalDecision.by),
    ].filter((a): a is Actor => a !== null);
    const kinds = new Set(actors.flatMap((actor) => availableActions(protocol, state, actor, now)));
    // The engine would take a note on a closed case; the API refuses it, so it is not offered.
    if (!takesNewNotes(row.status)) kinds.delete('add-note');
    return [...kinds];
  }

  async list(caller: Caller, query: ListEscalationsQuery) {
    const limit = query.limit ? Number(query.limit) : DEFAULT_PAGE;
    const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await this.escalations.list(this.needToKnow.listAccess(caller), {
      partnershipId: query.partnershipId,
      protocolId: query.protocolId,
      status: query.status,
      tier: query.tier ? Number(query.tier) : undefined,
      agencyId: query.agencyId,
      overdue: query.overdue === 'true',
      raisedFrom: query.raisedFrom ? new Date(query.raisedFrom).toISOString() : undefined,
      raisedTo: query.raisedTo ? new Date(query.raisedTo).toISOString() : undefined,
      after: cursor,
      limit,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({
        id: r.id,
        reference: r.reference,
        partnershipId: r.partnershipId,
        protocolId: r.protocolId,
        category: r.category,
        status: r.status,
        tier: r.tierNumber,
        immediateRisk: r.immediateRisk,
        raisingAgencyId: r.raisingAgencyId,
        receivingAgencyId: r.receivingAgencyId,
        raisedAt: r.raisedAt,
        dueAt: r.currentDueAt,
        breaches: r.breaches,
      })),
      nextCursor: rows.length > limit && last ? encodeCursor(last.raisedAt, last.id) : null,
    };
  }
}

function encodeCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([new Date(at).toISOString(), id])).toString('base64url');
}

/** The position a cursor this API returned stands for; anything else is the client's mistake. */
export function decodeCursor(cursor: string): { raisedAt: string; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof at !== 'string' || Number.isNaN(Date.parse(at)) || typeof id !== 'string' || !isUUID(id))
      throw new Error();
    const instant = new Date(at).toISOString(); // what Date.parse accepts, Postgres may not
    if (!/^\d{4}-/.test(instant)) throw new Error();
    return { raisedAt: instant, id };
  } catch {
    throw new ApiError('validation-failed', 'cursor: not a cursor this API returned');
  }
}
