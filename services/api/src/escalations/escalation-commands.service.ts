import { createHash, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  escalationWorkflowId,
  type EscalationWorkflowInput,
  type UpdateActionKind,
} from '@resolve/contracts';
import {
  takesNewNotes,
  concernIdentifiedRefusal,
  correctionRefusal,
  entryRole,
  protectiveDeadlineRefusal,
  raiseRefusal,
  selectTier,
  tierEntryRefusal,
  type Actor,
  type CorrectionTarget,
  type RaiseRefusalCode,
} from '@resolve/domain';
import {
  ActionRecordsRepository,
  canonicalJson,
  CaseRecordChangeRefused,
  DirectoryRepository,
  EscalationsRepository,
  PlanItemsRepository,
  type EscalationEntity,
} from '@resolve/persistence';
import { AGENCY_ADMINISTRATION_ROLES, listProtocols, type Protocol } from '@resolve/protocols';
import { actorFor, partnershipActorWithRole, type Caller } from '../auth/caller';
import { ApiError, notFound } from '../common/api-error';
import { isNulTextError } from '../common/api-exception.filter';
import { logger } from '../common/logger';
import { currentRequestId } from '../common/request-context';
import type { RaiseEscalationDto } from './dto/raise-escalation.dto';
import { EscalationQueriesService, knownProtocol } from './escalation-queries.service';
import { EscalationWorkflowGateway, type ActionEnvelope } from './escalation-workflow.gateway';
import { NoteRelay } from './note-relay';
import { ProtocolCatalogue } from '../protocols/protocol-catalogue';

export const IMMEDIATE_RISK_REMINDER =
  'A professional disagreement is not a child protection or adult safeguarding referral. ' +
  'If a child or adult is at immediate risk of harm, make the referral through the statutory route now as well.';

/** A stable id from a client's Idempotency-Key, so a retried request finds its first attempt. */
function idempotentUuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** What a request asked for, as a fingerprint kept with its record (no text of it is stored twice). */
function requestFingerprint(request: unknown): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

/** Postgres unique_violation, as TypeORM passes it on. */
function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string } } | null;
  return e?.code === '23505' || e?.driverError?.code === '23505';
}

/** The raise's timing and entry fields as its record keeps them (instants, never the reason). */
function raiseTimingPayload(dto: RaiseEscalationDto): Record<string, string | number> {
  return {
    ...(dto.startAtTier && dto.startAtTier > 1 ? { startAtTier: dto.startAtTier } : {}),
    ...(dto.concernIdentifiedAt
      ? { concernIdentifiedAt: new Date(dto.concernIdentifiedAt).toISOString() }
      : {}),
    ...(dto.protectiveDeadline ? { protectiveDeadline: new Date(dto.protectiveDeadline).toISOString() } : {}),
  };
}

/** The domain's raise refusal in the API's words: which field is wrong, and why. */
function raiseRefusalMessage(code: RaiseRefusalCode, dto: RaiseEscalationDto, protocol: Protocol): string {
  switch (code) {
    case 'raising-agency-unknown':
      return `raisingAgencyId: no agency "${dto.raisingAgencyId}"`;
    case 'receiving-agency-unknown':
      return `receivingAgencyId: no agency "${dto.receivingAgencyId}"`;
    case 'same-agency':
      return 'receivingAgencyId: must be another agency; disagreements inside one agency use its internal protocol';
    case 'different-partnerships':
      return 'receivingAgencyId: both agencies must belong to the same partnership';
    case 'protocol-of-another-partnership':
      return `protocolId: ${protocol.id} is ${protocol.partnership.name}'s protocol, not this partnership's`;
    case 'unknown-category':
      return `category: must be one of ${protocol.categories.map((c) => c.id).join(', ')}`;
    case 'demo-not-enabled':
      return 'protocolId: the demonstration protocol (two-minute steps) is not enabled for this partnership';
  }
}

/** Postgres foreign_key_violation: a referenced row (here, an item's owner agency) does not exist. */
function isForeignKeyViolation(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string } } | null;
  return e?.code === '23503' || e?.driverError?.code === '23503';
}

