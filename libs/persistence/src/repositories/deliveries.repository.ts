import { redactContacts } from '@resolve/logging';
import { In, IsNull, type DataSource, type EntityManager, type QueryDeepPartialEntity } from 'typeorm';
import { PersonEntity } from '../entities/directory.entities';
import { NotificationDeliveryEntity } from '../entities/escalation.entities';

export type DeliveryStatus = NotificationDeliveryEntity['status'];

/** What a delivery's row records before anything is sent. */
export type NewDelivery = Pick<
  NotificationDeliveryEntity,
  'deliveryKey' | 'escalationId' | 'event' | 'tier' | 'recipientPersonId' | 'channel' | 'fallbackFor'
>;

/** Where a delivery stands: what the sender reads before deciding to send. */
export type DeliveryProgress = Pick<
  NotificationDeliveryEntity,
  'status' | 'provider' | 'providerMessageId' | 'attempts' | 'lastError' | 'updatedAt'
>;

/** A delivery held under its lock: its row as read after locking, and the writes of one attempt. */
export interface HeldDelivery {
  readonly row: DeliveryProgress;
  /** About to hand the message to `provider`: one more attempt. */
  markSending(provider: string): Promise<void>;
  markSent(provider: string, providerMessageId: string | null): Promise<void>;
  markFailed(error: string): Promise<void>;
  /** A transient failure: 'sending' when the provider may have the message, else 'queued'. */
  markRetry(error: string, status: 'sending' | 'queued'): Promise<void>;
}

/** One delivery as the case timeline shows it (no message content). */
export type DeliveryTimelineEntry = Pick<
  NotificationDeliveryEntity,
  | 'id'
  | 'deliveryKey'
  | 'event'
  | 'tier'
  | 'recipientPersonId'
  | 'channel'
  | 'status'
  | 'provider'
  | 'providerStatus'
  | 'attempts'
  | 'lastError'
  | 'fallbackFor'
  | 'createdAt'
  | 'updatedAt'
  | 'sentAt'
  | 'deliveredAt'
  | 'failedAt'
> & { recipientName: PersonEntity['displayName'] | null };

/** A provider's delivery receipt, reduced to what the status update needs. */
export interface DeliveryReceipt {
  provider: string;
  /** The provider's message id. */
  messageId: string;
  /** Our delivery key, when the provider echoes it back. */
  reference: string | null;
  /** The provider's own status word, recorded as is. */
  providerStatus: string;
  /** The status to move to, or null when the receipt only records the provider's status. */
  next: 'delivered' | 'failed' | 'sent' | null;
  /** Recorded as the delivery's last error when `next` is 'failed'. */
  error: string | null;
}

export interface ReceiptOutcome {
  /** A delivery this receipt is about exists. */
  matched: boolean;
  /** Its status changed (a repeated or out-of-order receipt changes nothing). */
  updated: boolean;
  deliveryKey?: string;
  status?: DeliveryStatus;
}

/**
 * The notifier's deliveries (`notification_delivery`): one row per message to one person on one
 * channel, under a unique delivery key, so that every send happens once.
 */
