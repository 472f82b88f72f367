import { ApplicationFailure } from '@temporalio/common';
import type { Nation } from '@resolve/calendar';
import type { NotifierActivities, NotifyRequest, NotifyResult } from '@resolve/contracts';
import { NOTIFICATION_EVENTS } from '@resolve/domain';
import { DeliveriesRepository, NoticeFactsRepository } from '@resolve/persistence';
import type { DataSource } from 'typeorm';
import {
  defaultWorkingDay,
  fallbackChannel,
  isSmsHours,
  planChannels,
  type ChannelContext,
} from './channels';
import { deliveryKey, recordUndeliverable, withDelivery, type DeliverySpec } from './deliveries';
import { loadDirectorySnapshot, loadEscalationFacts } from './directory';
import { DeliveryError, errorText, redactContacts } from './errors';
import { meetingInvitation, parseMailbox, type CalendarPart } from './calendar-invitation';
import { createLimiter } from './limiter';
import { jsonLogger, type NotifierLogger } from './logger';
import {
  EVENT_LABELS,
  messageVariables,
  shippedProtocolLookup,
  type ProtocolLookup,
} from './message-content';
import { loadNoticeFacts, type NoticeFacts } from './notice-facts';
import type { Providers } from './providers/provider-factory';
import {
  businessManagers,
  resolveRecipients,
  type Channel,
  type DirectoryPerson,
  type DirectorySnapshot,
  type EscalationFacts,
  type Recipient,
} from './recipients';
import { loadTemplates, renderEmail, renderSms, type TemplateEvent, type TemplateSet } from './templates';
import { escalationLink } from './message-content';
import { readerSide, type ReaderSide } from './wording';

export interface NotifierDeps {
  dataSource: DataSource;
  /** The deliveries' rows (default: a repository on dataSource). */
  deliveries?: DeliveriesRepository;
  providers: Providers;
  /** mailFrom: the organiser of calendar invitations (default notifications@resolve.invalid). */
  config: { publicBaseUrl: string; mailFrom?: string };
  /** The projected case, for what a notice is about (default: a repository on dataSource). */
  noticeFacts?: NoticeFactsRepository;
  /**
   * How long a notice waits for the workflow's projection to record the step that caused it
   * (default 15 s): the workflow sends notices before it writes the projection. After that the
   * message goes without the deadline or meeting facts (pointing to the case page).
   */
  projectionWaitMs?: number;
  /** Now, for the SMS working-hours rule. */
  clock?: () => Date;
  templates?: TemplateSet;
  protocols?: ProtocolLookup;
  /** Working days of a nation (default: @resolve/calendar, bank holidays included). */
  isWorkingDay?: (localDate: string, nation: Nation) => boolean;
  logger?: NotifierLogger;
  /**
   * Deliveries sent at once across every notify activity of this process (default 4). Each one
   * holds a database connection for its lock, so the worker keeps this below its pool size.
   */
  maxParallelDeliveries?: number;
}

/** Temporal failure type of the retryable error thrown after transient delivery failures. */
export const RETRYABLE_FAILURE_TYPE = 'NotificationDeliveryRetryable';

type Outcome =
  | { kind: 'sent' }
  | { kind: 'already-sent' }
  | { kind: 'failed'; error: string }
  | { kind: 'transient'; error: string };

interface Failure {
  key: string;
  person: DirectoryPerson;
  channel: Channel;
  error: string;
}

/**
 * The notifier's activities. `notify` resolves the audience from the directory, picks channels
 * per person, and sends each (person, channel) exactly once under its delivery key.
 *
 * Transient failures (provider down, 4xx SMTP, HTTP 429/5xx) do not stop the other recipients;
 * at the end the activity throws a retryable ApplicationFailure and Temporal retries it with
 * backoff, when everything already sent is skipped. Permanent failures (rejected address or
 * number) never throw: the delivery is marked failed, the other channel is tried and the
 * partnership's business managers are emailed.
 */
