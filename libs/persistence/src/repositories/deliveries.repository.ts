import { redactContacts } from '@resolve/logging';
import {
  In,
  IsNull,
  LessThanOrEqual,
  type DataSource,
  type EntityManager,
  type QueryDeepPartialEntity,
} from 'typeorm';
import { DeliveryReceiptEntity } from '../entities/delivery-receipt.entities';
import { PersonEntity } from '../entities/directory.entities';
import { NotificationDeliveryEntity } from '../entities/escalation.entities';

export type DeliveryStatus = NotificationDeliveryEntity['status'];

/** What a delivery's row records before anything is sent. */
export type NewDelivery = Pick<
  NotificationDeliveryEntity,
  'deliveryKey' | 'escalationId' | 'event' | 'tier' | 'recipientPersonId' | 'channel' | 'fallbackFor'
> &
  Partial<Pick<NotificationDeliveryEntity, 'readerSide' | 'urgent'>>;

/** Where a delivery stands: what the sender reads before deciding to send. */
export type DeliveryProgress = Pick<
  NotificationDeliveryEntity,
  'status' | 'provider' | 'providerMessageId' | 'attempts' | 'lastError' | 'updatedAt' | 'sendAfter'
>;

/** A delivery as the notifier's follow-up work reads it: enough to rebuild its notice. */
export type DeliveryRecord = Pick<
  NotificationDeliveryEntity,
  | 'deliveryKey'
  | 'escalationId'
  | 'event'
  | 'tier'
  | 'recipientPersonId'
  | 'channel'
  | 'status'
  | 'lastError'
  | 'fallbackFor'
  | 'sendAfter'
  | 'readerSide'
  | 'urgent'
  | 'followUp'
>;

const RECORD_COLUMNS = {
  deliveryKey: true,
  escalationId: true,
  event: true,
  tier: true,
  recipientPersonId: true,
  channel: true,
  status: true,
  lastError: true,
  fallbackFor: true,
  sendAfter: true,
  readerSide: true,
  urgent: true,
  followUp: true,
} as const;

/** The event of a business manager's alert about an undeliverable notice (no alert about an alert). */
const ALERT_EVENT = 'delivery-failed';

