import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * The embedded SMS "provider" (services/notifier, SMS_PROVIDER=outbox): each text message becomes
 * a row a person can read, instead of leaving the system. One row per delivery key.
 */
@Entity({ name: 'sms_outbox' })
@Index('sms_outbox_escalation_idx', ['escalationId', 'createdAt'])
export class SmsOutboxEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index('sms_outbox_delivery_key_uq', { unique: true })
  @Column({ type: 'text', name: 'delivery_key' })
  deliveryKey!: string;

  @Column({ type: 'uuid', name: 'escalation_id', nullable: true })
  escalationId!: string | null;

  @Column({ type: 'text', name: 'recipient_person_id', nullable: true })
  recipientPersonId!: string | null;

  @Column({ type: 'text', name: 'to_phone' })
  toPhone!: string;

  @Column({ type: 'text' })
  body!: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;
}