/** The SQLSTATE of a database error, the only part of it that is logged (its message may quote a row). */
function sqlStateOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * A write to the case record (an action's record with its audit row, in one transaction). When
 * it fails, nothing of it was kept and nothing was sent to the workflow: the caller may try
 * again (503). A change the case record refuses (its triggers) is a conflict (409). Unique and
 * foreign-key violations are the callers' to explain, text with NUL the exception filter's.
 */
async function recordingCase<T>(what: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    // Text Postgres cannot store (NUL) is the client's mistake: the exception filter answers 400.
    if (
      err instanceof ApiError ||
      isUniqueViolation(err) ||
      isForeignKeyViolation(err) ||
      isNulTextError(err)
    )
      throw err;
    if (err instanceof CaseRecordChangeRefused)
      throw new ApiError('conflict', `the case record cannot be changed this way: ${err.message}`);
    logger.error('case record write failed', { what, sqlState: sqlStateOf(err) });
    throw new ApiError('unavailable', `the ${what} could not be recorded, so nothing was done; try again`);
  }
}

const closedRefusal = (status: string) =>
  new ApiError('action-refused', `the escalation is ${status}; no further actions are possible`, {
    reason: 'closed',
  });

export interface ActOptions {
  idempotencyKey?: string;
  /** The fingerprint of the whole request, when the caller has more than `body` (a plan's wording). */
  fingerprint?: string;
  prefer?: 'agency' | 'partnership';
  requestId?: string;
  actionId?: string;
}

/**
 * What changes an escalation: raising it (row first, then its workflow), and every human
 * action (its record in Postgres first, then the workflow decides).
 */
@Injectable()
export class EscalationCommandsService {
  constructor(
    private readonly escalations: EscalationsRepository,
    private readonly actions: ActionRecordsRepository,
    private readonly planItems: PlanItemsRepository,
    private readonly directory: DirectoryRepository,
    private readonly workflow: EscalationWorkflowGateway,
    private readonly queries: EscalationQueriesService,
    private readonly catalogue: ProtocolCatalogue,
    private readonly notes: NoteRelay,
  ) {}

  // ------------------------------------------------------------------------------------------
  // Raise

