import { In, IsNull, type DataSource, type EntityManager } from 'typeorm';
import {
  WEBHOOK_EVENT_TYPES,
  WebhookDeliveryAttemptEntity,
  WebhookDeliveryEntity,
  WebhookEndpointEntity,
  type WebhookEventType,
} from '../entities/webhook.entities';
import type { WebhookSecretCipher } from '../webhook-secret-cipher';

export { WEBHOOK_EVENT_TYPES };
export type { WebhookDeliveryStatus, WebhookEventType, WebhookPayload } from '../entities/webhook.entities';

/** How long a delivery keeps being retried by default: from its start, or from a manual redelivery. */
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
 * (both sides confirmed); "decided" is the final decision being recorded. "Closed" is any other
 * ending that has no event of its own (a protocol's named outcome, a learning referral); a
 * closing as decided or withdrawn is already told by its own event, so it is not told twice.
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
      if (entry.detail?.status === 'resolved') return 'resolved';
      return entry.detail?.status === 'decided' || entry.detail?.status === 'withdrawn' ? null : 'closed';
    default:
      return null;
  }
}

/** A delivery whose webhookDelivery workflow is to be started (a new event, or a redelivery). */
export type UnstartedWebhookDelivery = Pick<WebhookDelivery, 'id' | 'deliveryKey' | 'redeliveries'>;

/** A delivery taken for one attempt, with what it needs to sign and send it. */
export interface WebhookAttemptClaim {
  id: string;
  /** The attempt's number in the delivery log (counts on across redeliveries). */
  attempt: number;
  payload: WebhookDelivery['payload'];
  url: string;
  /** Every secret valid now: the current one, and the previous one during a rotation's overlap. */
  secrets: string[];
}

export interface WebhookAttemptResult {
  deliveryId: string;
  /** The redelivery generation the attempt belongs to; a newer one makes the result log-only. */
  generation: number;
  attempt: number;
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  signatures: number;
  /** delivered; retrying (when the next attempt is due); failed (no further attempt). */
  outcome: { delivered: true } | { retryAt: Date } | { failed: true };
}

/**
 * Webhook endpoints, their outbox of deliveries and the delivery log (issue 15,
 * docs/integrations.md). Usable inside a transaction: construct it with the EntityManager.
 */
export class WebhooksRepository {
  /**
   * `cipher` seals secrets on their way into Postgres and opens them for signing; the outbox
   * alone (the projection's enqueueTimelineEvents) never touches a secret and needs none.
   */
  constructor(
    private readonly db: DataSource | EntityManager,
    private readonly cipher?: WebhookSecretCipher,
  ) {}

  private get secrets(): WebhookSecretCipher {
    if (!this.cipher) throw new Error('WebhooksRepository: secrets need the WebhookSecretCipher');
    return this.cipher;
  }

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
    const inserted = await this.endpoints.insert({ ...endpoint, secret: this.secrets.seal(endpoint.secret) });
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
      .set({
        previousSecret: () => 'secret',
        secret: this.secrets.seal(secret),
        previousSecretValidUntil: previousValidUntil,
      })
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