export function createNotifierActivities(deps: NotifierDeps): NotifierActivities {
  const ds = deps.dataSource;
  const deliveries = deps.deliveries ?? new DeliveriesRepository(ds);
  const clock = deps.clock ?? (() => new Date());
  const templates = deps.templates ?? loadTemplates();
  const protocols = deps.protocols ?? shippedProtocolLookup;
  const log = deps.logger ?? jsonLogger();
  const deliverySlot = createLimiter(deps.maxParallelDeliveries ?? 4);
  const noticeFactsRepository = deps.noticeFacts ?? new NoticeFactsRepository(ds);
  const projectionWaitMs = deps.projectionWaitMs ?? 15_000;
  const organizer = parseMailbox(deps.config.mailFrom ?? 'Resolve <notifications@resolve.invalid>');
  const workingDay = (nation: Nation) =>
    deps.isWorkingDay ? (d: string) => deps.isWorkingDay!(d, nation) : defaultWorkingDay(nation);

  async function notify(request: NotifyRequest): Promise<NotifyResult> {
    checkRequest(request);
    const escalation = await loadEscalationFacts(ds, request.escalationId);
    if (!escalation) {
      // The API writes the row before it starts the workflow: a missing row is an inconsistency
      // an operator must see, so keep retrying (visibly) rather than drop the notice.
      throw ApplicationFailure.retryable(
        `escalation ${request.escalationId} not found in Postgres`,
        'EscalationNotFound',
      );
    }
    const protocol = protocols(escalation.protocolId);
    const [directory, facts, agencies] = await Promise.all([
      loadDirectorySnapshot(ds, escalation),
      loadNoticeFacts(noticeFactsRepository, request, { now: clock, waitMs: projectionWaitMs }),
      noticeFactsRepository.agencyNames([escalation.raisingAgencyId, escalation.receivingAgencyId]),
    ]);
    const agencyNames = Object.fromEntries(agencies.map((a) => [a.id, a.name]));
    const recipients = resolveRecipients(directory, escalation, request.audience);
    const ctx: ChannelContext = {
      urgent: request.urgent,
      smsHours: isSmsHours(clock(), workingDay(protocol?.nation ?? 'england-and-wales')),
    };
    const result: NotifyResult = { recipients: recipients.length, sent: 0, alreadySent: 0, failed: 0 };
    const transient: { key: string; error: string }[] = [];
    /** Providers that refused connections in this call: later messages for them wait for the retry. */
    const down = new Set<string>();
    const logFields = {
      escalationId: escalation.id,
      event: request.event,
      key: request.key,
      correlationId: request.correlationId,
    };

    if (!facts.current) {
      log.info('projection has not recorded this step yet: message without its deadline or meeting', {
        ...logFields,
        waitedMs: projectionWaitMs,
      });
    }

    const variablesFor = (
      person: DirectoryPerson,
      side: ReaderSide,
      event: TemplateEvent,
      extra: Record<string, string> = {},
    ) => ({
      ...messageVariables(
        {
          escalation,
          protocol,
          event,
          tier: request.tier,
          publicBaseUrl: deps.config.publicBaseUrl,
          facts,
          agencyNames,
        },
        { name: person.displayName, side },
      ),
      ...extra,
    });

    /** The meeting's invitation (or its cancellation when the case closes) for one invitee. */
    const calendarFor = (person: DirectoryPerson): CalendarPart | undefined =>
      invitationFor(request.event, facts, person, {
        escalationId: escalation.id,
        reference: escalation.reference,
        link: escalationLink(deps.config.publicBaseUrl, escalation.id),
        organizer,
        now: clock(),
      });

    const count = (outcome: Outcome, spec: DeliverySpec) => {
      if (outcome.kind === 'sent') result.sent += 1;
      else if (outcome.kind === 'already-sent') result.alreadySent += 1;
      else if (outcome.kind === 'failed') result.failed += 1;
      else transient.push({ key: spec.key, error: outcome.error });
    };

    /** One (person, channel) delivery, exactly once under its key. */
    function attempt(
      spec: DeliverySpec,
      person: DirectoryPerson,
      variables: Record<string, string>,
      calendar?: CalendarPart,
    ): Promise<Outcome> {
      return deliverySlot(() => attemptNow(spec, person, variables, calendar));
    }

    async function attemptNow(
      spec: DeliverySpec,
      person: DirectoryPerson,
      variables: Record<string, string>,
      calendar?: CalendarPart,
    ): Promise<Outcome> {
      const event = spec.event as TemplateEvent;
      try {
        return await withDelivery(deliveries, spec, async (delivery) => {
          const { status } = delivery.row;
          if (status === 'sent' || status === 'delivered') return { kind: 'already-sent' } as const;
          if (status === 'failed')
            return { kind: 'failed', error: delivery.row.lastError ?? 'failed earlier' } as const;
          const channelProvider = spec.channel === 'email' ? deps.providers.email : deps.providers.sms;
          const providerKey = `${spec.channel}:${channelProvider.name}`;
          if (down.has(providerKey)) {
            await delivery.markRetry(
              `not attempted: ${channelProvider.name} unavailable in this attempt`,
              status === 'sending',
            );
            return { kind: 'transient', error: `${channelProvider.name} unavailable` } as const;
          }
          const send = async (): Promise<{ name: string; id: string | null; recovered: boolean }> => {
            if (spec.channel === 'email') {
              const rendered = renderEmail(templates, event, variables);
              const message = {
                deliveryKey: spec.key,
                to: { address: person.email!, name: person.displayName },
                ...rendered,
                ...(calendar ? { calendar } : {}),
              };
              const p = deps.providers.email;
              if (status === 'sending' && p.findPrevious) {
                const previous = await p.findPrevious(message, delivery.row.updatedAt);
                if (previous) return { name: p.name, id: previous.providerMessageId, recovered: true };
              }
              await delivery.markSending(p.name);
              return { name: p.name, id: (await p.send(message)).providerMessageId, recovered: false };
            }
            const body = renderSms(templates, event, variables);
            const message = {
              deliveryKey: spec.key,
              to: person.phone!,
              body,
              escalationId: spec.escalationId,
              recipientPersonId: person.id,
            };
            const p = deps.providers.sms;
            if (status === 'sending' && p.findPrevious) {
              const previous = await p.findPrevious(message, delivery.row.updatedAt);
              if (previous) return { name: p.name, id: previous.providerMessageId, recovered: true };
            }
            await delivery.markSending(p.name);
            return { name: p.name, id: (await p.send(message)).providerMessageId, recovered: false };
          };
          try {
            const sent = await send();
            // Recorded straight after the provider accepted it: a crash in between leaves
            // 'sending', which the next attempt resolves (see docs/notifications.md).
            await delivery.markSent(sent.name, sent.id);
            if (sent.recovered) {
              log.info('delivery found at the provider after an interrupted attempt', {
                ...logFields,
                deliveryKey: spec.key,
              });
              return { kind: 'already-sent' } as const;
            }
            return { kind: 'sent' } as const;
          } catch (err) {
            if (!(err instanceof DeliveryError)) throw err;
            const text = errorText(err);
            if (err.kind === 'permanent') {
              await delivery.markFailed(text);
              log.warn('delivery failed permanently', {
                ...logFields,
                deliveryKey: spec.key,
                channel: spec.channel,
                error: text,
              });
              return { kind: 'failed', error: text } as const;
            }
            await delivery.markRetry(text, err.maybeSent || status === 'sending');
            if (!err.maybeSent) down.add(providerKey);
            log.warn('delivery failed, will be retried', {
              ...logFields,
              deliveryKey: spec.key,
              channel: spec.channel,
              error: text,
            });
            return { kind: 'transient', error: text } as const;
          }
        });
      } catch (err) {
        if (err instanceof DeliveryError) return { kind: 'transient', error: errorText(err) };
        throw err;
      }
    }

    /** Emails the partnership's business managers about a message that cannot be delivered. */
    async function alertBusinessManagers(failure: Failure, dir: DirectorySnapshot, esc: EscalationFacts) {
      const managers = businessManagers(dir, esc.partnershipId);
      if (managers.length === 0) {
        log.error('no business manager in the directory to tell about an undeliverable notice', {
          ...logFields,
          deliveryKey: failure.key,
        });
        return;
      }
      for (const manager of managers) {
        if (!manager.email || (manager.id === failure.person.id && failure.channel === 'email')) {
          log.error('business manager has no usable email address for a delivery-failed alert', {
            ...logFields,
            managerId: manager.id,
          });
          continue;
        }
        const spec: DeliverySpec = {
          key: deliveryKey(
            `${request.key}:delivery-failed:${failure.person.id}:${failure.channel}`,
            manager.id,
            'email',
          ),
          escalationId: esc.id,
          event: 'delivery-failed',
          tier: request.tier,
          personId: manager.id,
          channel: 'email',
          fallbackFor: failure.key,
        };
        const variables = variablesFor(manager, 'partnership', 'delivery-failed', {
          failedRecipientName: failure.person.displayName,
          failedChannel: failure.channel === 'email' ? 'email' : 'text message (SMS)',
          failedEventLabel: EVENT_LABELS[request.event],
          failedReason: failure.error,
        });
        const outcome = await attempt(spec, manager, variables);
        if (outcome.kind === 'transient') transient.push({ key: spec.key, error: outcome.error });
        if (outcome.kind === 'failed')
          log.error('delivery-failed alert could not be delivered', { ...logFields, deliveryKey: spec.key });
      }
    }

    // Recipients are independent (each delivery has its own key and lock), so they go out side by
    // side: the last of a breach's alerts leaves as soon as the first, not one SMTP exchange later
    // per person. The delivery slots bound how many run at once.
    const deliverTo = async ({ person, because }: Recipient): Promise<void> => {
      const plan = planChannels(person, ctx);
      if (plan.withheld) {
        log.info('notice withheld for this person', {
          ...logFields,
          personId: person.id,
          reason: plan.withheld,
        });
        return;
      }
      if (plan.unreachable) {
        const spec: DeliverySpec = {
          key: deliveryKey(request.key, person.id, plan.wanted),
          escalationId: escalation.id,
          event: request.event,
          tier: request.tier,
          personId: person.id,
          channel: plan.wanted,
        };
        const error = 'no email address or phone number in the directory';
        await recordUndeliverable(deliveries, spec, error);
        result.failed += 1;
        await alertBusinessManagers(
          { key: spec.key, person, channel: plan.wanted, error },
          directory,
          escalation,
        );
        return;
      }
      const variables = variablesFor(person, readerSide(because), request.event);
      const calendar = calendarFor(person);
      for (const channel of plan.channels) {
        const spec: DeliverySpec = {
          key: deliveryKey(request.key, person.id, channel),
          escalationId: escalation.id,
          event: request.event,
          tier: request.tier,
          personId: person.id,
          channel,
        };
        const outcome = await attempt(spec, person, variables, calendar);
        count(outcome, spec);
        if (outcome.kind !== 'failed') continue;
        const other = fallbackChannel(person, channel, plan.channels, ctx);
        if (other) {
          const fallback: DeliverySpec = {
            ...spec,
            key: deliveryKey(request.key, person.id, other),
            channel: other,
            fallbackFor: spec.key,
          };
          count(await attempt(fallback, person, variables, calendar), fallback);
        }
        await alertBusinessManagers(
          { key: spec.key, person, channel, error: outcome.error },
          directory,
          escalation,
        );
      }
    };
    // allSettled, then the first error: a programming error in one recipient's delivery must not
    // leave the others running after the activity has answered.
    const settled = await Promise.allSettled(recipients.map((recipient) => deliverTo(recipient)));
    const crashed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (crashed) throw crashed.reason;

    if (transient.length > 0) {
      // Into Temporal's history: keys (ids) and provider errors without addresses or numbers.
      const pending = transient.map((t) => ({ key: t.key, error: redactContacts(t.error) }));
      const summary = pending
        .slice(0, 5)
        .map((t) => `${t.key}: ${t.error}`)
        .join('; ');
      log.warn('notify will be retried', { ...logFields, pending: transient.length, ...result });
      throw ApplicationFailure.retryable(
        `${transient.length} notification deliver${transient.length === 1 ? 'y' : 'ies'} could not be sent yet and will be retried: ${summary}`,
        RETRYABLE_FAILURE_TYPE,
        { pending, result },
      );
    }
    log.info('notify done', { ...logFields, ...result });
    return result;
  }

  async function notifyBatch(requests: NotifyRequest[]): Promise<NotifyResult[]> {
    if (!Array.isArray(requests) || requests.length === 0) {
      throw ApplicationFailure.nonRetryable(
        'notifyBatch needs a non-empty array of notify requests',
        'InvalidNotifyRequest',
      );
    }
    // Every request is checked before anything is sent: a malformed batch sends nothing.
    requests.forEach((r, i) => {
      try {
        checkRequest(r);
      } catch (err) {
        throw ApplicationFailure.nonRetryable(
          `request ${i}: ${(err as Error).message}`,
          'InvalidNotifyRequest',
        );
      }
    });
    const settled = await Promise.allSettled(requests.map((r) => notify(r)));
    const failed = settled.flatMap((r, i) =>
      r.status === 'rejected' ? [{ i, reason: r.reason as unknown }] : [],
    );
    if (failed.length === 0) return settled.map((r) => (r as PromiseFulfilledResult<NotifyResult>).value);
    // A retry sends again only what was not sent (every delivery has its key).
    const nonRetryable = failed.find((f) => f.reason instanceof ApplicationFailure && f.reason.nonRetryable);
    if (nonRetryable || failed.some((f) => !(f.reason instanceof ApplicationFailure))) {
      throw (nonRetryable ?? failed.find((f) => !(f.reason instanceof ApplicationFailure)))!.reason;
    }
    const summary = failed
      .map((f) => `request ${f.i} (${requests[f.i].event}): ${(f.reason as Error).message}`)
      .join('; ');
    throw ApplicationFailure.retryable(
      `${failed.length} of ${requests.length} notices could not all be sent yet and will be retried: ${summary}`,
      RETRYABLE_FAILURE_TYPE,
    );
  }

  return { notify, notifyBatch };
}