  async raise(caller: Caller, dto: RaiseEscalationDto, idempotencyKey?: string) {
    // A protocol file the partnership has just dropped in its folder is offered at once.
    this.catalogue.refresh();
    const protocol = this.protocolOr400(dto.protocolId);
    const [raising, receiving] = await Promise.all([
      this.directory.agency(dto.raisingAgencyId),
      this.directory.agency(dto.receivingAgencyId),
    ]);
    const refusal = raiseRefusal({
      protocol,
      raisingAgency: raising,
      receivingAgency: receiving,
      category: dto.category,
      demoProtocolEnabled: raising ? await this.directory.demoProtocolEnabled(raising.partnershipId) : false,
    });
    if (refusal) throw new ApiError('validation-failed', raiseRefusalMessage(refusal, dto, protocol));
    if (!raising || !receiving) throw new Error('the raise rules let a missing agency through');
    // Someone who only administers the agency (webhooks) has no part in its cases: not a receiver.
    const receiverWorksThere = (await this.directory.agencyRoleHolders(receiving.id)).some(
      (holder) =>
        holder.personId === dto.receivingPersonId &&
        !(AGENCY_ADMINISTRATION_ROLES as readonly string[]).includes(holder.role),
    );
    if (!receiverWorksThere)
      throw new ApiError(
        'validation-failed',
        `receivingPersonId: ${dto.receivingPersonId} holds no role in the cases of agency ${dto.receivingAgencyId}`,
      );
    const raisedBy = actorFor(caller, {
      partnershipId: raising.partnershipId,
      raisingAgencyId: raising.id,
      receivingAgencyId: '\u0000',
    });
    if (!raisedBy || raisedBy.side !== 'raising') {
      throw new ApiError(
        'forbidden',
        `you can raise escalations only for an agency you work in; you hold no role in ${raising.id}`,
      );
    }

    const escalationId = idempotencyKey
      ? idempotentUuid('raise', caller.personId, idempotencyKey)
      : randomUUID();
    const actionId = idempotencyKey
      ? idempotentUuid('raise-action', caller.personId, idempotencyKey)
      : randomUUID();
    // The tier the case starts at: the fast track's for immediate risk, or a later tier the
    // raiser's role may enter (the workflow agrees: engine.startEscalation).
    const callerRoles = raisedBy.heldRoles?.length ? raisedBy.heldRoles : [raisedBy.role];
    const entry = dto.startAtTier ? tierEntryRefusal(protocol, dto.startAtTier, callerRoles) : null;
    if (entry) {
      throw new ApiError(
        entry.code === 'not-an-entry-role' ? 'forbidden' : 'validation-failed',
        `startAtTier: ${entry.message}`,
      );
    }
    const startNumber = Math.max(
      dto.immediateRisk ? protocol.fastTrack.startAtTier : 1,
      dto.startAtTier ?? 1,
    );
    const firstTier = selectTier(protocol, startNumber, dto.immediateRisk ?? false);
    const raisedAt = new Date();
    this.assertRaiseTiming(dto, protocol, firstTier, callerRoles, raisedAt);
    // Entering a later tier, the raiser acts in the role that tier names for entry.
    const raisedAs =
      (dto.startAtTier ?? 1) > 1 ? (entryRole(firstTier, callerRoles) ?? raisedBy.role) : raisedBy.role;

    // Step 1: the row, in one transaction with the subject and the raising action. It is
    // 'pending' until its workflow is confirmed started; the relay finishes a start that a
    // crash interrupted, and the workflow id makes that start idempotent.
    const fingerprint = idempotencyKey ? requestFingerprint({ raise: dto }) : undefined;
    if (idempotencyKey) await this.assertSameRequest(actionId, fingerprint!, idempotencyKey);
    if (!(await this.escalations.findById(escalationId))) {
      try {
        await recordingCase('escalation', () =>
          this.escalations.insertRaised(
            {
              escalation: {
                id: escalationId,
                reference: dto.reference,
                partnershipId: raising.partnershipId,
                protocolId: protocol.id,
                protocolVersion: protocol.version,
                category: dto.category,
                tierNumber: firstTier.number,
                tierKey: firstTier.key,
                immediateRisk: dto.immediateRisk ?? false,
                raisingAgencyId: raising.id,
                receivingAgencyId: receiving.id,
                raisingPersonId: caller.personId,
                receivingPersonId: dto.receivingPersonId,
                raisedAt,
                workflowId: escalationWorkflowId(escalationId),
              },
              subject: {
                escalationId,
                subjectKind: dto.subject?.kind ?? 'none',
                people: dto.subject?.people ?? [],
                caseIdentifier: dto.subject?.caseIdentifier ?? null,
                natureOfConcern: dto.natureOfConcern,
                outcomesSought: dto.outcomesSought,
              },
              raiseAction: {
                id: actionId,
                escalationId,
                kind: 'raise',
                personId: caller.personId,
                agencyId: raisedBy.agencyId,
                role: raisedAs,
                // Why the clock starts before the raise: free text, so Postgres only.
                text: dto.concernIdentifiedAt ? (dto.concernIdentifiedReason ?? null) : null,
                payload: {
                  protocolId: protocol.id,
                  version: protocol.version,
                  ...raiseTimingPayload(dto),
                  ...(fingerprint ? { requestHash: fingerprint } : {}),
                },
                outcome: 'accepted',
              },
            },
            { requestId: currentRequestId() ?? null },
          ),
        );
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        // A concurrent retry with the same Idempotency-Key wrote the row first: answer as it does.
        const sameKeyRaisedMeanwhile = idempotencyKey && (await this.escalations.findById(escalationId));
        if (!sameKeyRaisedMeanwhile) {
          throw new ApiError(
            'conflict',
            `reference ${dto.reference} is already used in partnership ${raising.partnershipId}`,
          );
        }
      }
    }
    // Step 2: the workflow.
    await this.startWorkflow(escalationId);
    const view = await this.queries.get(caller, escalationId);
    return dto.immediateRisk ? { ...view, notice: IMMEDIATE_RISK_REMINDER } : view;
  }