/** A delivery held under its lock: its row as read after locking, and the writes of one attempt. */
export interface HeldDelivery {
  readonly row: DeliveryProgress;
  /** About to hand the message to `provider`: one more attempt. */
  markSending(provider: string): Promise<void>;
  markSent(provider: string, providerMessageId: string | null): Promise<void>;
  markFailed(error: string): Promise<void>;
  /** A held text the case has outrun: never sent, and no fallback, because nothing failed. */
  markSuperseded(reason: string): Promise<void>;
  /** A transient failure: 'sending' when the provider may have the message, else 'queued'. */
  markRetry(error: string, status: 'sending' | 'queued'): Promise<void>;
  /**
   * A held text waits again until `sendAfter`: still outside SMS hours, or a transient failure
   * (`error`) while releasing it. updated_at keeps the start of the last attempt, so a later
   * attempt can still ask the provider whether that one reached it.
   */
  markHeld(sendAfter: Date, error?: string): Promise<void>;
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
  /** Never 'held': a held text has not reached a provider, so no receipt can be about it. */
  status?: Exclude<DeliveryStatus, 'held'>;
  /**
   * What the receipt did: `duplicate` (the same receipt was recorded before: nothing more),
   * `unknown-delivery`, `superseded` (the delivery had already failed or been delivered),
   * `failed-later` (a permanent failure reported after the send: its fallback and alert are now
   * pending), `applied` (another status change) or `status-recorded` (the provider's word only).
   */
  outcome: DeliveryReceiptEntity['outcome'] | 'duplicate';
  /** The delivery now waits for its fallback and business-manager alert (follow_up = 'pending'). */
  followUpPending: boolean;
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
        sendAfter: true,
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
      sendAfter: row.sendAfter ?? null,
    };
  }

  /**
   * Keeps a text for later: the delivery's row is written with status 'held' and the instant it
   * may be sent, under the same unique key as any other delivery, so a retried notice does not
   * hold it twice and the release sends it once. Answers the row as it stands (an earlier attempt
   * may have sent, failed or held it already).
   */
  async hold(delivery: NewDelivery, sendAfter: Date): Promise<DeliveryProgress> {
    await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(NotificationDeliveryEntity)
      .values({ ...delivery, status: 'held', sendAfter })
      .orIgnore()
      .updateEntity(false)
      .execute();
    return this.progress(this.dataSource.manager, delivery.deliveryKey);
  }

  /** Held texts whose instant has come, oldest first. */
  async dueHeld(now: Date, limit = 50): Promise<DeliveryRecord[]> {
    return this.dataSource.getRepository(NotificationDeliveryEntity).find({
      select: RECORD_COLUMNS,
      where: { status: 'held', sendAfter: LessThanOrEqual(now) },
      order: { sendAfter: 'ASC', deliveryKey: 'ASC' },
      take: limit,
    });
  }

  /** Deliveries a receipt reported as failed whose fallback and alert are still to do. */
  async pendingFollowUps(limit = 50): Promise<DeliveryRecord[]> {
    return this.dataSource.getRepository(NotificationDeliveryEntity).find({
      select: RECORD_COLUMNS,
      where: { followUp: 'pending' },
      order: { failedAt: 'ASC', deliveryKey: 'ASC' },
      take: limit,
    });
  }

  /** One delivery's record, or null. */
  async record(deliveryKey: string): Promise<DeliveryRecord | null> {
    return this.dataSource
      .getRepository(NotificationDeliveryEntity)
      .findOne({ select: RECORD_COLUMNS, where: { deliveryKey } });
  }

  /** The deliveries among these keys that exist (a notice's channels already used for a person). */
  async existing(
    deliveryKeys: string[],
  ): Promise<Pick<DeliveryRecord, 'deliveryKey' | 'channel' | 'status'>[]> {
    if (deliveryKeys.length === 0) return [];
    return this.dataSource.getRepository(NotificationDeliveryEntity).find({
      select: { deliveryKey: true, channel: true, status: true },
      where: { deliveryKey: In(deliveryKeys) },
    });
  }

  /**
   * The fallback and alert of a failure reported by a receipt are done. Only a pending follow-up
   * moves, so two notifiers finishing the same one record it once. True when this call moved it.
   */
  async finishFollowUp(deliveryKey: string): Promise<boolean> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(NotificationDeliveryEntity)
      // A follow-up is not an attempt: updated_at keeps the start of the last attempt.
      .set({ followUp: 'done', updatedAt: () => 'updated_at' })
      .where('delivery_key = :deliveryKey AND follow_up = :pending', { deliveryKey, pending: 'pending' })
      .returning('id')
      .execute();
    return Array.isArray(result.raw) && result.raw.length > 0;
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
   * Applies a delivery receipt, recorded once in `delivery_receipt` under (provider, message id,
   * provider status) in the same transaction as its effect: the same receipt again is a
   * `duplicate` and does nothing more. The delivery is found by the provider's message id or, for
   * a message whose id was never recorded (a crash between send and record), by our reference.
   * Moves 'sending'/'sent' to 'delivered' or 'failed' ('sent' only from 'sending'). A permanent
   * failure of a notice (not of a business manager's alert) also marks the delivery's follow-up
   * pending: the notifier then sends its fallback and alert, as for a failure at send time. A
   * receipt that moves nothing (out of order, about a delivery already failed or delivered, or
   * informational) only records the provider's status word.
   */
  async applyReceipt(receipt: DeliveryReceipt): Promise<ReceiptOutcome> {
    const receiptKey = `${receipt.provider}:${receipt.messageId}:${receipt.providerStatus}`;
    return this.dataSource.transaction(async (manager) => {
      const recorded = await manager
        .createQueryBuilder()
        .insert()
        .into(DeliveryReceiptEntity)
        .values({
          receiptKey,
          provider: receipt.provider,
          providerMessageId: receipt.messageId,
          providerStatus: receipt.providerStatus,
          outcome: 'status-recorded',
        })
        // The unique receipt key: a receipt seen before is kept as it was and does nothing more.
        .orIgnore()
        .updateEntity(false)
        .returning('id')
        .execute();
      const receiptId = (Array.isArray(recorded.raw) ? recorded.raw : [])[0]?.id as string | undefined;
      if (!receiptId) return this.duplicateOutcome(manager, receiptKey);
      const outcome = await this.applyReceiptIn(manager, receipt);
      await manager.update(
        DeliveryReceiptEntity,
        { id: receiptId },
        {
          outcome: outcome.outcome as DeliveryReceiptEntity['outcome'],
          deliveryKey: outcome.deliveryKey ?? null,
        },
      );
      return outcome;
    });
  }

  /** A receipt seen before: nothing more is done; the answer says where its delivery stands. */
  private async duplicateOutcome(manager: EntityManager, receiptKey: string): Promise<ReceiptOutcome> {
    const first = await manager.findOne(DeliveryReceiptEntity, {
      select: { deliveryKey: true },
      where: { receiptKey },
    });
    const delivery = first?.deliveryKey
      ? await manager.findOne(NotificationDeliveryEntity, {
          select: { deliveryKey: true, status: true },
          where: { deliveryKey: first.deliveryKey },
        })
      : null;
    if (!delivery || delivery.status === 'held')
      return { matched: false, updated: false, outcome: 'duplicate', followUpPending: false };
    return {
      matched: true,
      updated: false,
      deliveryKey: delivery.deliveryKey,
      status: delivery.status,
      outcome: 'duplicate',
      followUpPending: false,
    };
  }

  private async applyReceiptIn(manager: EntityManager, receipt: DeliveryReceipt): Promise<ReceiptOutcome> {
    const found = await this.receiptDelivery(manager, receipt);
    // A held text has not reached a provider: a receipt naming it is not about it.
    if (!found || found.status === 'held')
      return { matched: false, updated: false, outcome: 'unknown-delivery', followUpPending: false };
    const { deliveryKey, status } = found;
    if (receipt.next) {
      const next = receipt.next;
      const from: DeliveryStatus[] = next === 'sent' ? ['sending'] : ['sending', 'sent'];
      const followUp = next === 'failed' && found.event !== ALERT_EVENT;
      const result = await manager
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
          ...(followUp ? { followUp: 'pending' as const } : {}),
          updatedAt: () => 'now()',
        })
        .where('delivery_key = :deliveryKey AND status IN (:...from)', { deliveryKey, from })
        .returning(['status'])
        .execute();
      const updated = (Array.isArray(result.raw) ? result.raw : []) as { status: typeof next }[];
      if (updated.length > 0)
        return {
          matched: true,
          updated: true,
          deliveryKey,
          status: updated[0].status,
          outcome: followUp ? 'failed-later' : 'applied',
          followUpPending: followUp,
        };
    }
    await manager
      .createQueryBuilder()
      .update(NotificationDeliveryEntity)
      // updated_at keeps the start of the last attempt (a retry looks for that attempt's
      // messages at the provider from then on): a receipt is not an attempt.
      .set({ providerStatus: receipt.providerStatus, updatedAt: () => 'updated_at' })
      .where('delivery_key = :deliveryKey', { deliveryKey })
      .execute();
    const superseded = receipt.next !== null && (status === 'failed' || status === 'delivered');
    return {
      matched: true,
      updated: false,
      deliveryKey,
      status,
      outcome: superseded ? 'superseded' : 'status-recorded',
      followUpPending: false,
    };
  }

  private async receiptDelivery(
    manager: EntityManager,
    receipt: DeliveryReceipt,
  ): Promise<Pick<NotificationDeliveryEntity, 'deliveryKey' | 'status' | 'event'> | null> {
    const deliveries = manager.getRepository(NotificationDeliveryEntity);
    const select = { deliveryKey: true, status: true, event: true } as const;
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
    markSuperseded: (reason) => update({ status: 'superseded', lastError: reason, sendAfter: null }),
    markRetry: (error, status) => update({ status, lastError: redactContacts(error) }),
    markHeld: async (sendAfter, error) => {
      await manager
        .createQueryBuilder()
        .update(NotificationDeliveryEntity)
        .set({
          status: 'held',
          sendAfter,
          ...(error === undefined ? {} : { lastError: redactContacts(error) }),
          updatedAt: () => 'updated_at',
        })
        .where('delivery_key = :deliveryKey', { deliveryKey })
        .execute();
    },
  };
}
