import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { DataSource } from 'typeorm';
import {
  actionUpdates,
  addNoteSignal,
  ESCALATION_WORKFLOW_TYPE,
  escalationWorkflowId,
  TASK_QUEUES,
  type EscalationSummary,
  type EscalationWorkflowInput,
  type UpdateActionKind,
} from '@resolve/contracts';
import { CLOSED_STATUSES, selectTier, type Actor, type EscalationState } from '@resolve/domain';
import { getProtocol, listProtocols } from '@resolve/protocols';
import { actorFor, caseRoles, partnershipActorWithRole, type Caller } from '../auth/caller';
import { ApiError, notFound } from '../common/api-error';
import { logger } from '../common/logger';
import { currentRequestId } from '../common/request-context';
import type { RaiseEscalationDto } from './dto/raise-escalation.dto';

export const TEMPORAL_CLIENT = Symbol('TEMPORAL_CLIENT');

export const IMMEDIATE_RISK_REMINDER =
  'A professional disagreement is not a child protection or adult safeguarding referral. ' +
  'If a child or adult is at immediate risk of harm, make the referral through the statutory route now as well.';

interface EscalationRow {
  id: string;
  reference: string;
  partnership_id: string;
  protocol_id: string;
  protocol_version: number;
  category: string;
  status: string;
  tier_number: number;
  tier_key: string;
  immediate_risk: boolean;
  urgent: boolean;
  raising_agency_id: string;
  receiving_agency_id: string;
  raising_person_id: string;
  receiving_person_id: string;
  raised_at: Date;
  current_due_at: Date | null;
  deadline_explanation: string | null;
  breaches: number;
  workflow_id: string;
  workflow_state: string;
  state: EscalationState | null;
  closed_at: Date | null;
}

/** A stable id from a client's Idempotency-Key, so a retried request finds its first attempt. */
function idempotentUuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

@Injectable()
export class EscalationsService {
  constructor(
    private readonly ds: DataSource,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
  ) {}

  // ------------------------------------------------------------------------------------------
  // Raise