/**
 * A meeting-scheduled email carries the meeting's invitation (METHOD:REQUEST; a new date of the
 * same tier's meeting is an update, with a higher SEQUENCE); the closing email cancels a meeting
 * still ahead (METHOD:CANCEL). Nothing when the projection did not give the meeting.
 */
function invitationFor(
  event: NotifyRequest['event'],
  facts: NoticeFacts,
  person: DirectoryPerson,
  base: {
    escalationId: string;
    reference: string;
    link: string;
    organizer: { name: string; email: string };
    now: Date;
  },
): CalendarPart | undefined {
  if (!person.email) return undefined;
  const attendee = { name: person.displayName, email: person.email };
  if (event === 'meeting-scheduled' && facts.meeting) {
    return meetingInvitation({ ...base, method: 'REQUEST', meeting: facts.meeting, attendee });
  }
  if (event === 'closed' && facts.meetingToCancel) {
    return meetingInvitation({ ...base, method: 'CANCEL', meeting: facts.meetingToCancel, attendee });
  }
  return undefined;
}

function checkRequest(request: NotifyRequest): void {
  const problems: string[] = [];
  if (!request || typeof request !== 'object')
    throw ApplicationFailure.nonRetryable('notify request must be an object', 'InvalidNotifyRequest');
  if (typeof request.escalationId !== 'string' || !request.escalationId)
    problems.push('escalationId is required');
  if (!(NOTIFICATION_EVENTS as readonly string[]).includes(request.event))
    problems.push(`unknown event "${String(request.event)}"`);
  if (typeof request.key !== 'string' || !request.key.trim()) problems.push('key is required');
  if (!Number.isInteger(request.tier)) problems.push('tier must be an integer');
  const a = request.audience;
  if (!a || !Array.isArray(a.agencyRoles) || !Array.isArray(a.sides) || !Array.isArray(a.partnershipRoles)) {
    problems.push('audience must have agencyRoles, sides and partnershipRoles arrays');
  }
  if (problems.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `invalid notify request: ${problems.join('; ')}`,
      'InvalidNotifyRequest',
    );
  }
}
