import { In, IsNull, type DataSource, type EntityManager } from 'typeorm';
import {
  WEBHOOK_EVENT_TYPES,
  WebhookDeliveryAttemptEntity,
  WebhookDeliveryEntity,
  WebhookEndpointEntity,
  type WebhookEventType,
} from '../entities/webhook.entities';

export { WEBHOOK_EVENT_TYPES };
export type { WebhookDeliveryStatus, WebhookEventType, WebhookPayload } from '../entities/webhook.entities';

/** How long a delivery keeps being retried: from the event, or from a manual redelivery. */
export const WEBHOOK_RETRY_WINDOW_HOURS = 24;

export type WebhookEndpoint = WebhookEndpointEntity;
export type NewWebhookEndpoint = Pick<
  WebhookEndpointEntity,
  'agencyId' | 'url' | 'secret' | 'eventTypes' | 'createdBy'
>;
export type WebhookDelivery = WebhookDeliveryEntity;
export type WebhookDeliveryAttempt = WebhookDeliveryAttemptEntity;
export type WebhookDeliveryWithAttempts = WebhookDelivery & { attemptLog: WebhookDeliveryAttempt[] };

/** A timeline entry as the outbox needs it (the projection's ProjectedTimelineEntry fits). */
export interface WebhookSourceEntry {
  seq: number;
  at: Date;
  type: string;
  tier: number;
  detail?: Record<string, unknown>;
}

/**
 * The webhook event a timeline entry is, if any. "Resolved" is the case closing as resolved
 * (both sides confirmed); "decided" is the final decision being recorded.
 */
export function webhookEventOf(entry: Pick<WebhookSourceEntry, 'type' | 'detail'>): WebhookEventType | null {
  switch (entry.type) {
    case 'raised':
    case 'acknowledged':
    case 'tier-entered':
    case 'deadline-breached':
    case 'plan-agreed':
    case 'withdrawn':
      return entry.type;
    case 'final-decision-recorded':
      return 'decided';
    case 'closed':
      return entry.detail?.status === 'resolved' ? 'resolved' : null;
    default:
      return null;
  }
}

/** A delivery the deliverer has taken for one attempt, with what it needs to sign and send it. */
export interface ClaimedWebhookDelivery {
  id: string;
  attempt: number;
  payload: WebhookDelivery['payload'];
  url: string;
  /** Every secret valid now: the current one, and the previous one during a rotation's overlap. */
  secrets: string[];
}

export interface WebhookAttemptResult {
  deliveryId: string;
  attempt: number;
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  signatures: number;
  /** delivered, or the wait before the next attempt (failed instead when past the retry window). */
  outcome: { delivered: true } | { retryAfterMs: number };
}

/**
 * Webhook endpoints, their outbox of deliveries and the delivery log (issue 15,
 * docs/integrations.md). Usable inside a transaction: construct it with the EntityManager.
 */
export class WebhooksRepository {
  constructor(private readonly db: DataSource | EntityManager) {}

  private get endpoints() {
    return this.db.getRepository(WebhookEndpointEntity);
  }

  private get deliveries() {
    return this.db.getRepository(WebhookDeliveryEntity);
  }

  private get attempts() {
    return this.db.getRepository(WebhookDeliveryAttemptEntity);
  }

  async insertEndpoint(endpoint: NewWebhookEndpoint): Promise<WebhookEndpoint> {
    const inserted = await this.endpoints.insert(endpoint);
    const id = inserted.identifiers[0].id as string;
    return (await this.endpoint(id))!;
  }

  async endpoint(id: string): Promise<WebhookEndpoint | null> {
    return this.endpoints.findOne({ where: { id } });
  }

  async endpointsOfAgency(agencyId: string): Promise<WebhookEndpoint[]> {
    return this.endpoints.find({ where: { agencyId }, order: { createdAt: 'ASC' } });
  }

  /** Disables an enabled endpoint; false when it was already disabled. */
  async disableEndpoint(id: string, at: Date): Promise<boolean> {
    const result = await this.endpoints.update({ id, disabledAt: IsNull() }, { disabledAt: at });
    return (result.affected ?? 0) > 0;
  }

