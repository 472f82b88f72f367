import { And, EntityManager, In, LessThanOrEqual, MoreThan, type DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import {
  actionRecordHash,
  CASE_CONTENT_AUDIT,
  CASE_RECORD_AUDIT,
  chainHash,
  GENESIS_HASH,
  planItemHash,
  subjectHash,
  timelineEntryHash,
  type AuditFields,
} from '../audit-chain';
import { AuditLogEntity } from '../entities/audit.entities';
import {
  ActionRecordEntity,
  EscalationEntity,
  EscalationEventEntity,
  EscalationSubjectEntity,
  PlanItemEntity,
} from '../entities/escalation.entities';

/**
 * The transaction-level advisory lock that serialises appends to the chain. The INSERT trigger
 * of migration 1763900100000-AuditTrail takes the same lock (keep the two in step).
 */
export const AUDIT_CHAIN_LOCK_KEY = '5933711093098317157';

/** What an audit row says, before the chain gives it its seq and instant. */
export type AuditEntry = Omit<AuditFields, 'seq' | 'at'>;

/** A row to append: everything but seq, which the repository reserves inside the lock. */
export type AuditLink = Omit<AuditLogEntity, 'seq'>;

/** The escalation's parties an audit row is attributed by. */
export type AuditedEscalation = Pick<
  EscalationEntity,
  'partnershipId' | 'protocolId' | 'raisingAgencyId' | 'receivingAgencyId'
>;

/** Who wrote an action_record, as the audit row names them. */
export type AuditedActionRecord = Pick<ActionRecordEntity, 'id' | 'agencyId' | 'role'>;

/** The case record checked against the fingerprints chained with it (GET /audit/verify). */
export interface CaseRecordCheck {
  /** Action records checked. */
  records: number;
  /** Records whose content no longer matches the fingerprint of their latest case-record row (ids, the first 100). */
  altered: string[];
  /**
   * Records with no case-record row (ids, the first 100): written before migration
   * 1764600000000-AppendOnlyCaseRecord, or inserted behind the application's back.
   */
  unchained: string[];
}

/** One kind of case content (timeline entries, plan items, subjects) against its fingerprints. */
export interface ContentCheck {
  /** Rows checked. */
  checked: number;
  /** Rows that no longer match their latest fingerprint (the first 100). */
  altered: string[];
  /** Fingerprinted rows that are gone, though never removed by design (the first 100). */
  missing: string[];
  /** Rows with no fingerprint: written before the fingerprints were chained (a count). */
  unchained: number;
}

/**
 * The rest of the case record against its fingerprints: timeline entries are named
 * `<escalation id>#<seq>`, plan items by id, subjects by their escalation's id.
 */
export interface CaseContentCheck {
  timeline: ContentCheck;
  planItems: ContentCheck;
  subjects: ContentCheck;
}

/** Who and what a fingerprint row is written for (the row always names the escalation). */
export interface CaseContentAuditContext {
  requestId: string;
  partnershipId?: string | null;
  personId?: string | null;
  agencyId?: string | null;
  role?: string | null;
  actionRecordId?: string | null;
}

/** Escalations whose content is compared per round trip. */
const CASE_CONTENT_PAGE = 200;

/** Records compared per round trip. */
const CASE_RECORD_PAGE = 1000;
const LISTED = 100;

/**
 * The audit trail (table audit_log) and the reads the API needs to attribute its rows: the
 * escalation a request was about and the action_record it wrote. The hash chain itself is
 * computed by the caller; this repository only serialises appends and reads rows back.
 */
export class AuditRepository {
  constructor(private readonly db: DataSource | EntityManager) {}

  private get rows() {
    return this.db.getRepository(AuditLogEntity);
  }

  private get actionRecords() {
    return this.db.getRepository(ActionRecordEntity);
  }

  /**
   * Appends one row at the head of the chain. Inside one transaction and under the chain lock,
   * reads the head's hash, reserves the next seq and asks `link` for the row (it computes the
   * hash from both), so no concurrent writer can fork the chain.
   */
  async append(link: (next: { seq: number; headHash: string | null }) => AuditLink): Promise<AuditLogEntity> {
    const run = async (tx: EntityManager) => {
      // Raw SQL: TypeORM has no API for advisory locks; the insert trigger takes the same one.
      await tx.query(`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK_KEY})`);
      // Raw SQL: the head's hash and the next seq in one round trip, as every statement between
      // the lock and the commit holds up every other writer of the chain. A statement of its
      // own after the lock's, so its snapshot sees the head the last holder committed. The serial's
      // next value is reserved before the insert because the hash covers it.
      const [next] = (await tx.query(
        `SELECT (SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1) AS hash,
                nextval(pg_get_serial_sequence('audit_log', 'seq'))::text AS seq`,
      )) as { hash: string | null; seq: string }[];
      const row: AuditLogEntity = {
        ...link({ seq: Number(next.seq), headHash: next.hash ?? null }),
        seq: next.seq,
      };
      await tx
        .createQueryBuilder()
        .insert()
        .into(AuditLogEntity)
        // TypeORM's deep-partial type cannot take a jsonb Record<string, unknown>; the row is whole.
        .values(row as QueryDeepPartialEntity<AuditLogEntity>)
        .updateEntity(false)
        .execute();
      return row;
    };
    // Inside a caller's transaction (a projection, an action record), no savepoint: its RELEASE
    // would be one more round trip under the chain's lock, and a failed append fails the caller's
    // transaction either way (no caller carries on after one).
    if (this.db instanceof EntityManager && this.db.queryRunner?.isTransactionActive) return run(this.db);
    return this.db instanceof EntityManager ? this.db.transaction(run) : this.db.transaction(run);
  }

  /**
   * Records one entry at the head of the chain, hashed over the previous row's hash and the
   * entry's fields (audit-chain.ts): the one way the API and the worker write the trail.
   */
  async record(entry: AuditEntry): Promise<{ seq: number; hash: string }> {
    const row = await this.append(({ seq, headHash }) => {
      const fields: AuditFields = {
        ...entry,
        seq,
        at: new Date().toISOString(),
        escalationId: entry.escalationId?.toLowerCase() ?? null,
        actionRecordId: entry.actionRecordId?.toLowerCase() ?? null,
      };
      const prevHash = headHash ?? GENESIS_HASH;
      const { seq: _seq, at, ...columns } = fields;
      return { ...columns, at: new Date(at), prevHash, hash: chainHash(prevHash, fields) };
    });
    return { seq: Number(row.seq), hash: row.hash };
  }

  /**
   * Compares every action record with the fingerprint (detail.contentHash) of the latest
   * case-record row naming it: a record changed behind the triggers' back (by the tables' owner
   * or a superuser who disabled them) no longer matches.
   */
  async checkCaseRecord(): Promise<CaseRecordCheck> {
    const check: CaseRecordCheck = { records: 0, altered: [], unchained: [] };
    let after = '';
    for (;;) {
      const records = await this.actionRecords.find({
        select: [
          'id',
          'escalationId',
          'kind',
          'personId',
          'agencyId',
          'role',
          'text',
          'payload',
          'requestId',
        ],
        where: after ? { id: MoreThan(after) } : {},
        order: { id: 'ASC' },
        take: CASE_RECORD_PAGE,
      });
      if (records.length === 0) return check;
      const fingerprints = new Map<string, unknown>();
      const rows = await this.rows.find({
        select: ['seq', 'actionRecordId', 'detail'],
        where: {
          actionRecordId: In(records.map((r) => r.id)),
          action: In(Object.values(CASE_RECORD_AUDIT)),
        },
        order: { seq: 'ASC' },
      });
      for (const row of rows) fingerprints.set(row.actionRecordId!, row.detail?.contentHash);
      for (const record of records) {
        check.records += 1;
        const chained = fingerprints.get(record.id);
        if (chained === undefined) {
          if (check.unchained.length < LISTED) check.unchained.push(record.id);
        } else if (chained !== actionRecordHash(record)) {
          if (check.altered.length < LISTED) check.altered.push(record.id);
        }
      }
      after = records[records.length - 1].id;
    }
  }

  /**
   * Appends the fingerprint row of some of a case's content (CASE_CONTENT_AUDIT), in the
   * caller's transaction when the repository is bound to one.
   */
  async recordCaseContent(
    action: (typeof CASE_CONTENT_AUDIT)[keyof typeof CASE_CONTENT_AUDIT],
    escalationId: string,
    detail: Record<string, unknown>,
    context: CaseContentAuditContext,
  ): Promise<void> {
    await this.record({
      requestId: context.requestId,
      personId: context.personId ?? null,
      agencyId: context.agencyId ?? null,
      role: context.role ?? null,
      partnershipId: context.partnershipId ?? null,
      escalationId,
      action,
      outcome: action === CASE_CONTENT_AUDIT.planItemsRemoved ? 200 : 201,
      actionRecordId: context.actionRecordId ?? null,
      detail,
    });
  }

  /**
   * Compares the timeline, plan items and subject of every case with the latest fingerprint
   * chained for each (CASE_CONTENT_AUDIT), a page of cases at a time: a row changed or deleted
   * behind the triggers' back no longer matches, or is missing.
   */
  async checkCaseContent(): Promise<CaseContentCheck> {
    const fresh = (): ContentCheck => ({ checked: 0, altered: [], missing: [], unchained: 0 });
    const check: CaseContentCheck = { timeline: fresh(), planItems: fresh(), subjects: fresh() };
    const list = (into: string[], id: string) => {
      if (into.length < LISTED) into.push(id);
    };
    let after = '';
    for (;;) {
      const cases = await this.db.getRepository(EscalationEntity).find({
        select: ['id'],
        where: after ? { id: MoreThan(after) } : {},
        order: { id: 'ASC' },
        take: CASE_CONTENT_PAGE,
      });
      if (cases.length === 0) return check;
      const ids = cases.map((c) => c.id);
      const [rows, events, items, subjects] = await Promise.all([
        this.rows.find({
          select: ['seq', 'escalationId', 'action', 'detail'],
          where: { escalationId: In(ids), action: In(Object.values(CASE_CONTENT_AUDIT)) },
          order: { seq: 'ASC' },
        }),
        this.db.getRepository(EscalationEventEntity).find({ where: { escalationId: In(ids) } }),
        this.db.getRepository(PlanItemEntity).find({ where: { escalationId: In(ids) } }),
        this.db.getRepository(EscalationSubjectEntity).find({ where: { escalationId: In(ids) } }),
      ]);
      // The latest fingerprint of each row (null: removed by design), in chain order.
      const timeline = new Map<string, string>();
      const planItems = new Map<string, string | null>();
      const subjectPrints = new Map<string, string>();
      for (const row of rows) {
        const detail = row.detail ?? {};
        const escalationId = row.escalationId!;
        if (row.action === CASE_CONTENT_AUDIT.timeline) {
          for (const [seq, hash] of Object.entries(prints(detail)))
            timeline.set(`${escalationId}#${seq}`, hash);
        } else if (row.action === CASE_CONTENT_AUDIT.planItems) {
          for (const [id, hash] of Object.entries(prints(detail))) planItems.set(id, hash);
        } else if (row.action === CASE_CONTENT_AUDIT.planItemsRemoved) {
          for (const id of Array.isArray(detail.removed) ? detail.removed : [])
            planItems.set(String(id), null);
        } else if (typeof detail.contentHash === 'string') {
          subjectPrints.set(escalationId, detail.contentHash);
        }
      }
      const compare = (
        into: ContentCheck,
        stored: { key: string; hash: string }[],
        chained: Map<string, string | null>,
      ) => {
        const present = new Set<string>();
        for (const { key, hash } of stored) {
          into.checked += 1;
          present.add(key);
          const print = chained.get(key);
          if (print === undefined) into.unchained += 1;
          else if (print !== hash) list(into.altered, key);
        }
        for (const [key, print] of chained) if (print !== null && !present.has(key)) list(into.missing, key);
      };
      compare(
        check.timeline,
        events.map((e) => ({ key: `${e.escalationId}#${e.seq}`, hash: timelineEntryHash(e) })),
        timeline,
      );
      compare(
        check.planItems,
        items.map((i) => ({ key: i.id, hash: planItemHash(i) })),
        planItems,
      );
      compare(
        check.subjects,
        subjects.map((s) => ({ key: s.escalationId, hash: subjectHash(s) })),
        subjectPrints,
      );
      after = ids[ids.length - 1];
    }
  }

  /** The chain's last row (what is published as its head); null when the trail is empty. */
  async head(): Promise<{ seq: number; hash: string } | null> {
    const [row] = await this.rows.find({
      select: { seq: true, hash: true },
      order: { seq: 'DESC' },
      take: 1,
    });
    return row ? { seq: Number(row.seq), hash: row.hash } : null;
  }

  /** seq of the chain's last row, as text (bigint); null when the trail is empty. */
  async headSeq(): Promise<string | null> {
    const row = await this.rows
      .createQueryBuilder('a')
      .select('MAX(a.seq)', 'max')
      .getRawOne<{ max: string | null }>();
    return row?.max ?? null;
  }

  /** Rows with seq in (after, upTo], oldest first. */
  async range(after: string, upTo: string, limit: number): Promise<AuditLogEntity[]> {
    return this.rows.find({
      where: { seq: And(MoreThan(after), LessThanOrEqual(upTo)) },
      order: { seq: 'ASC' },
      take: limit,
    });
  }

  /** One escalation's rows after seq `after`, oldest first. */
  async forEscalation(escalationId: string, after: number, limit: number): Promise<AuditLogEntity[]> {
    return this.rows.find({
      where: { escalationId, seq: MoreThan(String(after)) },
      order: { seq: 'ASC' },
      take: limit,
    });
  }

  /**
   * The database's clock, as text with its full (microsecond) precision: compared later with
   * action_record.created_at, which the database also stamps.
   */
  async databaseClock(): Promise<string> {
    // Raw SQL: clock_timestamp() reads no table, and a JS Date would drop the microseconds.
    const [row] = (await this.db.query(`SELECT clock_timestamp()::text AS now`)) as { now: string }[];
    return row.now;
  }

  async escalation(escalationId: string): Promise<AuditedEscalation | null> {
    return this.db.getRepository(EscalationEntity).findOne({
      select: ['partnershipId', 'protocolId', 'raisingAgencyId', 'receivingAgencyId'],
      where: { id: escalationId },
    });
  }

  /** The record of the escalation's raise. */
  async raiseRecord(escalationId: string): Promise<AuditedActionRecord | null> {
    return this.actionRecords.findOne({
      select: ['id', 'agencyId', 'role'],
      where: { escalationId, kind: 'raise' },
    });
  }

  async actionRecord(actionRecordId: string, escalationId: string): Promise<AuditedActionRecord | null> {
    return this.actionRecords.findOne({
      select: ['id', 'agencyId', 'role'],
      where: { id: actionRecordId, escalationId },
    });
  }

  /**
   * The record a person's request most likely wrote on the escalation since `since` (database
   * clock text): the one carrying the request's id first, else the latest.
   */
  async latestActionRecordBy(query: {
    escalationId: string;
    personId: string;
    since: string;
    requestId: string;
  }): Promise<AuditedActionRecord | null> {
    return this.actionRecords
      .createQueryBuilder('ar')
      .select(['ar.id', 'ar.agencyId', 'ar.role'])
      .where('ar.escalationId = :escalationId', { escalationId: query.escalationId })
      .andWhere('ar.personId = :personId', { personId: query.personId })
      .andWhere('ar.createdAt >= CAST(:since AS timestamptz)', { since: query.since })
      .orderBy('(ar.requestId IS NOT DISTINCT FROM :requestId)', 'DESC')
      .addOrderBy('ar.createdAt', 'DESC')
      .setParameter('requestId', query.requestId)
      .limit(1)
      .getOne();
  }
}

/** A fingerprint row's `detail.fingerprints` (key -> hash); anything else is ignored. */
function prints(detail: Record<string, unknown>): Record<string, string> {
  const value = detail.fingerprints;
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  );
}
