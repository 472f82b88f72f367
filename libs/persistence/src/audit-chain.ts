import { createHash } from 'node:crypto';
import type { AuditLogEntity } from './entities/audit.entities';
import type {
  ActionRecordEntity,
  EscalationEventEntity,
  EscalationSubjectEntity,
  PlanItemEntity,
} from './entities/escalation.entities';

/**
 * The hash chain of the audit trail, as pure functions so every writer (the API, the worker)
 * and the verifier share them. `hash = sha256(prev_hash || canonical JSON of the row's fields)`, hex.
 */

/** prev_hash of the first row. */
export const GENESIS_HASH = '0'.repeat(64);

/** What a row says: every column except prev_hash and hash. */
export interface AuditFields {
  seq: number;
  /** ISO-8601 instant, millisecond precision (what timestamptz gives back for a JS Date). */
  at: string;
  requestId: string;
  personId: string | null;
  agencyId: string | null;
  role: string | null;
  partnershipId: string | null;
  /** Lower-case UUID, as Postgres returns it. */
  escalationId: string | null;
  action: string;
  outcome: number;
  actionRecordId: string | null;
  detail: Record<string, unknown>;
}

/**
 * JSON with object keys sorted at every level and no insignificant whitespace, so the same
 * values always give the same bytes (and the same values read back from jsonb do too).
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new Error('canonicalJson: numbers must be finite');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value))
        return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
    }
    default:
      throw new Error(`canonicalJson: cannot encode a ${typeof value}`);
  }
}

export function chainHash(prevHash: string, fields: AuditFields): string {
  return createHash('sha256').update(prevHash).update(canonicalJson(fields)).digest('hex');
}

/** Audit actions of the rows written with a record (the case record's link into the chain). */
export const CASE_RECORD_AUDIT = {
  /** A record written: who, which case, which kind, and the record's fingerprint. */
  appended: 'case-record.append',
  /** A placeholder's actor filled in: the record's fingerprint as it now stands. */
  actorFilledIn: 'case-record.actor',
} as const;

/**
 * Audit actions of the rows that fingerprint the rest of the case record (issue 13): the
 * timeline, plan items and the subject. Each row names the escalation; `detail` holds only
 * fingerprints (and ids), never the text they cover.
 */
export const CASE_CONTENT_AUDIT = {
  /** Timeline entries stored by a projection: detail.fingerprints, seq -> hash. */
  timeline: 'case-record.timeline',
  /** Plan items written, or a new version of them (done): detail.fingerprints, item id -> hash. */
  planItems: 'case-record.plan-items',
  /** Items of a plan that was not accepted, removed by design: detail.removed, item ids. */
  planItemsRemoved: 'case-record.plan-items-removed',
  /** The child's or adult's details, written with the raise: detail.contentHash. */
  subject: 'case-record.subject',
} as const;

const sha256 = (value: unknown) => createHash('sha256').update(canonicalJson(value)).digest('hex');
const isoOf = (at: Date | string) => new Date(at).toISOString();

/** What a timeline entry says: every column but its serial id. */
export type TimelineEntryContent = Pick<
  EscalationEventEntity,
  'escalationId' | 'seq' | 'at' | 'type' | 'tier' | 'actor' | 'actionId' | 'detail'
>;

/** The fingerprint of a timeline entry as stored (jsonb read back, instants to the millisecond). */
export function timelineEntryHash(entry: TimelineEntryContent): string {
  return sha256({
    escalationId: entry.escalationId.toLowerCase(),
    seq: Number(entry.seq),
    at: isoOf(entry.at),
    type: entry.type,
    tier: Number(entry.tier),
    actor: entry.actor ?? null,
    actionId: entry.actionId?.toLowerCase() ?? null,
    detail: entry.detail ?? {},
  });
}

/** What a plan item says, status included: each version written is fingerprinted. */
export type PlanItemContent = Pick<
  PlanItemEntity,
  'id' | 'escalationId' | 'actionId' | 'ownerAgencyId' | 'ownerPersonId' | 'description' | 'dueAt' | 'status'