  /** Starts the workflow of a pending row. Idempotent: used by raise and by the relay. */
  async startWorkflow(escalationId: string): Promise<void> {
    const row = await this.escalations.findById(escalationId);
    if (!row) throw notFound('escalation');
    if (row.workflowState === 'started') return;
    // The version the case was raised under, even if a newer one was added since.
    const protocol = knownProtocol(row.protocolId, row.protocolVersion);
    if (!protocol) {
      logger.error('protocol version of a pending case is unknown', {
        escalationId,
        protocolId: row.protocolId,
        protocolVersion: row.protocolVersion,
      });
      throw new ApiError(
        'unavailable',
        `protocol ${row.protocolId} v${row.protocolVersion} is not known to this server; the case cannot start yet`,
        { escalationId },
      );
    }
    const raiseAction = await this.actions.raiseActionOf(escalationId);
    if (!raiseAction) throw new Error(`escalation ${escalationId} has no raise action`);
    const timing = await this.raiseTimingOf(escalationId);
    const input: EscalationWorkflowInput = {
      escalationId: row.id,
      reference: row.reference,
      partnershipId: row.partnershipId,
      protocol,
      raisedAt: row.raisedAt.toISOString(),
      category: row.category,
      immediateRisk: row.immediateRisk,
      raisingAgencyId: row.raisingAgencyId,
      receivingAgencyId: row.receivingAgencyId,
      raisedBy: {
        personId: row.raisingPersonId,
        agencyId: raiseAction.agencyId,
        role: raiseAction.role as Actor['role'],
        side: 'raising',
      },
      actionId: raiseAction.id,
      correlationId: currentRequestId(),
      // Every case raised now runs under who-may-act (docs/protocols.md, "Who may act").
      rules: 2,
      // A plan or meeting names how its tier is held where the protocol says (conductedAs).
      tierFormatRequired: true,
      // Instants and a tier number only; the reason for an earlier start stays in Postgres.
      ...timing,
    };
    try {
      // The row's own workflow id: rows raised before the id scheme changed keep theirs.
      await this.workflow.start(row.workflowId, input);
    } catch {
      throw new ApiError(
        'unavailable',
        'the escalation is saved but its workflow could not be started yet; it will be started automatically',
        { escalationId },
      );
    }
    await this.escalations.markWorkflowStarted(escalationId);
  }

  /**
   * The raise's optional timing fields, checked by the domain's rules: every bad field named in
   * one 400, so a person can correct them all at once.
   */
  private assertRaiseTiming(
    dto: RaiseEscalationDto,
    protocol: Protocol,
    firstTier: Protocol['tiers'][number],
    callerRoles: NonNullable<Actor['heldRoles']>,
    raisedAt: Date,
  ): void {
    const problems: string[] = [];
    if (dto.concernIdentifiedAt !== undefined) {
      if (!dto.concernIdentifiedReason?.trim()) {
        problems.push('concernIdentifiedReason: give the reason the clock starts before the raise');
      }
      const refusal = concernIdentifiedRefusal(protocol, new Date(dto.concernIdentifiedAt), raisedAt);
      if (refusal) problems.push(`concernIdentifiedAt: ${refusal.message}`);
    } else if (dto.concernIdentifiedReason !== undefined) {
      problems.push('concernIdentifiedReason: only with concernIdentifiedAt');
    }
    if (dto.protectiveDeadline !== undefined) {
      const refusal = protectiveDeadlineRefusal(
        firstTier,
        callerRoles,
        new Date(dto.protectiveDeadline),
        raisedAt,
      );
      if (refusal) problems.push(`protectiveDeadline: ${refusal.message}`);
    }
    if (problems.length > 0) throw new ApiError('validation-failed', problems.join('; '));
  }