  /**
   * Makes a delivery pending again as a new generation, whatever its status: the starter starts a
   * new workflow for it (its id ends `-redelivery-<n>`) and the previous one, if still retrying,
   * stops at its next attempt. Returns the new generation, or null when there is no such delivery.
   */
  async requestRedelivery(id: string): Promise<number | null> {
    const result = await this.deliveries
      .createQueryBuilder()
      .update()
      .set({
        status: 'pending',
        redeliveries: () => 'redeliveries + 1',
        workflowId: null,
        nextAttemptAt: () => 'now()',
        retryUntil: () => `now() + interval '${WEBHOOK_RETRY_WINDOW_HOURS} hours'`,
        updatedAt: () => 'now()',
      })
      .where('id = :id', { id })
      .returning(['redeliveries'])
      .execute();
    const row = (result.raw as Array<{ redeliveries: number }>)[0];
    return row ? row.redeliveries : null;
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
      // A closing's status is a code (closed-with-outcome, referred-for-learning), never free text.
      const status = event === 'closed' && typeof e.detail?.status === 'string' ? e.detail.status : null;
      return [
        {
          seq: e.seq,
          event,
          at,
          data: {
            escalationId,
            event,
            tier: e.tier,
            at,
            seq: e.seq,
            ...(dueAt ? { dueAt } : {}),
            ...(status ? { status } : {}),
          },
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

  /** Pending deliveries of enabled endpoints whose workflow is not started yet, oldest first. */
  async unstarted(limit: number): Promise<UnstartedWebhookDelivery[]> {
    return this.deliveries
      .createQueryBuilder('d')
      .innerJoin(WebhookEndpointEntity, 'ep', 'ep.id = d.endpointId AND ep.disabledAt IS NULL')
      .select(['d.id', 'd.deliveryKey', 'd.redeliveries'])
      .where("d.status = 'pending' AND d.workflowId IS NULL")
      .orderBy('d.createdAt')
      .limit(limit)
      .getMany();
  }

  /**
   * Records the workflow started for a generation and when its retry window ends. No change when
   * a redelivery was asked for meanwhile (the starter starts that one next) or the attempt got
   * there first.
   */
  async markStarted(
    id: string,
    generation: number,
    workflowId: string,
    retryWindowMs: number,
  ): Promise<void> {
    await this.deliveries
      .createQueryBuilder()
      .update()
      .set({
        workflowId,
        retryUntil: () => 'now() + make_interval(secs => :windowSeconds)',
        updatedAt: () => 'now()',
      })
      .where('id = :id AND redeliveries = :generation AND workflow_id IS NULL', { id, generation })
      .setParameter('windowSeconds', retryWindowMs / 1000)
      .execute();
  }

  /**
   * Takes a delivery for one attempt of generation `generation`: counts the attempt and returns
   * what to send, or null when there is nothing to send (delivered already, failed, superseded by
   * a newer redelivery, or its endpoint disabled). `workflowId` is recorded in case the starter
   * had not yet.
   */
  async claimAttempt(
    id: string,
    generation: number,
    workflowId: string,
  ): Promise<WebhookAttemptClaim | null> {
    // Raw SQL: one UPDATE … FROM … RETURNING counts the attempt and reads the endpoint's URL and
    // secrets atomically, so two runs of the same delivery never get the same attempt number.
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
      `UPDATE webhook_delivery d
          SET attempts = d.attempts + 1,
              workflow_id = COALESCE(d.workflow_id, $3),
              updated_at = now()
         FROM webhook_endpoint ep
        WHERE d.id = $1 AND d.redeliveries = $2 AND d.status = 'pending'
          AND ep.id = d.endpoint_id AND ep.disabled_at IS NULL
       RETURNING d.id, d.attempts, d.payload, ep.url, ep.secret,
                 CASE WHEN ep.previous_secret_valid_until > now() THEN ep.previous_secret END AS previous_secret`,
      [id, generation, workflowId],
    );
    const row = rows[0];
    if (!row) return null;
    const sealed = row.previous_secret ? [row.secret, row.previous_secret] : [row.secret];
    return {
      id: row.id,
      attempt: row.attempts,
      payload: row.payload,
      url: row.url,
      secrets: sealed.map((s) => this.secrets.open(s)),
    };
  }

  /**
   * Logs an attempt and moves its delivery on: delivered, pending until the next attempt, or
   * failed. The attempt is always logged; the delivery changes only while it is pending in the
   * same generation (a superseded run's late result changes nothing else).
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
      const common = { lastStatusCode: result.statusCode, lastError: result.error, updatedAt: () => 'now()' };
      const outcome = result.outcome;
      const change =
        'delivered' in outcome
          ? { ...common, status: 'delivered' as const, deliveredAt: () => 'now()', nextAttemptAt: null }
          : 'failed' in outcome
            ? { ...common, status: 'failed' as const, nextAttemptAt: null }
            : { ...common, nextAttemptAt: outcome.retryAt };
      await manager
        .createQueryBuilder()
        .update(WebhookDeliveryEntity)
        .set(change)
        .where("id = :id AND redeliveries = :generation AND status = 'pending'", {
          id: result.deliveryId,
          generation: result.generation,
        })
        .execute();
    });
  }

  /** The generation's retries ended without a 2xx: failed, unless already settled or superseded. */
  async markFailed(id: string, generation: number): Promise<void> {
    await this.deliveries
      .createQueryBuilder()
      .update()
      .set({ status: 'failed', nextAttemptAt: null, updatedAt: () => 'now()' })
      .where("id = :id AND redeliveries = :generation AND status = 'pending'", { id, generation })
      .execute();
  }
}

/** The events an endpoint may ask for, checked by the API. */
export const isWebhookEventType = (value: string): value is WebhookEventType =>
  (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