>;

export function planItemHash(item: PlanItemContent): string {
  return sha256({
    id: item.id.toLowerCase(),
    escalationId: item.escalationId.toLowerCase(),
    actionId: item.actionId.toLowerCase(),
    ownerAgencyId: item.ownerAgencyId,
    ownerPersonId: item.ownerPersonId ?? null,
    description: item.description,
    dueAt: isoOf(item.dueAt),
    status: item.status,
  });
}

/** What the subject row says (the columns named here: a column added later is not covered). */
export type SubjectContent = Pick<
  EscalationSubjectEntity,
  'escalationId' | 'subjectKind' | 'people' | 'caseIdentifier' | 'natureOfConcern' | 'outcomesSought'
>;

export function subjectHash(subject: SubjectContent): string {
  return sha256({
    escalationId: subject.escalationId.toLowerCase(),
    subjectKind: subject.subjectKind,
    people: subject.people ?? [],
    caseIdentifier: subject.caseIdentifier ?? null,
    natureOfConcern: subject.natureOfConcern,
    outcomesSought: subject.outcomesSought,
  });
}

/** What an action's record says: every column but the outcome, which the workflow's answer sets later. */
export type ActionRecordContent = Pick<
  ActionRecordEntity,
  'id' | 'escalationId' | 'kind' | 'personId' | 'agencyId' | 'role' | 'text' | 'payload' | 'requestId'
>;

/**
 * The fingerprint of an action's record, kept in the audit row written with it
 * (detail.contentHash): the record's text is chained into the trail without being copied there,
 * so a record changed behind the triggers' back no longer matches its row.
 */
export function actionRecordHash(record: ActionRecordContent): string {
  const content = {
    id: record.id.toLowerCase(),
    escalationId: record.escalationId.toLowerCase(),
    kind: record.kind,
    personId: record.personId,
    agencyId: record.agencyId ?? null,
    role: record.role,
    text: record.text ?? null,
    payload: record.payload ?? {},
    requestId: record.requestId ?? null,
  };
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

/** A stored row, as the audit repository reads it back. */
export type StoredAuditRow = AuditLogEntity;

/** The fields of a stored row. */
export function fieldsOfRow(row: StoredAuditRow): AuditFields {
  return {
    seq: Number(row.seq),
    at: new Date(row.at).toISOString(),
    requestId: row.requestId,
    personId: row.personId ?? null,
    agencyId: row.agencyId ?? null,
    role: row.role ?? null,
    partnershipId: row.partnershipId ?? null,
    escalationId: row.escalationId ?? null,
    action: row.action,
    outcome: Number(row.outcome),
    actionRecordId: row.actionRecordId ?? null,
    detail: row.detail ?? {},
  };
}

export interface ChainCheck {
  ok: boolean;
  rows: number;
  firstBrokenSeq?: number;
  /** The last row: record it somewhere else to detect a rewritten or shortened tail later. */
  head: { seq: number; hash: string } | null;
}

/**
 * Walks stored rows in seq order. A row is broken when its prev_hash is not the previous row's
 * stored hash, or its stored hash is not the hash of its prev_hash and fields.
 */
export class ChainWalker {
  private prev = GENESIS_HASH;
  private rows = 0;
  private firstBroken: number | undefined;
  private head: ChainCheck['head'] = null;

  add(row: StoredAuditRow): void {
    const fields = fieldsOfRow(row);
    const { prevHash, hash } = row;
    this.rows += 1;
    if (this.firstBroken === undefined && (prevHash !== this.prev || chainHash(prevHash, fields) !== hash)) {
      this.firstBroken = fields.seq;
    }
    this.prev = hash;
    this.head = { seq: fields.seq, hash };
  }

  result(): ChainCheck {
    return {
      ok: this.firstBroken === undefined,
      rows: this.rows,
      ...(this.firstBroken !== undefined ? { firstBrokenSeq: this.firstBroken } : {}),
      head: this.head,
    };
  }
}
