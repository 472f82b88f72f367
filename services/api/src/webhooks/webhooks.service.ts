import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  AuditRepository,
  DirectoryRepository,
  WebhooksRepository,
  type WebhookDeliveryWithAttempts,
  type WebhookEndpoint,
  type WebhookEventType,
} from '@resolve/persistence';
import type { AgencyAdministrationRole } from '@resolve/protocols';
import type { Caller } from '../auth/caller';
import { ApiError, notFound } from '../common/api-error';
import { currentRequestId } from '../common/request-context';
import type { RegisterWebhookEndpointDto } from './dto/webhooks.dto';
import { webhookAddressProblem } from './webhook-url';

/**
 * Whether the API runs under RESOLVE_ENV=production (receivers must then be https:// on public
 * addresses), and WEBHOOK_SECRET_KEY, which seals secrets in Postgres (unset: the development key).
 */
export const WEBHOOK_SETTINGS = Symbol('WEBHOOK_SETTINGS');
export interface WebhookSettings {
  production: boolean;
  secretKey?: Buffer;
}

/** How long the secret before a rotation keeps signing beside the new one. */
export const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;

const AGENCY_ADMINISTRATOR: AgencyAdministrationRole = 'agency-administrator';

/** The partnership administrator manages every agency's webhooks (an agency administrator only theirs). */
const administersAsPartnership = (caller: Caller) =>
  caller.partnershipRoles.includes('partnership-administrator');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A new signing secret as Standard Webhooks writes it: `whsec_` and 32 random bytes in base64. */
const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/** An endpoint as the administrator sees it: never its secrets once they were handed over. */
function endpointView(e: WebhookEndpoint) {
  return {
    id: e.id,
    agencyId: e.agencyId,
    url: e.url,
    eventTypes: e.eventTypes,
    createdBy: e.createdBy,
    createdAt: e.createdAt,
    disabledAt: e.disabledAt,
    previousSecretValidUntil:
      e.previousSecretValidUntil && e.previousSecretValidUntil > new Date()
        ? e.previousSecretValidUntil
        : null,
  };
}

function deliveryView(d: WebhookDeliveryWithAttempts) {
  return {
    id: d.id,
    eventType: d.eventType,
    escalationId: d.escalationId,
    seq: d.seq,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt : null,
    retryUntil: d.retryUntil,
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    createdAt: d.createdAt,
    deliveredAt: d.deliveredAt,
    payload: d.payload,
    attemptLog: d.attemptLog.map((a) => ({
      attempt: a.attempt,
      startedAt: a.startedAt,
      durationMs: a.durationMs,
      statusCode: a.statusCode,
      error: a.error,
      signatures: a.signatures,
    })),
  };
}

