import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One row of the API's audit trail (migration 1763900100000-AuditTrail): ids, codes and HTTP
 * statuses only, never free text. Append-only and hash-chained: `hash` covers `prev_hash` and
 * every other column, and the table's triggers refuse changes and any insert that does not
 * extend the chain.
 */
@Entity({ name: 'audit_log' })
export class AuditLogEntity {
  /** bigserial; the writer reserves it before inserting, because the row's hash covers it. As text: bigint. */
  @PrimaryColumn({ type: 'bigint' })
  seq!: string;

  @Column({ type: 'timestamptz' })
  at!: Date;

  @Column({ type: 'text', name: 'request_id' })
  requestId!: string;

  @Column({ type: 'text', name: 'person_id', nullable: true })
  personId!: string | null;

  @Column({ type: 'text', name: 'agency_id', nullable: true })
  agencyId!: string | null;

  @Column({ type: 'text', nullable: true })
  role!: string | null;

  @Column({ type: 'text', name: 'partnership_id', nullable: true })
  partnershipId!: string | null;

  @Column({ type: 'uuid', name: 'escalation_id', nullable: true })
  escalationId!: string | null;

  /** e.g. escalation.read, escalation.raise, audit.verify. */
  @Column({ type: 'text' })
  action!: string;

  /** The HTTP status answered. */
  @Column({ type: 'int' })
  outcome!: number;

  /** The action_record holding the request's prose, when it wrote one. */
  @Column({ type: 'uuid', name: 'action_record_id', nullable: true })
  actionRecordId!: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  detail!: Record<string, unknown>;

  @Column({ type: 'text', name: 'prev_hash' })
  prevHash!: string;

  @Column({ type: 'text' })
  hash!: string;
}
