import type { DataSource, EntityManager } from 'typeorm';

/** Timeline entries that may be a moment when forms are lodged (libs/protocols `lodgementsAt`). */
export const LODGING_ENTRY_TYPES = ['tier-entered', 'closed'] as const;

/** A moment the lodger has still to take in. */
export interface PendingLodgementMoment {
  escalationId: string;
  seq: number;
  at: string;
  attempts: number;
}

/** One form as lodged: written once, never changed (a trigger refuses it). */
export interface NewLodgement {
  escalationId: string;
  partnershipId: string;
  key: string;
  moment: string;
  timelineSeq: number;
  momentAt: string;
  protocolId: string;
  protocolVersion: number;
  tierKey: string;
  tierNumber: number;
  recordKind: string;
  document: string;
  title: string;
  recipientPartnershipRole: string | null;
  recipientAgencyRole: string | null;
  formJson: object;
  formHtml: string;
  contentHash: string;
}

export interface Lodgement extends NewLodgement {
  id: string;
  lodgedAt: string;
  noticeStartedAt: string | null;
}

/** What lists of lodgements carry: everything but the form itself. */
export type LodgementSummary = Omit<Lodgement, 'formJson' | 'formHtml'>;

type Row = Record<string, unknown>;

const SUMMARY_COLUMNS = `id, escalation_id, partnership_id, lodgement_key, moment, timeline_seq, moment_at,
  protocol_id, protocol_version, tier_key, tier_number, record_kind, document, title,
  recipient_partnership_role, recipient_agency_role, lodged_at, content_hash, notice_started_at`;

const iso = (v: unknown): string => new Date(v as string).toISOString();

function summaryOf(r: Row): LodgementSummary {
  return {
    id: r.id as string,
    escalationId: r.escalation_id as string,
    partnershipId: r.partnership_id as string,
    key: r.lodgement_key as string,
    moment: r.moment as string,
    timelineSeq: Number(r.timeline_seq),
    momentAt: iso(r.moment_at),
    protocolId: r.protocol_id as string,
    protocolVersion: Number(r.protocol_version),
    tierKey: r.tier_key as string,
    tierNumber: Number(r.tier_number),
    recordKind: r.record_kind as string,
    document: r.document as string,
    title: r.title as string,
    recipientPartnershipRole: (r.recipient_partnership_role as string | null) ?? null,
    recipientAgencyRole: (r.recipient_agency_role as string | null) ?? null,
    lodgedAt: iso(r.lodged_at),
    contentHash: r.content_hash as string,
    noticeStartedAt: r.notice_started_at ? iso(r.notice_started_at) : null,
  };
}

/**
 * Lodged forms and the outbox of moments that may lodge them (docs/records-and-reports.md,
 * "Lodged forms"). Raw SQL: the tables have no entities, since nothing but this repository
 * reads them.
 */
export class LodgementsRepository {
  constructor(private readonly db: DataSource | EntityManager) {}

  /**
   * The outbox: called by the projection in the transaction that stores the entries, so a
   * moment is queued exactly when its entry is stored, and once (the key is the entry).
   */
  async enqueueMoments(
    escalationId: string,
    entries: readonly { seq: number; at: string | Date; type: string }[],
  ): Promise<void> {
    const moments = entries.filter((e) => (LODGING_ENTRY_TYPES as readonly string[]).includes(e.type));
    if (moments.length === 0) return;
    await this.db.query(
      `INSERT INTO lodgement_moment (escalation_id, seq, at)
       SELECT $1, m.seq, m.at FROM jsonb_to_recordset($2::jsonb) AS m(seq int, at timestamptz)
       ON CONFLICT (escalation_id, seq) DO NOTHING`,
      [escalationId, JSON.stringify(moments.map((m) => ({ seq: m.seq, at: m.at })))],
    );
  }

  /**
   * Moments still to take in, oldest first, those never tried before those that failed (a moment
   * that keeps failing, e.g. under a protocol this server no longer knows, never holds up new ones).
   */
  async pendingMoments(limit = 50): Promise<PendingLodgementMoment[]> {
    const rows = (await this.db.query(
      `SELECT escalation_id, seq, at, attempts FROM lodgement_moment
        WHERE status = 'pending' ORDER BY attempts, at, seq LIMIT $1`,
      [limit],
    )) as Row[];
    return rows.map((r) => ({
      escalationId: r.escalation_id as string,
      seq: Number(r.seq),
      at: iso(r.at),
      attempts: Number(r.attempts),
    }));
  }

