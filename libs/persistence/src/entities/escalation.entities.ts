import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

/**
 * One escalation. The row is the system of record for people and text; the workflow is the
 * system of record for time. `state` is the workflow's latest projection (ids and facts only).
 */
@Entity({ name: 'escalation' })
@Index(['partnershipId', 'reference'], { unique: true })
export class EscalationEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  /** Case reference shown to people and in workflow ids: never a person's name. */
  @Column({ type: 'text' })
  reference!: string;

  @Column({ type: 'text', name: 'partnership_id' })
  partnershipId!: string;

  @Column({ type: 'text', name: 'protocol_id' })
  protocolId!: string;

  @Column({ type: 'int', name: 'protocol_version' })
  protocolVersion!: number;

  @Column({ type: 'text' })
  category!: string;

  @Column({ type: 'text' })
  status!: string;

  @Column({ type: 'int', name: 'tier_number' })
  tierNumber!: number;

  @Column({ type: 'text', name: 'tier_key' })
  tierKey!: string;

  @Column({ type: 'boolean', name: 'immediate_risk', default: false })
  immediateRisk!: boolean;

  @Column({ type: 'boolean', default: false })
  urgent!: boolean;

  @Column({ type: 'text', name: 'raising_agency_id' })
  raisingAgencyId!: string;

  @Column({ type: 'text', name: 'receiving_agency_id' })
  receivingAgencyId!: string;

  @Column({ type: 'text', name: 'raising_person_id' })
  raisingPersonId!: string;

  @Column({ type: 'text', name: 'receiving_person_id' })
  receivingPersonId!: string;

  @Column({ type: 'timestamptz', name: 'raised_at' })
  raisedAt!: Date;

  @Column({ type: 'timestamptz', name: 'current_due_at', nullable: true })
  currentDueAt!: Date | null;

  @Column({ type: 'text', name: 'deadline_explanation', nullable: true })
  deadlineExplanation!: string | null;

  @Column({ type: 'int', default: 0 })
  breaches!: number;

  @Column({ type: 'text', name: 'workflow_id' })
  workflowId!: string;

  /** 'pending' until the workflow start is confirmed; the outbox relay finishes what a crash left. */
  @Column({ type: 'text', name: 'workflow_state', default: 'pending' })
  workflowState!: 'pending' | 'started';

  @Column({ type: 'jsonb', nullable: true })
  state!: unknown;

  @Column({ type: 'int', name: 'state_seq', default: 0 })
  stateSeq!: number;

  @Column({ type: 'timestamptz', name: 'closed_at', nullable: true })
  closedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' })
  updatedAt!: Date;
}

/** The child's or adult's details and the case's prose: Postgres only, never Temporal. */
@Entity({ name: 'escalation_subject' })
export class EscalationSubjectEntity {
  @PrimaryColumn({ type: 'uuid', name: 'escalation_id' })
  escalationId!: string;

  @Column({ type: 'text', name: 'subject_kind' })
  subjectKind!: 'child' | 'adult' | 'children' | 'none';

  /** [{ name, dateOfBirth }], e.g. Sutton Appendix B "Name of child/children, Date of birth". */
  @Column({ type: 'jsonb', default: () => "'[]'" })
  people!: { name: string; dateOfBirth?: string }[];

  /** Case-management identifiers (e.g. Mosaic ID). */
  @Column({ type: 'text', name: 'case_identifier', nullable: true })
  caseIdentifier!: string | null;

  @Column({ type: 'text', name: 'nature_of_concern' })
  natureOfConcern!: string;

  @Column({ type: 'text', name: 'outcomes_sought' })
  outcomesSought!: string;
}

/** Timeline entries written by the workflow's projection activity; (escalation, seq) is unique. */
@Entity({ name: 'escalation_event' })
@Index(['escalationId', 'seq'], { unique: true })
export class EscalationEventEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'uuid', name: 'escalation_id' })
  escalationId!: string;

  @Column({ type: 'int' })
  seq!: number;

  @Column({ type: 'timestamptz' })
  at!: Date;

  @Column({ type: 'text' })
  type!: string;

  @Column({ type: 'int' })
  tier!: number;

  @Column({ type: 'jsonb', nullable: true })
  actor!: unknown;

  @Column({ type: 'uuid', name: 'action_id', nullable: true })
  actionId!: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  detail!: Record<string, unknown>;
}