  /** The raise's timing fields kept with its record, for the workflow's input (also on a relay start). */
  private async raiseTimingOf(
    escalationId: string,
  ): Promise<Pick<EscalationWorkflowInput, 'startAtTier' | 'concernIdentifiedAt' | 'protectiveDeadline'>> {
    const records = await this.actions.forEscalations([escalationId]);
    const payload = (records.find((r) => r.kind === 'raise')?.payload ?? {}) as Record<string, unknown>;
    return {
      ...(typeof payload.startAtTier === 'number' ? { startAtTier: payload.startAtTier } : {}),
      ...(typeof payload.concernIdentifiedAt === 'string'
        ? { concernIdentifiedAt: payload.concernIdentifiedAt }
        : {}),
      ...(typeof payload.protectiveDeadline === 'string'
        ? { protectiveDeadline: payload.protectiveDeadline }
        : {}),
    };
  }

  /** Rows whose workflow start did not complete (a crash between the two steps). */
  pendingStarts(olderThanMs: number): Promise<string[]> {
    return this.escalations.pendingWorkflowStarts(olderThanMs);
  }

  // ------------------------------------------------------------------------------------------
  // Actions

  async act(
    caller: Caller,
    id: string,
    kind: UpdateActionKind | 'add-note',
    body: { text?: string; payload?: Record<string, unknown>; args?: Record<string, unknown> },
    options: ActOptions = {},
  ) {
    const { row } = await this.queries.visibleRow(caller, id);
    const parties = await this.queries.actingParties(row);
    const actor =
      kind === 'record-decision'
        ? (partnershipActorWithRole(
            caller,
            row.partnershipId,
            knownProtocol(row.protocolId, row.protocolVersion)?.finalDecision.by ?? 'independent-chair',
          ) ?? actorFor(caller, parties, 'partnership')!)
        : actorFor(caller, parties, options.prefer ?? 'agency')!;
    const actionId =
      options.actionId ??
      (options.idempotencyKey
        ? idempotentUuid(kind, id, caller.personId, options.idempotencyKey)
        : randomUUID());
    const fingerprint = options.idempotencyKey
      ? (options.fingerprint ??
        requestFingerprint({ kind, escalationId: id, text: body.text ?? null, args: body.args ?? {} }))
      : undefined;
    if (options.idempotencyKey) await this.assertSameRequest(actionId, fingerprint!, options.idempotencyKey);
    const requestId = options.requestId ?? currentRequestId() ?? null;
    // The record and its audit row in one transaction, before the workflow hears of the action.
    await recordingCase('action', () =>
      this.actions.recordRequested(
        {
          id: actionId,
          escalationId: id,
          kind,
          personId: caller.personId,
          agencyId: actor.agencyId,
          role: actor.role,
          text: body.text ?? null,
          payload: {
            ...(body.payload ?? {}),
            // The update's arguments (ids, dates, codes; never text), so that the reconciler can
            // deliver the action if this request dies before the workflow hears of it.
            ...(kind === 'add-note' ? {} : { args: body.args ?? {} }),
            ...(fingerprint ? { requestHash: fingerprint } : {}),
          },
          requestId,
        },
        { requestId, partnershipId: row.partnershipId },
      ),
    );
    const envelope: ActionEnvelope = { actor, actionId, correlationId: currentRequestId() };
    if (kind === 'add-note') return this.addNote(row, envelope);

    let answer;
    try {
      answer = await this.workflow.act(row.workflowId, kind, envelope, body.args);
    } catch (err) {
      throw this.undelivered(id, kind, err);
    }
    if (answer.outcome === 'accepted') {
      await recordingCase('outcome', () => this.actions.settle(actionId, 'accepted'));
      return { actionId, accepted: true, escalation: answer.summary };
    }
    // An action accepted earlier stays accepted (settle changes only a pending record).
    await recordingCase('outcome', () => this.actions.settle(actionId, 'refused'));
    if (answer.outcome === 'refused')
      throw new ApiError('action-refused', answer.message, { reason: answer.code });
    throw closedRefusal(row.status);
  }