  /** The current secret becomes the previous one, valid until `previousValidUntil`; `secret` signs from now. */
  async rotateSecret(id: string, secret: string, previousValidUntil: Date): Promise<WebhookEndpoint | null> {
    const result = await this.endpoints
      .createQueryBuilder()
      .update()
      .set({ previousSecret: () => 'secret', secret, previousSecretValidUntil: previousValidUntil })
      .where('id = :id', { id })
      .execute();
    return (result.affected ?? 0) > 0 ? this.endpoint(id) : null;
  }

  async delivery(id: string): Promise<WebhookDelivery | null> {
    return this.deliveries.findOne({ where: { id } });
  }

  /** An endpoint's deliveries, newest first, each with its attempts in order. */
  async deliveriesOf(endpointId: string, limit = 100): Promise<WebhookDeliveryWithAttempts[]> {
    const rows = await this.deliveries.find({
      where: { endpointId },
      order: { createdAt: 'DESC', seq: 'DESC' },
      take: limit,
    });
    if (rows.length === 0) return [];
    const attempts = await this.attempts.find({
      where: { deliveryId: In(rows.map((r) => r.id)) },
      order: { attempt: 'ASC' },
    });
    return rows.map((r) => ({ ...r, attemptLog: attempts.filter((a) => a.deliveryId === r.id) }));
  }