/** A person's action with its prose (reason, note, plan wording). Referenced from the timeline. */
@Entity({ name: 'action_record' })
export class ActionRecordEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'uuid', name: 'escalation_id' })
  escalationId!: string;

  @Column({ type: 'text' })
  kind!: string;

  @Column({ type: 'text', name: 'person_id' })
  personId!: string;

  @Column({ type: 'text', name: 'agency_id', nullable: true })
  agencyId!: string | null;

  @Column({ type: 'text' })
  role!: string;

  @Column({ type: 'text', nullable: true })
  text!: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  payload!: Record<string, unknown>;

  /** accepted by the workflow, or refused with the engine's reason. */
  @Column({ type: 'text', default: 'pending' })
  outcome!: 'pending' | 'accepted' | 'refused';

  @Column({ type: 'text', name: 'request_id', nullable: true })
  requestId!: string | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  /**
   * A note's only: when the note relay was done with it (its signal reached the workflow, or the
   * workflow had completed and the note was refused). Null while the note is owed to its workflow.
   */
  @Column({ type: 'timestamptz', name: 'relayed_at', nullable: true })
  relayedAt!: Date | null;
}

@Entity({ name: 'plan_item' })
export class PlanItemEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'uuid', name: 'escalation_id' })
  escalationId!: string;

  @Column({ type: 'uuid', name: 'action_id' })
  actionId!: string;

  @Column({ type: 'text', name: 'owner_agency_id' })
  ownerAgencyId!: string;

  @Column({ type: 'text', name: 'owner_person_id', nullable: true })
  ownerPersonId!: string | null;

  @Column({ type: 'text' })
  description!: string;

  @Column({ type: 'timestamptz', name: 'due_at' })
  dueAt!: Date;

  @Column({ type: 'text', default: 'open' })
  status!: 'open' | 'done';
}

/** One message to one person on one channel. The unique key makes every send happen once. */
@Entity({ name: 'notification_delivery' })
export class NotificationDeliveryEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index({ unique: true })
  @Column({ type: 'text', name: 'delivery_key' })
  deliveryKey!: string;

  @Column({ type: 'uuid', name: 'escalation_id' })
  escalationId!: string;

  @Column({ type: 'text' })
  event!: string;

  @Column({ type: 'int' })
  tier!: number;

  @Column({ type: 'text', name: 'recipient_person_id' })
  recipientPersonId!: string;

  @Column({ type: 'text' })
  channel!: 'email' | 'sms';

  /** 'held': a text waiting for SMS hours (send_after). */
  @Column({ type: 'text' })
  status!: 'held' | 'queued' | 'sending' | 'sent' | 'delivered' | 'failed' | 'superseded';

  @Column({ type: 'text', nullable: true })
  provider!: string | null;

  @Column({ type: 'text', name: 'provider_message_id', nullable: true })
  providerMessageId!: string | null;

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ type: 'text', name: 'last_error', nullable: true })
  lastError!: string | null;

  /** The provider's own word from its latest delivery receipt, recorded as is. */
  @Column({ type: 'text', name: 'provider_status', nullable: true })
  providerStatus!: string | null;

  /** Delivery key of the message this one replaces (fallback) or reports on (alert). */
  @Column({ type: 'text', name: 'fallback_for', nullable: true })
  fallbackFor!: string | null;

  @Column({ type: 'timestamptz', name: 'sent_at', nullable: true })
  sentAt!: Date | null;

  @Column({ type: 'timestamptz', name: 'delivered_at', nullable: true })
  deliveredAt!: Date | null;

  @Column({ type: 'timestamptz', name: 'failed_at', nullable: true })
  failedAt!: Date | null;

  /** A held text: the instant it may be sent (the next opening of SMS hours). */
  @Column({ type: 'timestamptz', name: 'send_after', nullable: true })
  sendAfter!: Date | null;

  /** Why the reader was told (their side): a fallback decided later is worded the same. */
  @Column({ type: 'text', name: 'reader_side', nullable: true })
  readerSide!: 'raising' | 'receiving' | 'partnership' | 'unknown' | null;

  /** The notice was urgent (immediate risk, urgent route): decides texts outside SMS hours. */
  @Column({ type: 'boolean', default: false })
  urgent!: boolean;

  /** 'pending': a receipt reported a permanent failure; its fallback and alert are still to do. */
  @Column({ type: 'text', name: 'follow_up', nullable: true })
  followUp!: 'pending' | 'done' | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' })
  updatedAt!: Date;
}