  /**
   * A note is answered once its record and its claim are committed in Postgres, before its
   * workflow has it (issue 16): the note relay signals it in the background, within milliseconds,
   * and its record stays owed until the signal has gone, so a crash or Temporal being down delays
   * the note but never loses it (note-relay.ts). Until the workflow projects it into the
   * timeline, GET /escalations/:id lists it under `notesInDelivery`.
   */
  private async addNote(row: EscalationEntity, envelope: ActionEnvelope) {
    const { actionId } = envelope;
    // A closed escalation takes no more notes. Its workflow may still be running for a moment
    // (its closing notices are going out) and would take the signal, so the row decides; the
    // retry of a note accepted before the closure still answers as the first time.
    if (!takesNewNotes(row.status)) {
      if ((await this.actions.outcomeOf(actionId)) === 'accepted') return { actionId, accepted: true };
      await recordingCase('outcome', () => this.actions.settle(actionId, 'refused'));
      throw closedRefusal(row.status);
    }
    // Temporal does not de-duplicate signals: the claim (pending -> accepted, once) makes a retry
    // with the same Idempotency-Key answer as the first request instead of adding the note twice.
    if (!(await recordingCase('note', () => this.actions.claimAcceptance(actionId)))) {
      // Refused by the relay after its answer (its workflow had completed): the retry says so.
      if ((await this.actions.outcomeOf(actionId)) === 'refused') throw closedRefusal('closed');
    }
    // The retry of a note still owed (Temporal was down) prompts its relay too; a note already
    // relayed is left as it is.
    this.notes.enqueue({ actionId, workflowId: row.workflowId, envelope });
    return { actionId, accepted: true };
  }

  private undelivered(escalationId: string, kind: string, err: unknown): ApiError {
    logger.error('action failed', { escalationId, kind, error: String((err as Error).message) });
    // The record stays pending: the reconciler delivers it (once) when Temporal answers again.
    return new ApiError(
      'unavailable',
      'the action is recorded but could not be delivered to the escalation workflow yet; it will be delivered automatically (retrying with the same Idempotency-Key does not apply it twice)',
    );
  }

  /** Plan items' wording goes to Postgres first; the workflow gets ids and due dates. */
  /**
   * Appoints the chair of the case's final step. The engine decides who may appoint and when;
   * the directory, which the engine cannot see, answers whether the person holds the protocol's
   * deciding role in this partnership.
   */
  async appointChair(
    caller: Caller,
    id: string,
    body: { chairPersonId: string; reason?: string },
    options: ActOptions = {},
  ) {
    const { row } = await this.queries.visibleRow(caller, id);
    const deciding =
      knownProtocol(row.protocolId, row.protocolVersion)?.finalDecision.by ?? 'independent-chair';
    const holders = await this.directory.partnershipRoleHolders(row.partnershipId);
    if (!holders.some((h) => h.personId === body.chairPersonId && h.role === deciding)) {
      throw new ApiError(
        'validation-failed',
        `chairPersonId: ${body.chairPersonId} is not a ${deciding.replace(/-/g, ' ')} of partnership ${row.partnershipId}`,
      );
    }
    return this.act(
      caller,
      id,
      'appoint-chair',
      { text: body.reason, args: { chairPersonId: body.chairPersonId } },
      { ...options, prefer: 'partnership' },
    );
  }

