import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * The escalation events an agency's case system can subscribe to (issue 15, docs/integrations.md).
 * Each comes from one timeline entry type (webhookEventOf in repositories/webhooks.repository.ts).
 */
export const WEBHOOK_EVENT_TYPES = [
  'raised',
  'acknowledged',
  'tier-entered',
  'deadline-breached',
  'plan-agreed',
  'resolved',
  'decided',
  'withdrawn',
  'closed',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** pending: waiting for its next attempt; delivered: a 2xx answer; failed: no 2xx within the retry window. */
export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

/** An agency's case system, registered by the partnership administrator to receive signed events. */
@Entity({ name: 'webhook_endpoint' })
@Index('webhook_endpoint_agency_idx', ['agencyId'])
export class WebhookEndpointEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text', name: 'agency_id' })
  agencyId!: string;

  @Column({ type: 'text' })
  url!: string;

  /**
   * The signing secret (`whsec_<base64>` as Standard Webhooks writes it), sealed with AES-256-GCM
   * under WEBHOOK_SECRET_KEY (webhook-secret-cipher.ts): never plaintext in the table.
   */
  @Column({ type: 'text' })
  secret!: string;

  /** The secret before the last rotation, sealed too, still signing (beside the new one) until its end. */
  @Column({ type: 'text', name: 'previous_secret', nullable: true })
  previousSecret!: string | null;

  @Column({ type: 'timestamptz', name: 'previous_secret_valid_until', nullable: true })
  previousSecretValidUntil!: Date | null;

  @Column({ type: 'text', name: 'event_types', array: true })
  eventTypes!: WebhookEventType[];

  /** The administrator who registered it (directory person id). */
  @Column({ type: 'text', name: 'created_by' })
  createdBy!: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  /** Set when disabled: no new deliveries, pending ones wait (a re-enabled endpoint is a new one). */
  @Column({ type: 'timestamptz', name: 'disabled_at', nullable: true })
  disabledAt!: Date | null;
}

/** The document a delivery sends: ids, the event, the tier and instants, nothing about the people. */
export interface WebhookPayload {
  /** `escalation.<event>`, e.g. `escalation.tier-entered`. */
  type: string;
  /** When the event happened (ISO-8601). */
  timestamp: string;
  data: {
    escalationId: string;
    partnershipId: string;
    /** The endpoint's agency, and its side of the case. */
    agencyId: string;
    side: 'raising' | 'receiving';
    event: WebhookEventType;
    tier: number;
    at: string;
    /** The timeline entry's number within the case: events of a case arrive in any order, seq orders them. */
    seq: number;
    /** deadline-breached: the deadline that was missed. */
    dueAt?: string;
  };
}

/**
 * One event for one endpoint: the outbox row, written in the projection's transaction. Its id
 * is the Standard Webhooks message id (`webhook-id`), the same on every attempt so receivers can
 * drop repeats; the delivery key `<escalationId>:<seq>:<endpointId>` makes it exist once.
 */
@Entity({ name: 'webhook_delivery' })
@Index('webhook_delivery_endpoint_idx', ['endpointId', 'createdAt'])
export class WebhookDeliveryEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index('webhook_delivery_key_idx', { unique: true })
  @Column({ type: 'text', name: 'delivery_key' })
  deliveryKey!: string;

  @Column({ type: 'uuid', name: 'endpoint_id' })
  endpointId!: string;

  @Column({ type: 'uuid', name: 'escalation_id' })
  escalationId!: string;

  @Column({ type: 'int' })
  seq!: number;

  @Column({ type: 'text', name: 'event_type' })
  eventType!: WebhookEventType;

  @Column({ type: 'jsonb' })
  payload!: WebhookPayload;

  @Column({ type: 'text' })
  status!: WebhookDeliveryStatus;

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  /** When the next attempt is due, as Temporal's retry policy will schedule it (null when settled). */
  @Column({ type: 'timestamptz', name: 'next_attempt_at', nullable: true })
  nextAttemptAt!: Date | null;

  /** How many manual redeliveries were asked for: each is a new workflow (its id ends `-redelivery-<n>`). */
  @Column({ type: 'int', default: 0 })
  redeliveries!: number;

  /**
   * The Temporal workflow delivering the current generation (webhookDelivery); null until the
   * worker's starter has started it (docs/integrations.md, "Exactly once").
   */
  @Column({ type: 'text', name: 'workflow_id', nullable: true })
  workflowId!: string | null;

  /** The end of its retry window (24 hours from the start, or from a manual redelivery). */
  @Column({ type: 'timestamptz', name: 'retry_until' })
  retryUntil!: Date;

  @Column({ type: 'int', name: 'last_status_code', nullable: true })
  lastStatusCode!: number | null;

  /** What went wrong last, in the deliverer's words (never the receiver's response body). */
  @Column({ type: 'text', name: 'last_error', nullable: true })
  lastError!: string | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'delivered_at', nullable: true })
  deliveredAt!: Date | null;

  @Column({ type: 'timestamptz', name: 'updated_at' })
  updatedAt!: Date;
}

/** One attempt of a delivery, as the agency's administrator sees it in the delivery log. */
@Entity({ name: 'webhook_delivery_attempt' })
@Index('webhook_delivery_attempt_delivery_idx', ['deliveryId', 'attempt'])
export class WebhookDeliveryAttemptEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid', name: 'delivery_id' })
  deliveryId!: string;

  /** 1 for the first attempt; counts on across manual redeliveries. */
  @Column({ type: 'int' })
  attempt!: number;

  @Column({ type: 'timestamptz', name: 'started_at' })
  startedAt!: Date;

  @Column({ type: 'int', name: 'duration_ms' })
  durationMs!: number;

  /** The receiver's HTTP status; null when none came (timeout, refused connection). */
  @Column({ type: 'int', name: 'status_code', nullable: true })
  statusCode!: number | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  /** How many secrets signed it (2 during a rotation's overlap). */
  @Column({ type: 'int', name: 'signatures' })
  signatures!: number;
}
