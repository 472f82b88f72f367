import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  AUDIT_CHAIN_LOCK_KEY,
  ChainWalker,
  chainHash,
  fieldsOfRow,
  GENESIS_HASH,
  type AuditFields,
  type ChainCheck,
} from './audit-chain';

export type AuditEntry = Omit<AuditFields, 'seq' | 'at'>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (v: unknown): v is string => typeof v === 'string' && UUID.test(v);

/**
 * Appends to and reads the audit trail (table audit_log, migration 1763900100000-AuditTrail).
 * Appends are serialised by a transaction-level advisory lock, so each row's prev_hash is the
 * hash of the row before it and seq follows chain order.
 */
@Injectable()
export class AuditService {
  constructor(private readonly ds: DataSource) {}

  async append(entry: AuditEntry): Promise<{ seq: number; hash: string }> {
    return this.ds.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK_KEY})`);
      const [head] = await tx.query(`SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1`);
      const [next] = await tx.query(
        `SELECT nextval(pg_get_serial_sequence('audit_log', 'seq'))::text AS seq`,
      );
      const fields: AuditFields = {
        ...entry,
        seq: Number(next.seq),
        at: new Date().toISOString(),
        escalationId: entry.escalationId?.toLowerCase() ?? null,
        actionRecordId: entry.actionRecordId?.toLowerCase() ?? null,
      };
      const prevHash: string = head?.hash ?? GENESIS_HASH;
      const hash = chainHash(prevHash, fields);
      await tx.query(
        `INSERT INTO audit_log (seq, at, request_id, person_id, agency_id, role, partnership_id, escalation_id,
           action, outcome, action_record_id, detail, prev_hash, hash)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`,
        [
          fields.seq,
          fields.at,
          fields.requestId,
          fields.personId,
          fields.agencyId,
          fields.role,
          fields.partnershipId,
          fields.escalationId,
          fields.action,
          fields.outcome,
          fields.actionRecordId,
          JSON.stringify(fields.detail),
          prevHash,
          hash,
        ],
      );
      return { seq: fields.seq, hash };
    });
  }

  /** Walks the whole chain as it stood when the walk began. */
  async verify(): Promise<ChainCheck> {
    const [{ max }] = await this.ds.query(`SELECT max(seq)::text AS max FROM audit_log`);
    const walker = new ChainWalker();
    let after = '0';
    while (max !== null) {
      const rows: Record<string, unknown>[] = await this.ds.query(
        `SELECT * FROM audit_log WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT 1000`,
        [after, max],
      );
      if (rows.length === 0) break;
      for (const row of rows) walker.add(row);
      after = String(rows[rows.length - 1].seq);
    }
    return walker.result();
  }

  /** The rows about one escalation, oldest first. */
  async forEscalation(escalationId: string, options: { after?: number; limit?: number } = {}) {
    const limit = options.limit ?? 100;
    const rows: Record<string, unknown>[] = await this.ds.query(
      `SELECT * FROM audit_log WHERE escalation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [escalationId, options.after ?? 0, limit + 1],
    );
    const page = rows
      .slice(0, limit)
      .map((r) => ({ ...fieldsOfRow(r), prevHash: r.prev_hash as string, hash: r.hash as string }));
    return { items: page, nextAfter: rows.length > limit ? page[page.length - 1].seq : null };
  }
}
