import { SmsOutboxRepository, type OutboxMessage } from '@resolve/persistence';
import type { DataSource } from 'typeorm';
import type { SendReceipt, SmsMessage, SmsProvider } from '../sms-provider.interface';

export type { OutboxMessage };

/**
 * The embedded default: no text message leaves the system. Each message becomes a row of the
 * `sms_outbox` table (phone number, text, case, recipient), which a person can read with psql
 * and the API can show. Keyed by the delivery key, so writing it twice keeps one row: this
 * provider is idempotent by construction.
 */
export class OutboxSmsProvider implements SmsProvider {
  readonly name = 'outbox';
  private readonly outbox: SmsOutboxRepository;

  /** The outbox repository, or the data source to build it from. */
  constructor(outbox: SmsOutboxRepository | DataSource) {
    this.outbox = outbox instanceof SmsOutboxRepository ? outbox : new SmsOutboxRepository(outbox);
  }

  async send(message: SmsMessage): Promise<SendReceipt> {
    const id = await this.outbox.add({
      deliveryKey: message.deliveryKey,
      escalationId: message.escalationId,
      recipientPersonId: message.recipientPersonId,
      to: message.to,
      body: message.body,
    });
    return { providerMessageId: id };
  }

  async findPrevious(message: SmsMessage): Promise<SendReceipt | null> {
    const id = await this.outbox.idOf(message.deliveryKey);
    return id ? { providerMessageId: id } : null;
  }
}

/** The outbox, newest first, optionally for one case: for the API and for people reading it. */
export function readSmsOutbox(
  outbox: SmsOutboxRepository | DataSource,
  options: { escalationId?: string; limit?: number } = {},
): Promise<OutboxMessage[]> {
  const repository = outbox instanceof SmsOutboxRepository ? outbox : new SmsOutboxRepository(outbox);
  return repository.list(options);
}