/**
 * Agencies' webhook endpoints (issue 15, docs/integrations.md): an agency's administrator (or
 * the partnership administrator, for any agency) registers the agency's case system, rotates its
 * secret, disables it, reads its delivery log and asks for a delivery again. Each change goes
 * into the audit trail; secrets never do.
 */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly webhooks: WebhooksRepository,
    private readonly directory: DirectoryRepository,
    private readonly audit: AuditRepository,
    @Inject(WEBHOOK_SETTINGS) private readonly settings: WebhookSettings,
  ) {}

  private async recordChange(
    caller: Caller,
    agencyId: string,
    change: string,
    detail: Record<string, unknown>,
  ): Promise<void> {
    await this.audit.record({
      requestId: currentRequestId() ?? randomUUID(),
      personId: caller.personId,
      agencyId,
      role: administersAsPartnership(caller) ? 'partnership-administrator' : 'agency-administrator',
      partnershipId: caller.partnershipId,
      escalationId: null,
      action: `webhooks.${change}`,
      outcome: 200,
      actionRecordId: null,
      detail,
    });
  }

  /**
   * Passes when the agency is in the caller's partnership and the caller manages its webhooks:
   * the partnership administrator for any agency, an agency administrator for their own only.
   */
  private async requireAgencyAdmin(
    caller: Caller,
    agencyId: string,
    what = `agency ${agencyId}`,
  ): Promise<void> {
    const agency = await this.directory.agency(agencyId);
    // Another partnership's agency (or its endpoint) is not found rather than forbidden.
    if (!agency || agency.partnershipId !== caller.partnershipId) throw notFound(what);
    if (administersAsPartnership(caller)) return;
    if (await this.directory.holdsAgencyRole(caller.personId, agencyId, AGENCY_ADMINISTRATOR)) return;
    const own = ((await this.directory.callerByPersonId(caller.personId))?.agencyRoles ?? [])
      .filter((r) => r.role === AGENCY_ADMINISTRATOR)
      .map((r) => r.agencyId);
    throw new ApiError(
      'forbidden',
      own.length > 0
        ? `you administer the webhooks of ${own.join(', ')} only; ${what} belongs to ${agencyId}`
        : `only the partnership administrator or ${agencyId}'s agency administrator manages its webhooks`,
    );
  }

  private async requireEndpoint(caller: Caller, endpointId: string): Promise<WebhookEndpoint> {
    // Not a well-formed id: no such endpoint (Postgres would refuse to compare it with a uuid).
    const endpoint = UUID.test(endpointId) ? await this.webhooks.endpoint(endpointId) : null;
    if (!endpoint) throw notFound(`webhook endpoint ${endpointId}`);
    await this.requireAgencyAdmin(caller, endpoint.agencyId, `webhook endpoint ${endpointId}`);
    return endpoint;
  }

  async list(caller: Caller, agencyId: string) {
    await this.requireAgencyAdmin(caller, agencyId);
    return (await this.webhooks.endpointsOfAgency(agencyId)).map(endpointView);
  }

  /** Registers an endpoint; its secret is in this answer only. */
  async register(caller: Caller, agencyId: string, dto: RegisterWebhookEndpointDto) {
    await this.requireAgencyAdmin(caller, agencyId);
    const problem = await webhookAddressProblem(dto.url, this.settings.production);
    if (problem) throw new ApiError('validation-failed', problem);
    const secret = newSecret();
    const endpoint = await this.webhooks.insertEndpoint({
      agencyId,
      url: dto.url,
      secret,
      eventTypes: dto.eventTypes as WebhookEventType[],
      createdBy: caller.personId,
    });
    await this.recordChange(caller, agencyId, 'endpoint-registered', {
      endpointId: endpoint.id,
      before: null,
      after: { url: endpoint.url, eventTypes: endpoint.eventTypes },
    });
    return { ...endpointView(endpoint), secret };
  }

  async disable(caller: Caller, endpointId: string) {
    const endpoint = await this.requireEndpoint(caller, endpointId);
    if (!(await this.webhooks.disableEndpoint(endpoint.id, new Date())))
      throw new ApiError('conflict', `webhook endpoint ${endpointId} is already disabled`);
    await this.recordChange(caller, endpoint.agencyId, 'endpoint-disabled', {
      endpointId: endpoint.id,
      before: { disabled: false },
      after: { disabled: true },
    });
    return endpointView((await this.webhooks.endpoint(endpoint.id))!);
  }

  /** A new secret signs from now; the old one keeps signing beside it for 24 hours. */
  async rotateSecret(caller: Caller, endpointId: string) {
    const endpoint = await this.requireEndpoint(caller, endpointId);
    if (endpoint.disabledAt) throw new ApiError('conflict', `webhook endpoint ${endpointId} is disabled`);
    const secret = newSecret();
    const previousValidUntil = new Date(Date.now() + ROTATION_OVERLAP_MS);
    const rotated = await this.webhooks.rotateSecret(endpoint.id, secret, previousValidUntil);
    if (!rotated) throw notFound(`webhook endpoint ${endpointId}`);
    await this.recordChange(caller, endpoint.agencyId, 'secret-rotated', {
      endpointId: endpoint.id,
      previousSecretValidUntil: previousValidUntil.toISOString(),
    });
    return { ...endpointView(rotated), secret };
  }

  async deliveries(caller: Caller, endpointId: string) {
    const endpoint = await this.requireEndpoint(caller, endpointId);
    return (await this.webhooks.deliveriesOf(endpoint.id)).map(deliveryView);
  }

  /**
   * Sends a delivery again, with the same webhook-id and a new day of retries: a new generation
   * of the row, which the worker's starter hands to a new workflow (`…-redelivery-<n>`) within a second.
   */
  async redeliver(caller: Caller, endpointId: string, deliveryId: string) {
    const endpoint = await this.requireEndpoint(caller, endpointId);
    const delivery = UUID.test(deliveryId) ? await this.webhooks.delivery(deliveryId) : null;
    if (!delivery || delivery.endpointId !== endpoint.id) throw notFound(`webhook delivery ${deliveryId}`);
    if (endpoint.disabledAt) throw new ApiError('conflict', `webhook endpoint ${endpointId} is disabled`);
    await this.webhooks.requestRedelivery(delivery.id);
    await this.recordChange(caller, endpoint.agencyId, 'redelivery-requested', {
      endpointId: endpoint.id,
      deliveryId: delivery.id,
      before: { status: delivery.status },
      after: { status: 'pending' },
    });
    const [updated] = (await this.webhooks.deliveriesOf(endpoint.id, 1000)).filter(
      (d) => d.id === delivery.id,
    );
    return deliveryView(updated);
  }
}
