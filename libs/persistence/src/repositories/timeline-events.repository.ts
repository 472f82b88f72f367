import type { DataSource, EntityManager, SelectQueryBuilder } from 'typeorm';
import {
  ActionRecordEntity,
  EscalationEventEntity,
  NotificationDeliveryEntity,
} from '../entities/escalation.entities';

/** A timeline entry with the text of the action behind it (kept in Postgres, never in the workflow). */
export type TimelineEvent = Pick<
  EscalationEventEntity,
  'escalationId' | 'seq' | 'at' | 'type' | 'tier' | 'actor' | 'actionId' | 'detail'
> &
  Pick<ActionRecordEntity, 'text'>;

/** How a message to one person went (no addresses: person ids only). */
export type NotificationEntry = Pick<
  NotificationDeliveryEntity,
  'event' | 'tier' | 'recipientPersonId' | 'channel' | 'status' | 'attempts' | 'lastError' | 'updatedAt'
> & { queuedAt: NotificationDeliveryEntity['createdAt'] };

/**
 * `escalation_event`, read side: the timeline the worker's projection writes, joined with each
 * entry's action text, and beside it the delivery of the notifications the timeline caused.
 * (The projection's writes are in escalation-projection.repository.ts.)
 */
export class TimelineEventsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly boundManager?: EntityManager,
  ) {}

  withManager(manager: EntityManager): TimelineEventsRepository {
    return new TimelineEventsRepository(this.dataSource, manager);
  }

  private withText(): SelectQueryBuilder<EscalationEventEntity> {
    return (this.boundManager ?? this.dataSource.manager)
      .getRepository(EscalationEventEntity)
      .createQueryBuilder('e')
      .leftJoin(ActionRecordEntity, 'a', 'a.id = e.actionId')
      .select('e.escalationId', 'escalationId')
      .addSelect('e.seq', 'seq')
      .addSelect('e.at', 'at')
      .addSelect('e.type', 'type')
      .addSelect('e.tier', 'tier')
      .addSelect('e.actor', 'actor')
      .addSelect('e.actionId', 'actionId')
      .addSelect('e.detail', 'detail')
      .addSelect('a.text', 'text');
  }

  /** One case's timeline, in order. */
  forEscalation(escalationId: string): Promise<TimelineEvent[]> {
    return this.withText()
      .where('e.escalationId = :escalationId', { escalationId })
      .orderBy('e.seq', 'ASC')
      .getRawMany();
  }

  /** The timelines of these cases, each in order. */
  forEscalations(escalationIds: string[]): Promise<TimelineEvent[]> {
    if (escalationIds.length === 0) return Promise.resolve([]);
    return this.withText()
      .where('e.escalationId = ANY(:escalationIds)', { escalationIds })
      .orderBy('e.escalationId', 'ASC')
      .addOrderBy('e.seq', 'ASC')
      .getRawMany();
  }

  /** The delivery of every email and SMS the case caused, in the order they were queued. */
  async notificationsOf(escalationId: string): Promise<NotificationEntry[]> {
    const deliveries = await (this.boundManager ?? this.dataSource.manager)
      .getRepository(NotificationDeliveryEntity)
      .find({ where: { escalationId }, order: { createdAt: 'ASC', id: 'ASC' } });
    return deliveries.map((d) => ({
      event: d.event,
      tier: d.tier,
      recipientPersonId: d.recipientPersonId,
      channel: d.channel,
      status: d.status,
      attempts: d.attempts,
      lastError: d.lastError,
      queuedAt: d.createdAt,
      updatedAt: d.updatedAt,
    }));
  }
}