  async agreePlan(
    caller: Caller,
    id: string,
    body: {
      reason?: string;
      items: { what: string; ownerAgencyId: string; ownerPersonId?: string; dueAt: string }[];
      /** How the tier was held, one of its `conductedAs` formats (checked by the engine). */
      heldAs?: string;
    },
    options: { idempotencyKey?: string; requestId?: string } = {},
  ) {
    // Nothing is written for a case the caller may not see (404, as for one that does not exist).
    const { row } = await this.queries.visibleRow(caller, id);
    const items = body.items.map((item, i) => ({
      ...item,
      itemId: options.idempotencyKey
        ? idempotentUuid('plan-item', id, caller.personId, options.idempotencyKey, String(i))
        : randomUUID(),
      dueAt: new Date(item.dueAt).toISOString(),
    }));
    const actionId = options.idempotencyKey
      ? idempotentUuid('agree-plan', id, caller.personId, options.idempotencyKey)
      : randomUUID();
    // The whole plan as asked (its wording too, which the workflow never sees) is what a
    // repeat with the same key must match.
    const fingerprint = options.idempotencyKey
      ? requestFingerprint({
          kind: 'agree-plan',
          escalationId: id,
          reason: body.reason ?? null,
          items: body.items,
          ...(body.heldAs ? { heldAs: body.heldAs } : {}),
        })
      : undefined;
    if (options.idempotencyKey) await this.assertSameRequest(actionId, fingerprint!, options.idempotencyKey);
    // The record (with its audit row) before its items, which reference it; its actor is
    // filled in by act().
    await recordingCase('plan', () =>
      this.actions.insertPlaceholder(
        {
          id: actionId,
          escalationId: id,
          kind: 'agree-plan',
          personId: caller.personId,
          text: body.reason ?? null,
          payload: {
            // The update's arguments, for the reconciler (a record filled in later keeps these).
            args: {
              items: items.map((i) => ({ itemId: i.itemId, ownerAgencyId: i.ownerAgencyId, dueAt: i.dueAt })),
              ...(body.heldAs ? { heldAs: body.heldAs } : {}),
            },
            ...(fingerprint ? { requestHash: fingerprint } : {}),
          },
        },
        { requestId: options.requestId ?? currentRequestId() ?? null, partnershipId: row.partnershipId },
      ),
    );
    // Who may own an item is the engine's rule (plan-item-owner): the items are written as
    // asked, and removed again below if the engine refuses the plan.
    try {
      await this.planItems.insertIfAbsent(
        items.map((item) => ({
          id: item.itemId,
          escalationId: id,
          actionId,
          ownerAgencyId: item.ownerAgencyId,
          ownerPersonId: item.ownerPersonId ?? null,
          description: item.what,
          dueAt: new Date(item.dueAt),
        })),
        {
          requestId: options.requestId ?? currentRequestId() ?? null,
          partnershipId: row.partnershipId,
          personId: caller.personId,
        },
      );
    } catch (err) {
      await recordingCase('plan', () => this.actions.settle(actionId, 'refused'));
      if (isForeignKeyViolation(err)) {
        const owners = [...new Set(items.map((i) => i.ownerAgencyId))].join('", "');
        throw new ApiError('validation-failed', `items: ownerAgencyId: no such agency among "${owners}"`);
      }
      throw err;
    }
    try {
      return await this.act(
        caller,
        id,
        'agree-plan',
        {
          text: body.reason,
          args: {
            items: items.map((i) => ({ itemId: i.itemId, ownerAgencyId: i.ownerAgencyId, dueAt: i.dueAt })),
            ...(body.heldAs ? { heldAs: body.heldAs } : {}),
          },
        },
        { ...options, actionId, fingerprint },
      );
    } catch (err) {
      try {
        await this.planItems.deleteUnlessAccepted(actionId, {
          requestId: options.requestId ?? currentRequestId() ?? null,
          partnershipId: row.partnershipId,
          personId: caller.personId,
        });
      } catch (deleteErr) {
        // A concurrent retry had the plan accepted meanwhile: its items belong to the record now.
        if (!(deleteErr instanceof CaseRecordChangeRefused)) throw deleteErr;
      }
      throw err;
    }
  }

  // ------------------------------------------------------------------------------------------
  // Corrections

