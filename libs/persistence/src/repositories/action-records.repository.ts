import { In, type DataSource, type EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { actionRecordHash, CASE_RECORD_AUDIT, type ActionRecordContent } from '../audit-chain';
import { ActionRecordEntity } from '../entities/escalation.entities';
import { faultPoint } from '../fault-points';
import { AuditRepository } from './audit.repository';
import { refusingCaseRecordChanges } from './case-record-refusal';

export * from './case-record-refusal';

export type ActionOutcome = ActionRecordEntity['outcome'];

/** A person's action as first written; its outcome follows once the workflow has answered. */
export type NewActionRecord = Pick<
  ActionRecordEntity,
  'id' | 'escalationId' | 'kind' | 'personId' | 'agencyId' | 'role' | 'text' | 'payload'
> &
  Partial<Pick<ActionRecordEntity, 'outcome' | 'requestId'>>;

/**
 * The request a record is written for, as its audit row names it. Without a request id (a
 * record written outside a request) the row is named after the record.
 */
export interface RecordAuditContext {
  requestId?: string | null;
  partnershipId?: string | null;
}

/** An action whose delivery to its workflow a crash may have cut short (see awaitingDelivery). */
export type UndeliveredAction = Pick<
  ActionRecordEntity,
  'id' | 'escalationId' | 'kind' | 'personId' | 'agencyId' | 'role' | 'payload' | 'outcome' | 'createdAt'
>;

/** A note the relay owes its workflow: who wrote it, as which agency and role, on which case. */
export type OwedNote = Pick<ActionRecordEntity, 'id' | 'escalationId' | 'personId' | 'agencyId' | 'role'>;

/**
 * What became of a note the relay took: signalled, refused (its workflow had completed), not owed
 * (relayed already, or being relayed elsewhere), or failed (`deliver` threw: still owed).
 */
export type NoteRelayed =
  { result: 'signalled' | 'closed' | 'not-owed' } | { result: 'failed'; error: unknown };

/** A note of a case that is not in its timeline: on its way to the workflow, or refused after its answer. */
export type NoteInDelivery = Pick<
  ActionRecordEntity,
  'id' | 'personId' | 'agencyId' | 'role' | 'text' | 'outcome' | 'createdAt' | 'relayedAt'
>;

/** Any constant that no other advisory lock in the schema uses: the reconciler's. */
const RECONCILER_LOCK = 7_264_113;

export interface ActionCount {
  kind: string;
  outcome: string;
  count: number;
}

/**
 * `action_record`: every human action with its prose (reason, note, plan wording) and its
 * outcome. The id is the workflow update's id, so a retried request finds its first record.
 *
 * Append-only (migration 1764600000000-AppendOnlyCaseRecord): a record's content never changes
 * and is never deleted; its outcome moves from pending to accepted or refused. Every write of a
 * record appends its audit row (CASE_RECORD_AUDIT) in the same transaction, so there is never a
 * record without its row, nor a row without its record.
 */
export class ActionRecordsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly boundManager?: EntityManager,
  ) {}

  withManager(manager: EntityManager): ActionRecordsRepository {
    return new ActionRecordsRepository(this.dataSource, manager);
  }

  private get manager(): EntityManager {
    return this.boundManager ?? this.dataSource.manager;
  }

  private get records() {
    return this.manager.getRepository(ActionRecordEntity);
  }

  /** Runs `work` in the caller's transaction when bound to one, else in a new one. */
  private transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.boundManager ? work(this.boundManager) : this.dataSource.transaction(work);
  }

  /** The audit row of a record as it now stands, appended in the record's transaction. */
  private async audit(
    manager: EntityManager,
    action: (typeof CASE_RECORD_AUDIT)[keyof typeof CASE_RECORD_AUDIT],
    record: ActionRecordContent,
    context: RecordAuditContext,
  ): Promise<void> {
    await new AuditRepository(manager).record({
      requestId: context.requestId ?? `record:${record.id}`,
      personId: record.personId,
      agencyId: record.agencyId ?? null,
      role: record.role === 'pending' ? null : record.role,
      partnershipId: context.partnershipId ?? null,
      escalationId: record.escalationId,
      action,
      outcome: action === CASE_RECORD_AUDIT.appended ? 201 : 200,
      actionRecordId: record.id,
      detail: { kind: record.kind, contentHash: actionRecordHash(record) },
    });
  }

  /** Writes a record and its audit row (a raise's, in the raise's transaction). */
  async insert(record: NewActionRecord, context: RecordAuditContext = {}): Promise<void> {
    await this.transaction(async (manager) => {
      // TypeORM's deep-partial type does not take a Record<string, unknown> for a jsonb column.
      await manager
        .getRepository(ActionRecordEntity)
        .insert(record as QueryDeepPartialEntity<ActionRecordEntity>);
      await faultPoint('between-record-and-audit');
      await this.audit(manager, CASE_RECORD_AUDIT.appended, contentOf(record), context);
    });
  }

  /**
   * Writes the record of a requested action with its audit row, or finds it again on a retry
   * (same id: nothing is written). A record first written as a placeholder (role 'pending', by
   * a plan agreement that wrote its items before knowing the actor) takes the actor's agency and
   * role now, with an audit row of its own; any other is left as is.
   */
  async recordRequested(record: NewActionRecord, context: RecordAuditContext = {}): Promise<void> {
    await this.transaction(async (manager) => {
      // Raw SQL: an upsert whose update is conditional on the existing row (TypeORM's orUpdate
      // has no WHERE), returning whether it inserted (xmax = 0) or filled in a placeholder.
      const rows = (await manager.query(
        `INSERT INTO action_record (id, escalation_id, kind, person_id, agency_id, role, text, payload, request_id)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)
         ON CONFLICT (id) DO UPDATE SET agency_id = EXCLUDED.agency_id, role = EXCLUDED.role WHERE action_record.role = 'pending'
         RETURNING id, escalation_id, kind, person_id, agency_id, role, text, payload, request_id, (xmax = 0) AS inserted`,
        [
          record.id,
          record.escalationId,
          record.kind,
          record.personId,
          record.agencyId,
          record.role,
          record.text,
          JSON.stringify(record.payload),
          record.requestId ?? null,
        ],
      )) as StoredContent[];
      const [written] = rows;
      if (!written) return;
      await faultPoint('between-record-and-audit');
      await this.audit(
        manager,
        written.inserted ? CASE_RECORD_AUDIT.appended : CASE_RECORD_AUDIT.actorFilledIn,
        {
          id: written.id,
          escalationId: written.escalation_id,
          kind: written.kind,
          personId: written.person_id,
          agencyId: written.agency_id,
          role: written.role,
          text: written.text,
          payload: written.payload,
          requestId: written.request_id,
        },
        context,
      );
    });
  }

  /** A placeholder whose actor is not known yet (role 'pending'), with its audit row; nothing if the id exists. */
  async insertPlaceholder(
    record: Pick<ActionRecordEntity, 'id' | 'escalationId' | 'kind' | 'personId' | 'text'> &
      Partial<Pick<ActionRecordEntity, 'payload'>>,
    context: RecordAuditContext = {},
  ): Promise<void> {
    const placeholder = { payload: {}, ...record, agencyId: null, role: 'pending' };
    await this.transaction(async (manager) => {
      const result = await manager
        .getRepository(ActionRecordEntity)
        .createQueryBuilder()
        .insert()
        .values(placeholder as QueryDeepPartialEntity<ActionRecordEntity>)
        .orIgnore()
        .returning(['id'])
        .execute();
      const inserted = (result.raw as unknown[]).length > 0;
      if (inserted) await this.audit(manager, CASE_RECORD_AUDIT.appended, contentOf(placeholder), context);
    });
  }

  /** Who wrote the record and for which case and kind: what an action's authorisation is checked against. */
  async identityOf(
    id: string,
  ): Promise<Pick<
    ActionRecordEntity,
    'id' | 'escalationId' | 'kind' | 'personId' | 'agencyId' | 'role'
  > | null> {
    return this.records.findOne({
      where: { id },
      select: { id: true, escalationId: true, kind: true, personId: true, agencyId: true, role: true },
    });
  }

  /**
   * The fingerprint of the request that first wrote the record (payload.requestHash): undefined
   * when there is no record, null when it was written without one.
   */
  async requestHashOf(id: string): Promise<string | null | undefined> {
    const record = await this.records.findOne({ where: { id }, select: { id: true, payload: true } });
    if (!record) return undefined;
    const hash = record.payload?.requestHash;
    return typeof hash === 'string' ? hash : null;
  }

  /** One record of one case (null when the case has no record with that id): what a correction names. */
  onCase(
    id: string,
    escalationId: string,
  ): Promise<Pick<
    ActionRecordEntity,
    'id' | 'kind' | 'personId' | 'agencyId' | 'role' | 'text' | 'outcome' | 'payload' | 'createdAt'
  > | null> {
    return this.records.findOne({
      where: { id, escalationId },
      select: {
        id: true,
        kind: true,
        personId: true,
        agencyId: true,
        role: true,
        text: true,
        outcome: true,
        payload: true,
        createdAt: true,
      },
    });
  }

  /** The corrections of one case, oldest first (each names what it corrects in payload.corrects). */
  correctionsOf(escalationId: string): Promise<ActionRecordEntity[]> {
    return this.records.find({
      where: { escalationId, kind: 'correction' },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  /** Whether the person has any action on record on the case (need to know: they took part). */
  async hasActedOn(personId: string, escalationId: string): Promise<boolean> {
    return this.records.exists({ where: { personId, escalationId } });
  }

  async outcomeOf(id: string): Promise<ActionOutcome | null> {
    const record = await this.records.findOne({ where: { id }, select: { id: true, outcome: true } });
    return record?.outcome ?? null;
  }

  /**
   * Records the workflow's answer to a pending action: accepted or refused. An accepted action
   * stays accepted (a retry's answer does not change it); a refused one may still be accepted
   * (a refused request retried with its Idempotency-Key: Temporal keeps no trace of a refused
   * update, so the engine can accept the retry). False: the record was already settled otherwise.
   */
  async settle(id: string, outcome: 'accepted' | 'refused'): Promise<boolean> {
    const from: ActionOutcome[] = outcome === 'accepted' ? ['pending', 'refused'] : ['pending'];
    const result = await refusingCaseRecordChanges(() =>
      this.records.update({ id, outcome: In(from) }, { outcome }),
    );
    return (result.affected ?? 0) > 0;
  }

  /**
   * Marks a note's pending record accepted: the claim that answers the note and makes it owed to
   * its workflow (the note relay signals it). False: a retry found it claimed already (accepted,
   * so its signal, which Temporal does not de-duplicate, is the relay's), or refused.
   */
  async claimAcceptance(id: string): Promise<boolean> {
    const result = await refusingCaseRecordChanges(() =>
      this.records.update({ id, outcome: 'pending' }, { outcome: 'accepted' }),
    );
    return (result.affected ?? 0) > 0;
  }

  /**
   * Gives back a note's claim whose signal did not go (Temporal unreachable), or turns it down
   * (the case had closed): the one way an accepted record changes, allowed for notes only.
   */
  async releaseNoteClaim(id: string, to: 'pending' | 'refused'): Promise<void> {
    await refusingCaseRecordChanges(() =>
      this.records.update({ id, kind: 'add-note', outcome: 'accepted' }, { outcome: to }),
    );
  }

  /**
   * Actions a crash may have left between their record and their workflow, oldest first: those
   * still pending (the update was never sent, or its answer never recorded; a note whose request
   * died before its claim). A claimed note is the note relay's (notesOwed), not this list's. Only
   * those older than `olderThanMs` (a request still in flight is left alone) and younger than
   * `maxAgeMs`.
   */
  async awaitingDelivery(olderThanMs: number, maxAgeMs: number, limit = 100): Promise<UndeliveredAction[]> {
    return (
      this.records
        .createQueryBuilder('a')
        .select(['a.id', 'a.escalationId', 'a.kind', 'a.personId', 'a.agencyId', 'a.role'])
        .addSelect(['a.payload', 'a.outcome', 'a.createdAt'])
        .where('a.kind <> :raise', { raise: 'raise' })
        // The database's clock, as for created_at itself.
        .andWhere("a.createdAt < now() - (CAST(:olderThanMs AS int) * interval '1 millisecond')", {
          olderThanMs,
        })
        .andWhere("a.createdAt > now() - (CAST(:maxAgeMs AS bigint) * interval '1 millisecond')", {
          maxAgeMs,
        })
        .andWhere(`a.outcome = 'pending'`)
        .orderBy('a.createdAt', 'ASC')
        .limit(limit)
        .getMany()
    );
  }

  /**
   * Notes claimed (answered) whose relay is not done yet (relayed_at unset), oldest first: those
   * older than `olderThanMs` (younger ones are the answering process's own relay's) and younger
   * than `maxAgeMs`.
   */
  async notesOwed(olderThanMs: number, maxAgeMs: number, limit = 100): Promise<string[]> {
    const rows = await this.records
      .createQueryBuilder('a')
      .select('a.id', 'id')
      .where(`a.kind = 'add-note' AND a.outcome = 'accepted' AND a.relayedAt IS NULL`)
      .andWhere("a.createdAt <= now() - (CAST(:olderThanMs AS int) * interval '1 millisecond')", {
        olderThanMs,
      })
      .andWhere("a.createdAt > now() - (CAST(:maxAgeMs AS bigint) * interval '1 millisecond')", { maxAgeMs })
      .orderBy('a.createdAt', 'ASC')
      .limit(limit)
      .getRawMany<{ id: string }>();
    return rows.map((r) => r.id);
  }

  /**
   * Relays a batch of owed notes in one transaction: locks their records with one statement (FOR
   * UPDATE SKIP LOCKED, so one relay at a time across API replicas, and a note another relay is
   * signalling right now is left to it), hands each to `deliver` side by side, and marks what came
   * of them with one statement per result: relayed (signalled), or refused and relayed (its
   * workflow had completed). A note whose `deliver` throws (Temporal unreachable) is not marked and
   * stays owed; if the mark itself fails, the whole batch stays owed (the workflow applies a note
   * signalled twice once). One lock and one mark per batch, not per note: the relay holds one
   * database connection for the batch instead of one per note in flight (docs/performance.md §3).
   */
  async relayingNotes(
    ids: readonly string[],
    deliver: (note: OwedNote) => Promise<'signalled' | 'closed'>,
  ): Promise<Map<string, NoteRelayed>> {
    const outcomes = new Map<string, NoteRelayed>(ids.map((id) => [id, { result: 'not-owed' }]));
    if (ids.length === 0) return outcomes;
    await this.dataSource.transaction(async (manager) => {
      const records = manager.getRepository(ActionRecordEntity);
      const notes = await records
        .createQueryBuilder('a')
        .select(['a.id', 'a.escalationId', 'a.personId', 'a.agencyId', 'a.role'])
        .where(
          `a.id IN (:...ids) AND a.kind = 'add-note' AND a.outcome = 'accepted' AND a.relayedAt IS NULL`,
          {
            ids,
          },
        )
        .setLock('pessimistic_write')
        .setOnLocked('skip_locked')
        .getMany();
      if (notes.length === 0) return;
      await faultPoint('between-note-claim-and-signal');
      const delivered = await Promise.allSettled(notes.map((note) => deliver(note)));
      const signalled: string[] = [];
      const closed: string[] = [];
      notes.forEach((note, i) => {
        const settled = delivered[i];
        if (settled.status === 'rejected') {
          outcomes.set(note.id, { result: 'failed', error: settled.reason });
          return;
        }
        (settled.value === 'signalled' ? signalled : closed).push(note.id);
      });
      // The instant the relay was done (clock_timestamp: now() is the transaction's start).
      if (signalled.length > 0) {
        await refusingCaseRecordChanges(() =>
          records.update({ id: In(signalled) }, { relayedAt: () => 'clock_timestamp()' }),
        );
      }
      if (closed.length > 0) {
        await refusingCaseRecordChanges(() =>
          records.update({ id: In(closed) }, { relayedAt: () => 'clock_timestamp()', outcome: 'refused' }),
        );
      }
      for (const id of signalled) outcomes.set(id, { result: 'signalled' });
      for (const id of closed) outcomes.set(id, { result: 'closed' });
    });
    return outcomes;
  }

  /**
   * A case's notes that are not in its timeline, oldest first: answered and still on their way to
   * the workflow (accepted, no timeline entry yet), or answered and then refused because the
   * workflow had completed before the relay reached it (refused, relayed).
   */
  notesInDelivery(escalationId: string): Promise<NoteInDelivery[]> {
    return this.records
      .createQueryBuilder('a')
      .select([
        'a.id',
        'a.personId',
        'a.agencyId',
        'a.role',
        'a.text',
        'a.outcome',
        'a.createdAt',
        'a.relayedAt',
      ])
      .where(`a.escalationId = :escalationId AND a.kind = 'add-note'`, { escalationId })
      .andWhere(
        `((a.outcome = 'accepted' AND NOT EXISTS (SELECT 1 FROM escalation_event e WHERE e.action_id = a.id))` +
          ` OR (a.outcome = 'refused' AND a.relayedAt IS NOT NULL))`,
      )
      .orderBy('a.createdAt', 'ASC')
      .addOrderBy('a.id', 'ASC')
      .getMany();
  }

  /**
   * Runs `work` while holding the reconciler's lock, so that two API replicas never deliver the
   * same action at once (a note's signal, which Temporal does not de-duplicate, would be added
   * twice). Null, without running it, when another replica holds the lock.
   */
  async reconcilingExclusively<T>(work: () => Promise<T>): Promise<T | null> {
    return this.dataSource.transaction(async (manager) => {
      // Raw SQL: an advisory lock, released with the transaction, has no TypeORM API.
      const [{ locked }] = (await manager.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [
        RECONCILER_LOCK,
      ])) as { locked: boolean }[];
      return locked ? work() : null;
    });
  }

  /** The action that raised the case (who raised it, as which agency and role). */
  raiseActionOf(escalationId: string): Promise<Pick<ActionRecordEntity, 'id' | 'agencyId' | 'role'> | null> {
    return this.records.findOne({
      where: { escalationId, kind: 'raise' },
      select: { id: true, agencyId: true, role: true },
    });
  }

  /** Every action of these cases, in the order they were recorded. */
  forEscalations(escalationIds: string[]): Promise<ActionRecordEntity[]> {
    if (escalationIds.length === 0) return Promise.resolve([]);
    return this.records.find({
      where: { escalationId: In(escalationIds) },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  /** Actions recorded, by kind and outcome (the metrics gauge). */
  countsByKindAndOutcome(): Promise<ActionCount[]> {
    return this.records
      .createQueryBuilder('a')
      .select('a.kind', 'kind')
      .addSelect('a.outcome', 'outcome')
      .addSelect('count(*)::int', 'count')
      .groupBy('a.kind')
      .addGroupBy('a.outcome')
      .getRawMany();
  }
}

/** A record as the upsert returns it (raw column names). */
interface StoredContent {
  id: string;
  escalation_id: string;
  kind: string;
  person_id: string;
  agency_id: string | null;
  role: string;
  text: string | null;
  payload: Record<string, unknown>;
  request_id: string | null;
  inserted: boolean;
}

function contentOf(record: NewActionRecord): ActionRecordContent {
  return {
    id: record.id,
    escalationId: record.escalationId,
    kind: record.kind,
    personId: record.personId,
    agencyId: record.agencyId,
    role: record.role,
    text: record.text,
    payload: record.payload,
    requestId: record.requestId ?? null,
  };
}
