import { Injectable } from '@nestjs/common';
import {
  AuditRepository,
  ChainWalker,
  fieldsOfRow,
  type AuditEntry,
  type CaseRecordCheck,
  type ChainCheck,
} from '@resolve/persistence';

export type { AuditEntry } from '@resolve/persistence';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (v: unknown): v is string => typeof v === 'string' && UUID.test(v);

/** Rows read per round trip while verifying the chain. */
const VERIFY_PAGE = 1000;

/**
 * Appends to and reads the audit trail (table audit_log, migration 1763900100000-AuditTrail).
 * The repository serialises appends under the chain lock and hands over the next seq and the
 * head's hash, so each row's prev_hash is the hash of the row before it and seq follows chain
 * order; the hash is computed by the repository with the shared chain functions.
 */
@Injectable()
export class AuditService {
  constructor(private readonly rows: AuditRepository) {}

  append(entry: AuditEntry): Promise<{ seq: number; hash: string }> {
    return this.rows.record(entry);
  }

  /**
   * Walks the whole chain as it stood when the walk began, then checks every action record
   * against the fingerprint chained with it: `ok` is false when a row or a record was altered.
   */
  async verify(): Promise<ChainCheck & { caseRecord: CaseRecordCheck }> {
    const chain = await this.walk();
    const caseRecord = await this.rows.checkCaseRecord();
    return { ...chain, ok: chain.ok && caseRecord.altered.length === 0, caseRecord };
  }

  private async walk(): Promise<ChainCheck> {
    const head = await this.rows.headSeq();
    const walker = new ChainWalker();
    let after = '0';
    while (head !== null) {
      const rows = await this.rows.range(after, head, VERIFY_PAGE);
      if (rows.length === 0) break;
      for (const row of rows) walker.add(row);
      after = rows[rows.length - 1].seq;
    }
    return walker.result();
  }

  /** The rows about one escalation, oldest first. */
  async forEscalation(escalationId: string, options: { after?: number; limit?: number } = {}) {
    const limit = options.limit ?? 100;
    const rows = await this.rows.forEscalation(escalationId, options.after ?? 0, limit + 1);
    const page = rows.slice(0, limit).map((r) => ({ ...fieldsOfRow(r), prevHash: r.prevHash, hash: r.hash }));
    return { items: page, nextAfter: rows.length > limit ? page[page.length - 1].seq : null };
  }
}
