import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Every delivery receipt a provider sent (an SMS status callback, an email bounce), recorded once
 * under `receipt_key` (provider, message id, provider status): a repeated receipt is recognised
 * and does nothing more. `outcome` says what it did, including receipts about no known delivery.
 */
@Entity({ name: 'delivery_receipt' })
export class DeliveryReceiptEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index('delivery_receipt_key_uq', { unique: true })
  @Column({ type: 'text', name: 'receipt_key' })
  receiptKey!: string;

  @Column({ type: 'text' })
  provider!: string;

  @Column({ type: 'text', name: 'provider_message_id' })
  providerMessageId!: string;

  @Column({ type: 'text', name: 'provider_status' })
  providerStatus!: string;

  /** The delivery it was about, when one was found. */
  @Column({ type: 'text', name: 'delivery_key', nullable: true })
  deliveryKey!: string | null;

  @Column({ type: 'text' })
  outcome!: 'applied' | 'failed-later' | 'unknown-delivery' | 'superseded' | 'status-recorded';

  @CreateDateColumn({ type: 'timestamptz', name: 'received_at' })
  receivedAt!: Date;
}