  /** Makes a delivery due now with a fresh retry window, whatever its status; false if unknown. */
  async requestRedelivery(id: string): Promise<boolean> {
    const result = await this.deliveries
      .createQueryBuilder()
      .update()
      .set({
        status: 'pending',
        nextAttemptAt: () => 'now()',
        retryUntil: () => `now() + interval '${WEBHOOK_RETRY_WINDOW_HOURS} hours'`,
        updatedAt: () => 'now()',
      })
      .where('id = :id', { id })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /**
   * The outbox: one pending delivery per (event, endpoint) for the entries that are webhook
   * events, to each enabled endpoint of the case's two agencies that wants the event. Called by
   * the projection inside its transaction, so an event is queued exactly when its timeline entry
   * is stored; the delivery key drops what a retried projection already queued.
   */
  async enqueueTimelineEvents(escalationId: string, entries: WebhookSourceEntry[]): Promise<void> {
    const events = entries.flatMap((e) => {
      const event = webhookEventOf(e);
      if (!event) return [];
      const at = e.at.toISOString();
      const dueAt =
        event === 'deadline-breached' && typeof e.detail?.dueAt === 'string' ? e.detail.dueAt : null;
      return [
        {
          seq: e.seq,
          event,
          at,
          data: { escalationId, event, tier: e.tier, at, seq: e.seq, ...(dueAt ? { dueAt } : {}) },
        },
      ];
    });
    if (events.length === 0) return;
    // Raw SQL: one INSERT … SELECT joins the entries (jsonb_to_recordset) with the case's agencies'
    // endpoints (text[] ANY) and skips queued keys (ON CONFLICT DO NOTHING).
    await this.db.query(
      `INSERT INTO webhook_delivery
         (delivery_key, endpoint_id, escalation_id, seq, event_type, payload, status, next_attempt_at, retry_until)
       SELECT esc.id::text || ':' || ev.seq || ':' || ep.id::text, ep.id, esc.id, ev.seq, ev.event,
              jsonb_build_object(
                'type', 'escalation.' || ev.event,
                'timestamp', ev.at,
                'data', ev.data || jsonb_build_object(
                  'partnershipId', esc.partnership_id,
                  'agencyId', ep.agency_id,
                  'side', CASE WHEN ep.agency_id = esc.raising_agency_id THEN 'raising' ELSE 'receiving' END)),
              'pending', now(), now() + interval '${WEBHOOK_RETRY_WINDOW_HOURS} hours'
         FROM jsonb_to_recordset($2::jsonb) AS ev(seq int, event text, at text, data jsonb)
         JOIN escalation esc ON esc.id = $1
         JOIN webhook_endpoint ep
           ON ep.agency_id IN (esc.raising_agency_id, esc.receiving_agency_id)
          AND ep.disabled_at IS NULL
          AND ev.event = ANY(ep.event_types)
       ON CONFLICT (delivery_key) DO NOTHING`,
      [escalationId, JSON.stringify(events)],
    );
  }

  /**
   * Takes up to `limit` due deliveries of enabled endpoints for one attempt each: counts the
   * attempt and pushes next_attempt_at out by `leaseSeconds`, so no other deliverer takes them
   * meanwhile and a crashed one's rows come back when the lease ends.
   */
  async claimDue(limit: number, leaseSeconds: number): Promise<ClaimedWebhookDelivery[]> {
    // Raw SQL: FOR UPDATE SKIP LOCKED lets several worker processes claim disjoint rows at once.
    // (TypeORM answers an UPDATE … RETURNING with [rows, affected count].)
    const [rows]: [
      Array<{
        id: string;
        attempts: number;
        payload: WebhookDelivery['payload'];
        url: string;
        secret: string;
        previous_secret: string | null;
      }>,
      number,
    ] = await this.db.query(
      `WITH due AS (
         SELECT d.id
           FROM webhook_delivery d
           JOIN webhook_endpoint ep ON ep.id = d.endpoint_id AND ep.disabled_at IS NULL
          WHERE d.status = 'pending' AND d.next_attempt_at <= now()
          ORDER BY d.next_attempt_at
          LIMIT $1
          FOR UPDATE OF d SKIP LOCKED
       )
       UPDATE webhook_delivery d
          SET attempts = d.attempts + 1,
              next_attempt_at = now() + make_interval(secs => $2),
              updated_at = now()
         FROM due, webhook_endpoint ep
        WHERE d.id = due.id AND ep.id = d.endpoint_id
       RETURNING d.id, d.attempts, d.payload, ep.url, ep.secret,
                 CASE WHEN ep.previous_secret_valid_until > now() THEN ep.previous_secret END AS previous_secret`,
      [limit, leaseSeconds],
    );
    return rows.map((r) => ({
      id: r.id,
      attempt: r.attempts,
      payload: r.payload,
      url: r.url,
      secrets: r.previous_secret ? [r.secret, r.previous_secret] : [r.secret],
    }));
  }

  /**
   * Logs an attempt and moves its delivery on: delivered, due again after the wait, or failed
   * when the next attempt would fall past its retry window. A late result of an attempt that
   * lost its lease (a newer attempt was claimed) is logged but changes nothing else.
   */
  async recordAttempt(result: WebhookAttemptResult): Promise<void> {
    await this.db.transaction(async (manager) => {
      await manager.getRepository(WebhookDeliveryAttemptEntity).insert({
        deliveryId: result.deliveryId,
        attempt: result.attempt,
        startedAt: result.startedAt,
        durationMs: Math.round(result.durationMs),
        statusCode: result.statusCode,
        error: result.error,
        signatures: result.signatures,
      });
      const update = manager
        .createQueryBuilder()
        .update(WebhookDeliveryEntity)
        .where("id = :id AND attempts = :attempt AND status = 'pending'", {
          id: result.deliveryId,
          attempt: result.attempt,
        });
      const common = { lastStatusCode: result.statusCode, lastError: result.error, updatedAt: () => 'now()' };
      if ('delivered' in result.outcome) {
        await update
          .set({ ...common, status: 'delivered', deliveredAt: () => 'now()', nextAttemptAt: null })
          .execute();
        return;
      }
      // Decided on the database's clock, as next_attempt_at and retry_until are.
      const next = 'now() + make_interval(secs => :waitSeconds)';
      await update
        .set({
          ...common,
          status: () => `CASE WHEN ${next} > retry_until THEN 'failed' ELSE 'pending' END`,
          nextAttemptAt: () => `CASE WHEN ${next} > retry_until THEN NULL ELSE ${next} END`,
        })
        .setParameter('waitSeconds', result.outcome.retryAfterMs / 1000)
        .execute();
    });
  }
}

/** The events an endpoint may ask for, checked by the API. */
export const isWebhookEventType = (value: string): value is WebhookEventType =>
  (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