export class DeliveriesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Runs `fn` while holding the delivery, exactly once per delivery key:
   * 1. the row is inserted ('queued') under the table's unique key BEFORE anything is sent;
   * 2. a session advisory lock on the key keeps two attempts (a Temporal retry started while a
   *    timed-out attempt still runs) from sending at once. The lock belongs to the database
   *    connection, so a crashed worker's lock goes with its connection;
   * 3. `fn` gets the row as it stands under the lock; its writes go through the same connection.
   * `{ held: false }` when another attempt holds the lock (nothing was run).
   */
  async whileHeld<T>(
    delivery: NewDelivery,
    fn: (held: HeldDelivery) => Promise<T>,
  ): Promise<{ held: true; result: T } | { held: false }> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.manager
        .createQueryBuilder()
        .insert()
        .into(NotificationDeliveryEntity)
        .values({ ...delivery, status: 'queued' })
        // The unique delivery key: an existing row is the same delivery, kept as it is.
        .orIgnore()
        .updateEntity(false)
        .execute();
      // Raw SQL: advisory locks are Postgres functions with no TypeORM equivalent.
      const [{ locked }]: { locked: boolean }[] = await runner.query(
        `SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked`,
        [delivery.deliveryKey],
      );
      if (!locked) return { held: false };
      try {
        const row = await this.progress(runner.manager, delivery.deliveryKey);
        return { held: true, result: await fn(heldDelivery(runner.manager, delivery.deliveryKey, row)) };
      } finally {
        await runner.query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, [delivery.deliveryKey]);
      }
    } finally {
      await runner.release();
    }
  }

  private async progress(manager: EntityManager, deliveryKey: string): Promise<DeliveryProgress> {
    const row = await manager.findOne(NotificationDeliveryEntity, {
      select: {
        status: true,
        provider: true,
        providerMessageId: true,
        attempts: true,
        lastError: true,
        updatedAt: true,
      },
      where: { deliveryKey },
    });
    if (!row) throw new Error(`notification_delivery row ${deliveryKey} vanished`);
    return {
      status: row.status,
      provider: row.provider ?? null,
      providerMessageId: row.providerMessageId ?? null,
      attempts: Number(row.attempts),
      lastError: row.lastError ?? null,
      updatedAt: row.updatedAt,
    };
  }

  /**
   * Records a delivery that could not even be attempted (no contact details) as failed, once:
   * 'existing' when the key was already recorded (it is left as it is).
   */
  async recordUndeliverable(delivery: NewDelivery, error: string): Promise<'recorded' | 'existing'> {
    const result = await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(NotificationDeliveryEntity)
      .values({ ...delivery, status: 'failed', lastError: redactContacts(error), failedAt: () => 'now()' })
      .orIgnore()
      .updateEntity(false)
      .returning('id')
      .execute();
    return Array.isArray(result.raw) && result.raw.length > 0 ? 'recorded' : 'existing';
  }

  /** Every delivery of one escalation, oldest first, with the recipient's name. */
  async timeline(escalationId: string): Promise<DeliveryTimelineEntry[]> {
    const deliveries = await this.dataSource.getRepository(NotificationDeliveryEntity).find({
      where: { escalationId },
      order: { createdAt: 'ASC', deliveryKey: 'ASC' },
    });
    const personIds = [...new Set(deliveries.map((d) => d.recipientPersonId))];
    const people =
      personIds.length === 0
        ? []
        : await this.dataSource.getRepository(PersonEntity).find({
            select: { id: true, displayName: true },
            where: { id: In(personIds) },
          });
    const names = new Map(people.map((p) => [p.id, p.displayName]));
    return deliveries.map((d) => ({
      id: d.id,
      deliveryKey: d.deliveryKey,
      event: d.event,
      tier: d.tier,
      recipientPersonId: d.recipientPersonId,
      recipientName: names.get(d.recipientPersonId) ?? null,
      channel: d.channel,
      status: d.status,
      provider: d.provider ?? null,
      providerStatus: d.providerStatus ?? null,
      attempts: Number(d.attempts),
      lastError: d.lastError ?? null,
      fallbackFor: d.fallbackFor ?? null,
      createdAt: d.createdAt,
      updatedAt: d.updatedAt,
      sentAt: d.sentAt ?? null,
      deliveredAt: d.deliveredAt ?? null,
      failedAt: d.failedAt ?? null,
    }));
  }

  /**
   * Applies a delivery receipt. The delivery is found by the provider's message id or, for a
   * message whose id was never recorded (a crash between send and record), by our reference.
   * Moves 'sending'/'sent' to 'delivered' or 'failed' ('sent' only from 'sending'); a receipt
   * that moves nothing (repeated, out of order, or informational) only records the provider's
   * status word.
   */
  async applyReceipt(receipt: DeliveryReceipt): Promise<ReceiptOutcome> {
    const found = await this.receiptDelivery(receipt);
    if (!found) return { matched: false, updated: false };
    const { deliveryKey } = found;
    if (receipt.next) {
      const next = receipt.next;
      const from: DeliveryStatus[] = next === 'sent' ? ['sending'] : ['sending', 'sent'];
      const result = await this.dataSource
        .createQueryBuilder()
        .update(NotificationDeliveryEntity)
        .set({
          status: next,
          providerStatus: receipt.providerStatus,
          providerMessageId: receipt.messageId,
          ...(next === 'delivered' ? { deliveredAt: () => 'now()' } : {}),
          ...(next === 'sent' || next === 'delivered' ? { sentAt: () => 'COALESCE(sent_at, now())' } : {}),
          ...(next === 'failed'
            ? {
                failedAt: () => 'now()',
                lastError: receipt.error === null ? null : redactContacts(receipt.error),
              }
            : {}),
          updatedAt: () => 'now()',
        })
        .where('delivery_key = :deliveryKey AND status IN (:...from)', { deliveryKey, from })
        .returning(['status'])
        .execute();
      const updated = (Array.isArray(result.raw) ? result.raw : []) as { status: DeliveryStatus }[];
      if (updated.length > 0) return { matched: true, updated: true, deliveryKey, status: updated[0].status };
    }
    await this.dataSource
      .createQueryBuilder()
      .update(NotificationDeliveryEntity)
      // updated_at keeps the start of the last attempt (a retry looks for that attempt's
      // messages at the provider from then on): a receipt is not an attempt.
      .set({ providerStatus: receipt.providerStatus, updatedAt: () => 'updated_at' })
      .where('delivery_key = :deliveryKey', { deliveryKey })
      .execute();
    return { matched: true, updated: false, deliveryKey, status: found.status };
  }

  private async receiptDelivery(
    receipt: DeliveryReceipt,
  ): Promise<Pick<NotificationDeliveryEntity, 'deliveryKey' | 'status'> | null> {
    const deliveries = this.dataSource.getRepository(NotificationDeliveryEntity);
    const select = { deliveryKey: true, status: true } as const;
    const byMessageId = await deliveries.findOne({
      select,
      where: { provider: receipt.provider, providerMessageId: receipt.messageId },
    });
    if (byMessageId || receipt.reference === null) return byMessageId;
    return deliveries.findOne({
      select,
      where: { provider: receipt.provider, deliveryKey: receipt.reference, providerMessageId: IsNull() },
    });
  }
}

function heldDelivery(manager: EntityManager, deliveryKey: string, row: DeliveryProgress): HeldDelivery {
  // Every write of an attempt marks when it happened (updated_at).
  const update = async (change: QueryDeepPartialEntity<NotificationDeliveryEntity>) => {
    await manager
      .createQueryBuilder()
      .update(NotificationDeliveryEntity)
      .set({ ...change, updatedAt: () => 'now()' })
      .where('delivery_key = :deliveryKey', { deliveryKey })
      .execute();
  };
  return {
    row,
    markSending: (provider) =>
      update({ status: 'sending', provider, attempts: () => 'attempts + 1', lastError: null }),
    markSent: (provider, providerMessageId) =>
      update({ status: 'sent', provider, providerMessageId, sentAt: () => 'now()', lastError: null }),
    markFailed: (error) =>
      update({ status: 'failed', lastError: redactContacts(error), failedAt: () => 'now()' }),
    markRetry: (error, status) => update({ status, lastError: redactContacts(error) }),
  };
}
