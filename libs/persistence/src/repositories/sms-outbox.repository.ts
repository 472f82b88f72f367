import type { DataSource } from 'typeorm';
import { SmsOutboxEntity } from '../entities/sms-outbox.entities';

/** A text message as the outbox keeps it. */
export type OutboxMessage = Pick<
  SmsOutboxEntity,
  'id' | 'deliveryKey' | 'escalationId' | 'recipientPersonId' | 'body' | 'createdAt'
> & { to: SmsOutboxEntity['toPhone'] };

export type NewOutboxMessage = Omit<OutboxMessage, 'id' | 'createdAt'>;

/** The embedded SMS outbox (`sms_outbox`): one row per delivery key. */
export class SmsOutboxRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Keeps the message and returns its row's id. Writing the same delivery key again keeps the
   * first row and returns its id: the outbox is idempotent by construction.
   */
  async add(message: NewOutboxMessage): Promise<string> {
    // On conflict a no-op update rather than DO NOTHING: it returns the existing row's id, in the
    // same statement, so two writers cannot race between an insert and a read.
    const result = await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(SmsOutboxEntity)
      .values({
        deliveryKey: message.deliveryKey,
        escalationId: message.escalationId,
        recipientPersonId: message.recipientPersonId,
        toPhone: message.to,
        body: message.body,
      })
      .orUpdate(['delivery_key'], ['delivery_key'])
      .updateEntity(false)
      .returning('id')
      .execute();
    const rows = result.raw as { id: string }[];
    return rows[0].id;
  }

  /** The id of the message kept under this delivery key, if any. */
  async idOf(deliveryKey: string): Promise<string | null> {
    const row = await this.dataSource
      .getRepository(SmsOutboxEntity)
      .findOne({ select: { id: true }, where: { deliveryKey } });
    return row?.id ?? null;
  }

  /** The outbox, newest first, optionally for one case. */
  async list(options: { escalationId?: string; limit?: number } = {}): Promise<OutboxMessage[]> {
    const rows = await this.dataSource.getRepository(SmsOutboxEntity).find({
      where: options.escalationId === undefined ? {} : { escalationId: options.escalationId },
      order: { createdAt: 'DESC', id: 'ASC' },
      take: options.limit ?? 100,
    });
    return rows.map((r) => ({
      id: r.id,
      deliveryKey: r.deliveryKey,
      escalationId: r.escalationId ?? null,
      recipientPersonId: r.recipientPersonId ?? null,
      to: r.toPhone,
      body: r.body,
      createdAt: r.createdAt,
    }));
  }
}
