import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  AuditRepository,
  ChainWalker,
  fieldsOfRow,
  type AuditEntry,
  type CaseContentCheck,
  type CaseRecordCheck,
  type ChainCheck,
} from '@resolve/persistence';

import { AUDIT_HEAD_SETTINGS, readPublishedHeads, type AuditHeadSettings } from './audit-head';

export type { AuditEntry } from '@resolve/persistence';

/**
 * The chain compared with its published heads: each head's row must still carry the hash that
 * was published (a chain rewritten and re-hashed from before it no longer does), and no
 * published head may lie beyond the chain's end (a shortened chain).
 */
export interface PublishedHeadsCheck {
  ok: boolean;
  /** Heads in AUDIT_HEAD_LOG whose signature holds. */
  heads: number;
  /** The latest of them. */
  latest: { seq: number; hash: string; at: string } | null;
  /** Published heads whose row now has another hash. */
  rewritten: number[];
  /** Published heads past the chain's last row. */
  missing: number[];
  /** Lines of the log whose signature does not hold (altered, or another key's). */
  badLines: number[];
}

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
  constructor(
    private readonly rows: AuditRepository,
    @Optional() @Inject(AUDIT_HEAD_SETTINGS) private readonly headSettings: AuditHeadSettings | null,
  ) {}

  append(entry: AuditEntry): Promise<{ seq: number; hash: string }> {
    return this.rows.record(entry);
  }

  /**
   * Walks the whole chain as it stood when the walk began, then checks every action record,
   * timeline entry, plan item and subject against the fingerprint chained with it, and (when
   * AUDIT_HEAD_LOG is set) the chain against every head published: `ok` is false when a row or
   * a record was altered or deleted, or the chain was rewritten since a head was published.
   */
  async verify(): Promise<
    ChainCheck & {
      caseRecord: CaseRecordCheck & CaseContentCheck;
      publishedHeads?: PublishedHeadsCheck;
    }
  > {
    const published = this.headSettings
      ? await readPublishedHeads(this.headSettings.logPath, this.headSettings.signingKey)
      : null;
    const expected = new Map((published?.heads ?? []).map((h) => [h.seq, h.hash]));
    const rewritten = new Set<number>();
    const chain = await this.walk((seq, hash) => {
      const want = expected.get(seq);
      if (want !== undefined && want !== hash) rewritten.add(seq);
    });
    const records = await this.rows.checkCaseRecord();
    const content = await this.rows.checkCaseContent();
    const caseRecord = { ...records, ...content };
    const ok =
      chain.ok &&
      records.altered.length === 0 &&
      [content.timeline, content.planItems, content.subjects].every(
        (c) => c.altered.length === 0 && c.missing.length === 0,
      );
    if (!published) return { ...chain, ok, caseRecord };
    const lastSeq = chain.head?.seq ?? 0;
    const latest = published.heads.reduce<PublishedHeadsCheck['latest']>(
      (l, h) => (!l || h.seq >= l.seq ? { seq: h.seq, hash: h.hash, at: h.at } : l),
      null,
    );
    const publishedHeads: PublishedHeadsCheck = {
      heads: published.heads.length,
      latest,
      rewritten: [...rewritten].sort((a, b) => a - b),
      missing: [...new Set(published.heads.filter((h) => h.seq > lastSeq).map((h) => h.seq))],
      badLines: published.badLines,
      ok: false,
    };
    publishedHeads.ok =
      publishedHeads.rewritten.length === 0 &&
      publishedHeads.missing.length === 0 &&
      publishedHeads.badLines.length === 0;
    return { ...chain, ok: ok && publishedHeads.ok, caseRecord, publishedHeads };
  }

  private async walk(visit: (seq: number, hash: string) => void = () => undefined): Promise<ChainCheck> {
    const head = await this.rows.headSeq();
    const walker = new ChainWalker();
    let after = '0';
    while (head !== null) {
      const rows = await this.rows.range(after, head, VERIFY_PAGE);
      if (rows.length === 0) break;
      for (const row of rows) {
        walker.add(row);
        visit(Number(row.seq), row.hash);
      }
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