  async momentDone(escalationId: string, seq: number): Promise<void> {
    await this.db.query(
      `UPDATE lodgement_moment SET status = 'done', processed_at = now(), attempts = attempts + 1, last_error = NULL
        WHERE escalation_id = $1 AND seq = $2`,
      [escalationId, seq],
    );
  }

  /** A moment that could not be taken in yet stays pending, with why (ids and codes only). */
  async momentFailed(escalationId: string, seq: number, error: string): Promise<void> {
    await this.db.query(
      `UPDATE lodgement_moment SET attempts = attempts + 1, last_error = $3
        WHERE escalation_id = $1 AND seq = $2`,
      [escalationId, seq, error.slice(0, 500)],
    );
  }

  /** Lodges a form once: a second insert of the same key (a retry, another API) changes nothing. */
  async lodge(l: NewLodgement): Promise<'lodged' | 'already-lodged'> {
    const rows = (await this.db.query(
      `INSERT INTO lodgement (escalation_id, partnership_id, lodgement_key, moment, timeline_seq, moment_at,
          protocol_id, protocol_version, tier_key, tier_number, record_kind, document, title,
          recipient_partnership_role, recipient_agency_role, form_json, form_html, content_hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16::jsonb, $17, $18)
       ON CONFLICT (escalation_id, lodgement_key) DO NOTHING
       RETURNING id`,
      [
        l.escalationId,
        l.partnershipId,
        l.key,
        l.moment,
        l.timelineSeq,
        l.momentAt,
        l.protocolId,
        l.protocolVersion,
        l.tierKey,
        l.tierNumber,
        l.recordKind,
        l.document,
        l.title,
        l.recipientPartnershipRole,
        l.recipientAgencyRole,
        JSON.stringify(l.formJson),
        l.formHtml,
        l.contentHash,
      ],
    )) as Row[];
    return rows.length > 0 ? 'lodged' : 'already-lodged';
  }

  /** Lodgements whose notice has not been started. */
  async awaitingNotice(limit = 50): Promise<LodgementSummary[]> {
    const rows = (await this.db.query(
      `SELECT ${SUMMARY_COLUMNS} FROM lodgement WHERE notice_started_at IS NULL ORDER BY lodged_at LIMIT $1`,
      [limit],
    )) as Row[];
    return rows.map(summaryOf);
  }

  async noticeStarted(id: string): Promise<void> {
    await this.db.query(
      `UPDATE lodgement SET notice_started_at = now() WHERE id = $1 AND notice_started_at IS NULL`,
      [id],
    );
  }

  /** One lodgement with its form, or null. `id` must be a uuid (the callers' pipes check it). */
  async findById(id: string): Promise<Lodgement | null> {
    const rows = (await this.db.query(
      `SELECT ${SUMMARY_COLUMNS}, form_json, form_html FROM lodgement WHERE id = $1`,
      [id],
    )) as Row[];
    if (rows.length === 0) return null;
    return {
      ...summaryOf(rows[0]),
      formJson: rows[0].form_json as object,
      formHtml: rows[0].form_html as string,
    } as Lodgement;
  }

  /** A case's lodgements, oldest first, without their forms. */
  async forEscalation(escalationId: string): Promise<LodgementSummary[]> {
    const rows = (await this.db.query(
      `SELECT ${SUMMARY_COLUMNS} FROM lodgement WHERE escalation_id = $1 ORDER BY lodged_at, lodgement_key`,
      [escalationId],
    )) as Row[];
    return rows.map(summaryOf);
  }

  /**
   * The lodgements of a partnership lodged with one of these partnership roles, newest first
   * (an informed-only mailbox's list: what was lodged with it, nothing else).
   */
  async forPartnershipRoles(
    partnershipId: string,
    roles: readonly string[],
    limit = 200,
  ): Promise<LodgementSummary[]> {
    if (roles.length === 0) return [];
    const rows = (await this.db.query(
      `SELECT ${SUMMARY_COLUMNS} FROM lodgement
        WHERE partnership_id = $1 AND recipient_partnership_role = ANY($2::text[])
        ORDER BY lodged_at DESC LIMIT $3`,
      [partnershipId, roles, limit],
    )) as Row[];
    return rows.map(summaryOf);
  }
}