  /**
   * Puts an entry of the case record right with a new entry that names it (issue 13): the
   * original stays exactly as written, and the correction is chained into the audit trail like
   * any record. It changes nothing in the protocol's state, so the workflow is not told; it is
   * accepted as soon as it is recorded. `corrects` is an action record's id, or 'subject' for
   * the child's or adult's details.
   */
  async correct(
    caller: Caller,
    id: string,
    body: { corrects: string; text: string; reason: string },
    options: { idempotencyKey?: string } = {},
  ) {
    const { row } = await this.queries.visibleRow(caller, id);
    const parties = await this.queries.actingParties(row);
    const acting = actorFor(caller, parties);
    if (!acting) throw new ApiError('forbidden', 'you may read this case but not act on it');
    const corrects = body.corrects.toLowerCase();
    let target: CorrectionTarget;
    if (corrects === 'subject') {
      target = { kind: 'subject', raisingAgencyId: row.raisingAgencyId };
    } else {
      const original = await this.actions.onCase(corrects, id);
      if (!original)
        throw new ApiError('validation-failed', `corrects: no entry ${body.corrects} on this case's record`);
      target = {
        kind: 'action',
        actionKind: original.kind,
        authorPersonId: original.personId,
        authorAgencyId: original.agencyId,
        outcome: original.outcome,
        hasText: !!original.text,
      };
    }
    // The caller acts for the author's agency when they work there (a person in both agencies).
    const authorAgency = target.kind === 'action' ? target.authorAgencyId : target.raisingAgencyId;
    const agencyId =
      authorAgency && caller.agencyRoles.some((r) => r.agencyId === authorAgency)
        ? authorAgency
        : acting.agencyId;
    const role =
      agencyId === acting.agencyId
        ? acting.role
        : (caller.agencyRoles.find((r) => r.agencyId === agencyId)?.role ?? acting.role);
    const refusal = correctionRefusal(target, { personId: caller.personId, agencyId });
    if (refusal) {
      throw new ApiError(
        refusal.code === 'not-yours-to-correct' ? 'forbidden' : 'action-refused',
        `corrects: ${refusal.message}`,
        {
          reason: refusal.code,
        },
      );
    }
    const actionId = options.idempotencyKey
      ? idempotentUuid('correction', id, caller.personId, options.idempotencyKey)
      : randomUUID();
    const fingerprint = options.idempotencyKey
      ? requestFingerprint({ kind: 'correction', escalationId: id, ...body })
      : undefined;
    if (options.idempotencyKey) {
      await this.assertSameRequest(actionId, fingerprint!, options.idempotencyKey);
      if (await this.actions.outcomeOf(actionId)) return { actionId, accepted: true, corrects };
    }
    const requestId = currentRequestId() ?? null;
    try {
      await recordingCase('correction', () =>
        this.actions.insert(
          {
            id: actionId,
            escalationId: id,
            kind: 'correction',
            personId: caller.personId,
            agencyId,
            role,
            text: body.text,
            // The reason is prose like the text: Postgres only, chained with the record.
            payload: { corrects, reason: body.reason, ...(fingerprint ? { requestHash: fingerprint } : {}) },
            outcome: 'accepted',
            requestId,
          },
          { requestId, partnershipId: row.partnershipId },
        ),
      );
    } catch (err) {
      // The same key's first request wrote it meanwhile: answered as it was.
      if (!(options.idempotencyKey && isUniqueViolation(err))) throw err;
    }
    return { actionId, accepted: true, corrects };
  }

  /**
   * An Idempotency-Key names one request: a repeat with the same key and the same request is
   * answered as the first was; the same key with another request is refused (422), never
   * taken as the first one's repeat.
   */
  private async assertSameRequest(actionId: string, fingerprint: string, key: string): Promise<void> {
    const first = await this.actions.requestHashOf(actionId);
    if (typeof first === 'string' && first !== fingerprint) {
      throw new ApiError(
        'idempotency-key-reused',
        `Idempotency-Key "${key}" was already used for a different request; send a new key for a new request`,
      );
    }
  }

  protocolOr400(id: string) {
    const p = knownProtocol(id);
    if (!p) {
      throw new ApiError(
        'validation-failed',
        `protocolId: unknown protocol "${id}"; known: ${listProtocols()
          .map((x) => x.id)
          .join(', ')}`,
      );
    }
    return p;
  }
}