  async raise(caller: Caller, dto: RaiseEscalationDto, idempotencyKey?: string) {
    const protocol = this.protocolOr400(dto.protocolId);
    const [raising] = await this.ds.query(`SELECT id, partnership_id FROM agency WHERE id = $1`, [
      dto.raisingAgencyId,
    ]);
    if (!raising)
      throw new ApiError('validation-failed', `raisingAgencyId: no agency "${dto.raisingAgencyId}"`);
    const [receiving] = await this.ds.query(`SELECT id, partnership_id FROM agency WHERE id = $1`, [
      dto.receivingAgencyId,
    ]);
    if (!receiving)
      throw new ApiError('validation-failed', `receivingAgencyId: no agency "${dto.receivingAgencyId}"`);
    if (raising.id === receiving.id) {
      // Lincolnshire 001 scope: for cross-agency disagreement; internal ones use the agency's own protocol.
      throw new ApiError(
        'validation-failed',
        'receivingAgencyId: must be another agency; disagreements inside one agency use its internal protocol',
      );
    }
    if (raising.partnership_id !== receiving.partnership_id) {
      throw new ApiError(
        'validation-failed',
        'receivingAgencyId: both agencies must belong to the same partnership',
      );
    }
    if (protocol.partnership.id !== raising.partnership_id && protocol.id !== 'demo') {
      throw new ApiError(
        'validation-failed',
        `protocolId: ${protocol.id} is ${protocol.partnership.name}'s protocol, not this partnership's`,
      );
    }
    if (!protocol.categories.some((c) => c.id === dto.category)) {
      throw new ApiError(
        'validation-failed',
        `category: must be one of ${protocol.categories.map((c) => c.id).join(', ')}`,
      );
    }
    const [receiver] = await this.ds.query(
      `SELECT 1 FROM agency_role WHERE person_id = $1 AND agency_id = $2 LIMIT 1`,
      [dto.receivingPersonId, dto.receivingAgencyId],
    );
    if (!receiver)
      throw new ApiError(
        'validation-failed',
        `receivingPersonId: no such person in agency ${dto.receivingAgencyId}`,
      );
    const raisedBy = actorFor(caller, {
      partnershipId: raising.partnership_id,
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
    const workflowId = escalationWorkflowId(raising.partnership_id, dto.reference);
    const now = new Date();
    // The tier the case starts at: the fast track's for immediate risk (the workflow agrees).
    const firstTier = dto.immediateRisk
      ? selectTier(protocol, protocol.fastTrack.startAtTier, true)
      : selectTier(protocol, 1, false);

    // Step 1: the row, in one transaction with the subject and the raising action. It is
    // 'pending' until its workflow is confirmed started; the relay finishes a start that a
    // crash interrupted, and the workflow id makes that start idempotent.
    const existing = await this.findRow(escalationId);
    if (!existing) {
      try {
        await this.ds.transaction(async (tx) => {
          await tx.query(
            `INSERT INTO escalation (id, reference, partnership_id, protocol_id, protocol_version, category, status,
               tier_number, tier_key, immediate_risk, urgent, raising_agency_id, receiving_agency_id,
               raising_person_id, receiving_person_id, raised_at, workflow_id, workflow_state)
             VALUES ($1,$2,$3,$4,$5,$6,'open',$7,$8,$9,$9,$10,$11,$12,$13,$14,$15,'pending')`,
            [
              escalationId,
              dto.reference,
              raising.partnership_id,
              protocol.id,
              protocol.version,
              dto.category,
              firstTier.number,
              firstTier.key,
              dto.immediateRisk ?? false,
              raising.id,
              receiving.id,
              caller.personId,
              dto.receivingPersonId,
              now,
              workflowId,
            ],
          );
          await tx.query(
            `INSERT INTO escalation_subject (escalation_id, subject_kind, people, case_identifier, nature_of_concern, outcomes_sought)
             VALUES ($1,$2,$3,$4,$5,$6)`,
            [
              escalationId,
              dto.subject?.kind ?? 'none',
              JSON.stringify(dto.subject?.people ?? []),
              dto.subject?.caseIdentifier ?? null,
              dto.natureOfConcern,
              dto.outcomesSought,
            ],
          );
          await tx.query(
            `INSERT INTO action_record (id, escalation_id, kind, person_id, agency_id, role, text, payload, outcome)
             VALUES ($1,$2,'raise',$3,$4,$5,NULL,$6,'accepted')`,
            [
              actionId,
              escalationId,
              caller.personId,
              raisedBy.agencyId,
              raisedBy.role,
              JSON.stringify({ protocolId: protocol.id, version: protocol.version }),
            ],
          );
        });
      } catch (err) {
        const sameKeyRaisedMeanwhile =
          (err as { code?: string }).code === '23505' && idempotencyKey && (await this.findRow(escalationId));
        if (!sameKeyRaisedMeanwhile) {
          if ((err as { code?: string }).code === '23505') {
            throw new ApiError(
              'conflict',
              `reference ${dto.reference} is already used in partnership ${raising.partnership_id}`,
            );
          }
          throw err;
        }
        // A concurrent retry with the same Idempotency-Key wrote the row first: answer as it does.
      }
    }
    // Step 2: the workflow.
    await this.startWorkflow(escalationId);
    const view = await this.get(caller, escalationId);
    return dto.immediateRisk ? { ...view, notice: IMMEDIATE_RISK_REMINDER } : view;
  }

  /** Starts the workflow of a pending row. Idempotent: used by raise and by the relay. */
  async startWorkflow(escalationId: string): Promise<void> {
    const row = await this.findRow(escalationId);
    if (!row) throw notFound('escalation');
    if (row.workflow_state === 'started') return;
    const protocol = getProtocol(row.protocol_id);
    if (protocol.version !== row.protocol_version) {
      logger.warn('protocol version changed between raise and start', {
        escalationId,
        protocolId: row.protocol_id,
      });
    }
    const [raiseAction] = await this.ds.query(
      `SELECT id, agency_id, role FROM action_record WHERE escalation_id = $1 AND kind = 'raise' LIMIT 1`,
      [escalationId],
    );
    const input: EscalationWorkflowInput = {
      escalationId: row.id,
      reference: row.reference,
      partnershipId: row.partnership_id,
      protocol,
      raisedAt: row.raised_at.toISOString(),
      category: row.category,
      immediateRisk: row.immediate_risk,
      raisingAgencyId: row.raising_agency_id,
      receivingAgencyId: row.receiving_agency_id,
      raisedBy: {
        personId: row.raising_person_id,
        agencyId: raiseAction.agency_id,
        role: raiseAction.role,
        side: 'raising',
      },
      actionId: raiseAction.id,
      correlationId: currentRequestId(),
    };
    try {
      await this.temporal.workflow.start(ESCALATION_WORKFLOW_TYPE, {
        taskQueue: TASK_QUEUES.escalations,
        workflowId: row.workflow_id,
        args: [input],
        // The id stays reserved: a second start for the same escalation is refused.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
        throw new ApiError(
          'unavailable',
          'the escalation is saved but its workflow could not be started yet; it will be started automatically',
          {
            escalationId,
          },
        );
      }
    }
    await this.ds.query(`UPDATE escalation SET workflow_state = 'started' WHERE id = $1`, [escalationId]);
  }

  /** Rows whose workflow start did not complete (a crash between the two steps). */
  async pendingStarts(olderThanMs: number): Promise<string[]> {
    const rows = await this.ds.query(
      `SELECT id FROM escalation WHERE workflow_state = 'pending' AND created_at < now() - ($1::int * interval '1 millisecond') LIMIT 100`,
      [olderThanMs],
    );
    return rows.map((r: { id: string }) => r.id);
  }

  // ------------------------------------------------------------------------------------------
  // Read

  private async findRow(id: string): Promise<EscalationRow | null> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return null; // else Postgres refuses the cast: 500
    const [row] = await this.ds.query(`SELECT * FROM escalation WHERE id = $1`, [id]);
    return row ?? null;
  }

  /** The row if the caller may see it; otherwise 404, whether or not it exists. */
  private async visibleRow(caller: Caller, id: string): Promise<{ row: EscalationRow; actor: Actor }> {
    const row = await this.findRow(id);
    const actor = row && actorFor(caller, this.parties(row));
    if (!row || !actor) throw notFound(`escalation ${id}`);
    return { row, actor };
  }

  private parties(row: EscalationRow) {
    return {
      partnershipId: row.partnership_id,
      raisingAgencyId: row.raising_agency_id,
      receivingAgencyId: row.receiving_agency_id,
    };
  }

  async get(caller: Caller, id: string) {
    const { row } = await this.visibleRow(caller, id);
    const events = await this.ds.query(
      `SELECT e.seq, e.at, e.type, e.tier, e.actor, e.action_id AS "actionId", e.detail, a.text AS "text"
         FROM escalation_event e LEFT JOIN action_record a ON a.id = e.action_id
        WHERE e.escalation_id = $1 ORDER BY e.seq`,
      [id],
    );
    const planItems = await this.ds.query(
      `SELECT id, owner_agency_id AS "ownerAgencyId", owner_person_id AS "ownerPersonId", description AS what, due_at AS "dueAt", status
         FROM plan_item WHERE escalation_id = $1 ORDER BY due_at`,
      [id],
    );
    // Delivery status of every email and SMS, for the timeline (no addresses: person ids only).
    const notifications = await this.ds.query(
      `SELECT event, tier, recipient_person_id AS "recipientPersonId", channel, status, attempts, last_error AS "lastError",
              created_at AS "queuedAt", updated_at AS "updatedAt"
         FROM notification_delivery WHERE escalation_id = $1 ORDER BY created_at, id`,
      [id],
    );
    const protocol = safeProtocol(row.protocol_id);
    const state = row.state;
    return {
      id: row.id,
      reference: row.reference,
      partnershipId: row.partnership_id,
      protocol: {
        id: row.protocol_id,
        version: row.protocol_version,
        title: protocol?.title ?? row.protocol_id,
      },
      category: row.category,
      status: row.status,
      tier: {
        number: row.tier_number,
        key: row.tier_key,
        title: protocol?.tiers.find((t) => t.key === row.tier_key)?.title ?? row.tier_key,
      },
      immediateRisk: row.immediate_risk,
      urgent: row.urgent,
      raisingAgencyId: row.raising_agency_id,
      receivingAgencyId: row.receiving_agency_id,
      raisingPersonId: row.raising_person_id,
      receivingPersonId: row.receiving_person_id,
      raisedAt: row.raised_at,
      breaches: row.breaches,
      deadline: row.current_due_at
        ? { dueAt: row.current_due_at, explanation: row.deadline_explanation }
        : null,
      extensionProposed: state?.extension
        ? { dueAt: state.extension.proposedDueAt, bySide: state.extension.proposedBy.side }
        : null,
      meeting: state?.tier.meeting ?? null,
      workflow: { id: row.workflow_id, started: row.workflow_state === 'started' },
      closedAt: row.closed_at,
      planItems,
      history: events,
      notifications,
    };
  }

  async list(caller: Caller, filters: ListFilters) {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    // Need to know: the caller's agencies' cases, plus every case of their partnership for board roles.
    const agencyIds = caller.agencyRoles.map((r) => r.agencyId);
    const access = [`raising_agency_id = ANY(${p(agencyIds)})`, `receiving_agency_id = ANY(${p(agencyIds)})`];
    if (caseRoles(caller).length > 0) access.push(`partnership_id = ${p(caller.partnershipId)}`);
    where.push(`(${access.join(' OR ')})`);
    if (filters.partnershipId) where.push(`partnership_id = ${p(filters.partnershipId)}`);
    if (filters.protocolId) where.push(`protocol_id = ${p(filters.protocolId)}`);
    if (filters.status) where.push(`status = ${p(filters.status)}`);
    if (filters.tier) where.push(`tier_number = ${p(filters.tier)}`);
    if (filters.agencyId)
      where.push(
        `(raising_agency_id = ${p(filters.agencyId)} OR receiving_agency_id = ${p(filters.agencyId)})`,
      );
    if (filters.overdue) where.push(`status = 'open' AND current_due_at < now()`);
    if (filters.raisedFrom) where.push(`raised_at >= ${p(filters.raisedFrom)}`);
    if (filters.raisedTo) where.push(`raised_at < ${p(filters.raisedTo)}`);
    if (filters.cursor) {
      const [at, id] = decodeCursor(filters.cursor);
      where.push(`(raised_at, id) < (${p(at)}, ${p(id)})`);
    }
    const limit = filters.limit ?? 50;
    const rows: EscalationRow[] = await this.ds.query(
      `SELECT * FROM escalation WHERE ${where.join(' AND ')} ORDER BY raised_at DESC, id DESC LIMIT ${p(limit + 1)}`,
      params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({
        id: r.id,
        reference: r.reference,
        partnershipId: r.partnership_id,
        protocolId: r.protocol_id,
        category: r.category,
        status: r.status,
        tier: r.tier_number,
        immediateRisk: r.immediate_risk,
        raisingAgencyId: r.raising_agency_id,
        receivingAgencyId: r.receiving_agency_id,
        raisedAt: r.raised_at,
        dueAt: r.current_due_at,
        breaches: r.breaches,
      })),
      nextCursor: rows.length > limit && last ? encodeCursor(last.raised_at, last.id) : null,
    };
  }

  // ------------------------------------------------------------------------------------------
  // Actions

  async act(
    caller: Caller,
    id: string,
    kind: UpdateActionKind | 'add-note',
    body: { text?: string; payload?: Record<string, unknown>; args?: Record<string, unknown> },
    options: {
      idempotencyKey?: string;
      prefer?: 'agency' | 'partnership';
      requestId?: string;
      actionId?: string;
    } = {},
  ) {
    const { row } = await this.visibleRow(caller, id);
    const actor =
      kind === 'record-decision'
        ? (partnershipActorWithRole(
            caller,
            row.partnership_id,
            safeProtocol(row.protocol_id)?.finalDecision.by ?? 'independent-chair',
          ) ?? actorFor(caller, this.parties(row), 'partnership')!)
        : actorFor(caller, this.parties(row), options.prefer ?? 'agency')!;
    if (kind === 'withdraw' && caller.personId !== row.raising_person_id) {
      throw new ApiError('forbidden', 'only the person who raised the escalation can withdraw it');
    }
    const actionId =
      options.actionId ??
      (options.idempotencyKey
        ? idempotentUuid(kind, id, caller.personId, options.idempotencyKey)
        : randomUUID());
    await this.ds.query(
      `INSERT INTO action_record (id, escalation_id, kind, person_id, agency_id, role, text, payload, request_id)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)
       ON CONFLICT (id) DO UPDATE SET agency_id = EXCLUDED.agency_id, role = EXCLUDED.role WHERE action_record.role = 'pending'`,
      [
        actionId,
        id,
        kind,
        caller.personId,
        actor.agencyId,
        actor.role,
        body.text ?? null,
        JSON.stringify(body.payload ?? {}),
        options.requestId ?? currentRequestId() ?? null,
      ],
    );
    // A closed escalation takes no more notes. Its workflow may still be running for a moment
    // (its closing notices are going out) and would take the signal, so the row decides; the
    // retry of a note accepted before the closure still answers as the first time.
    if (kind === 'add-note' && (CLOSED_STATUSES as readonly string[]).includes(row.status)) {
      const [existing] = await this.ds.query(`SELECT outcome FROM action_record WHERE id = $1`, [actionId]);
      if (existing?.outcome === 'accepted') return { actionId, accepted: true };
      await this.ds.query(`UPDATE action_record SET outcome = 'refused' WHERE id = $1`, [actionId]);
      throw new ApiError(
        'action-refused',
        `the escalation is ${row.status}; no further actions are possible`,
        { reason: 'closed' },
      );
    }
    const handle = this.temporal.workflow.getHandle(row.workflow_id);
    try {
      if (kind === 'add-note') {
        // Temporal does not de-duplicate signals: claim the record first, so a retry with the
        // same Idempotency-Key does not add the note twice.
        const [, claimed] = await this.ds.query(
          `UPDATE action_record SET outcome = 'accepted' WHERE id = $1 AND outcome <> 'accepted'`,
          [actionId],
        ); // TypeORM answers an UPDATE with [rows, rowCount]
        if (claimed === 0) return { actionId, accepted: true };
        try {
          await handle.signal(addNoteSignal, { actor, actionId, correlationId: currentRequestId() });
        } catch (err) {
          await this.ds.query(`UPDATE action_record SET outcome = 'pending' WHERE id = $1`, [actionId]);
          throw err;
        }
        return { actionId, accepted: true };
      }
      const summary: EscalationSummary = await handle.executeUpdate(actionUpdates[kind] as never, {
        args: [{ actor, actionId, correlationId: currentRequestId(), ...(body.args ?? {}) }] as never,
        // Temporal de-duplicates updates by id: a retried request is not applied twice.
        updateId: actionId,
      });
      await this.ds.query(`UPDATE action_record SET outcome = 'accepted' WHERE id = $1`, [actionId]);
      return { actionId, accepted: true, escalation: summary };
    } catch (err) {
      const refusal = refusalOf(err);
      if (refusal) {
        await this.ds.query(`UPDATE action_record SET outcome = 'refused' WHERE id = $1`, [actionId]);
        throw new ApiError('action-refused', refusal.message, { reason: refusal.code });
      }
      if (err instanceof WorkflowNotFoundError || isClosedWorkflowError(err)) {
        await this.ds.query(`UPDATE action_record SET outcome = 'refused' WHERE id = $1`, [actionId]);
        throw new ApiError(
          'action-refused',
          `the escalation is ${row.status}; no further actions are possible`,
          { reason: 'closed' },
        );
      }
      logger.error('action failed', { escalationId: id, kind, error: String((err as Error).message) });
      throw new ApiError(
        'unavailable',
        'the action could not be delivered to the escalation workflow; try again',
      );
    }
  }

  /** Plan items' wording goes to Postgres first; the workflow gets ids and due dates. */
  async agreePlan(
    caller: Caller,
    id: string,
    body: {
      reason?: string;
      items: { what: string; ownerAgencyId: string; ownerPersonId?: string; dueAt: string }[];
    },
    options: { idempotencyKey?: string; requestId?: string } = {},
  ) {
    const { row } = await this.visibleRow(caller, id);
    const items = body.items.map((item, i) => ({
      ...item,
      itemId: options.idempotencyKey
        ? idempotentUuid('plan-item', id, caller.personId, options.idempotencyKey, String(i))
        : randomUUID(),
      dueAt: new Date(item.dueAt).toISOString(),
    }));
    for (const item of items) {
      if (item.ownerAgencyId !== row.raising_agency_id && item.ownerAgencyId !== row.receiving_agency_id) {
        throw new ApiError(
          'validation-failed',
          `items: ownerAgencyId "${item.ownerAgencyId}" is not one of the two agencies in this escalation`,
        );
      }
    }
    const actionIdHint = options.idempotencyKey
      ? idempotentUuid('agree-plan', id, caller.personId, options.idempotencyKey)
      : randomUUID();
    await this.ds.query(
      `INSERT INTO action_record (id, escalation_id, kind, person_id, agency_id, role, text, payload)
       VALUES ($1,$2,'agree-plan',$3,NULL,'pending',$4,'{}') ON CONFLICT (id) DO NOTHING`,
      [actionIdHint, id, caller.personId, body.reason ?? null],
    );
    for (const item of items) {
      await this.ds.query(
        `INSERT INTO plan_item (id, escalation_id, action_id, owner_agency_id, owner_person_id, description, due_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (id) DO NOTHING`,
        [
          item.itemId,
          id,
          actionIdHint,
          item.ownerAgencyId,
          item.ownerPersonId ?? null,
          item.what,
          item.dueAt,
        ],
      );
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
          },
        },
        { ...options, actionId: actionIdHint },
      );
    } catch (err) {
      await this.ds.query(
        `DELETE FROM plan_item WHERE action_id = $1 AND NOT EXISTS (SELECT 1 FROM action_record WHERE id = $1 AND outcome = 'accepted')`,
        [actionIdHint],
      );
      throw err;
    }
  }

  protocolOr400(id: string) {
    const p = safeProtocol(id);
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

export interface ListFilters {
  partnershipId?: string;
  protocolId?: string;
  status?: string;
  tier?: number;
  agencyId?: string;
  overdue?: boolean;
  raisedFrom?: string;
  raisedTo?: string;
  cursor?: string;
  limit?: number;
}

function safeProtocol(id: string) {
  try {
    return getProtocol(id);
  } catch {
    return null;
  }
}

function refusalOf(err: unknown): { code: string; message: string } | null {
  if (!(err instanceof WorkflowUpdateFailedError)) return null;
  const cause = err.cause;
  if (cause instanceof ApplicationFailure && cause.type === 'ActionRefused') {
    return { code: String(cause.details?.[0] ?? 'refused'), message: cause.message };
  }
  return null;
}

function isClosedWorkflowError(err: unknown): boolean {
  const msg = String((err as Error)?.message ?? '');
  return /workflow execution already completed|already completed/i.test(msg);
}

function encodeCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([new Date(at).toISOString(), id])).toString('base64url');
}

export function decodeCursor(cursor: string): [string, string] {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      typeof at !== 'string' ||
      Number.isNaN(Date.parse(at)) ||
      typeof id !== 'string' ||
      !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)
    )
      throw new Error();
    const instant = new Date(at).toISOString(); // what Date.parse accepts, Postgres may not
    if (!/^\d{4}-/.test(instant)) throw new Error();
    return [instant, id];
  } catch {
    throw new ApiError('validation-failed', 'cursor: not a cursor this API returned');
  }
}
