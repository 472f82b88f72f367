import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Nation } from '@resolve/calendar';
import {
  lodgementOfNoticeWorkflow,
  type NotifierActivities,
  type NotifyRequest,
  type NotifyResult,
} from '@resolve/contracts';
import { NOTIFICATION_EVENTS } from '@resolve/domain';
import {
  DeliveriesRepository,
  EscalationsRepository,
  LodgementsRepository,
  NoticeFactsRepository,
  type DeliveryRecord,
} from '@resolve/persistence';
import type { DataSource } from 'typeorm';
import {
  defaultWorkingDay,
  fallbackChannel,
  hasContact,
  isSmsHours,
  nextSmsOpening,
  planChannels,
  smsNow,
  type ChannelContext,
} from './channels';
import {
  deliveryKey,
  holdDelivery,
  recordUndeliverable,
  withDelivery,
  type DeliverySpec,
} from './deliveries';
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
  CHANNELS,
  resolveRecipients,
  type Channel,
  type DirectoryPerson,
  type Recipient,
} from './recipients';
import { loadTemplates, renderEmail, renderSms, type TemplateEvent, type TemplateSet } from './templates';
import { escalationLink, lodgedFormLink, lodgedFormOf } from './message-content';
import { whyHeldTextIsSuperseded } from './held-texts';
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

/** A held text whose release met a transient failure waits this long before the next try. */
const HELD_RETRY_MS = 60_000;

type Outcome =
  | { kind: 'sent' }
  /** A text kept until SMS hours open. */
  | { kind: 'held' }
  | { kind: 'already-sent' }
  | { kind: 'failed'; error: string }
  | { kind: 'transient'; error: string };

interface Failure {
  key: string;
  person: DirectoryPerson;
  channel: Channel;
  error: string;
}

/** The notice a delivery belongs to: the request's ids, or rebuilt from a delivery's row. */
interface NoticeRef {
  escalationId: string;
  event: NotifyRequest['event'];
  tier: number;
  /** The delivery key prefix of the notice (request.key). */
  key: string;
  urgent: boolean;
  correlationId?: string;
  /** A `lodged` notice's form (NotifyRequest.lodgement). */
  lodgement?: { id: string; title: string };
}

/** What the notifier does besides its activities: the work its scheduler runs (scheduler.ts). */
export interface NotifierCore extends NotifierActivities {
  /** Sends a held text whose instant has come, or holds it again while SMS hours are closed. */
  releaseHeld(
    delivery: DeliveryRecord,
  ): Promise<'sent' | 'held' | 'failed' | 'transient' | 'skipped' | 'superseded'>;
  /**
   * The fallback and business-manager alert of a delivery a receipt reported as failed, by the
   * same path as a failure at send time; then its follow-up is finished. 'retry' when a fallback
   * or alert could not be sent yet (the follow-up stays pending).
   */
  followUpFailure(delivery: DeliveryRecord): Promise<'done' | 'retry'>;
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
  const { notify, notifyBatch } = createNotifierCore(deps);
  return { notify, notifyBatch };
}

/** The activities and the scheduler's work, sharing one path for sending, fallback and alert. */
export function createNotifierCore(deps: NotifierDeps): NotifierCore {
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

  /**
   * Everything one notice needs to send, fall back and alert: the escalation's routing facts,
   * the directory, the projected facts and the channel rules at this instant. Null when the
   * escalation's row is missing.
   */
  async function openNotice(notice: NoticeRef, waitMs: number) {
    const escalation = await loadEscalationFacts(ds, notice.escalationId);
    if (!escalation) return null;
    const protocol = protocols(escalation.protocolId, escalation.protocolVersion);
    const [directory, facts, agencies] = await Promise.all([
      loadDirectorySnapshot(ds, escalation),
      loadNoticeFacts(noticeFactsRepository, notice, { now: clock, waitMs }),
      noticeFactsRepository.agencyNames([escalation.raisingAgencyId, escalation.receivingAgencyId]),
    ]);
    const agencyNames = Object.fromEntries(agencies.map((a) => [a.id, a.name]));
    const isWorkingDay = workingDay(protocol?.nation ?? 'england-and-wales');
    const ctx: ChannelContext = {
      urgent: notice.urgent,
      smsHours: isSmsHours(clock(), isWorkingDay),
      protocol: protocol?.channels,
      // A calendar invitation travels only by email: a discouraged email still carries it.
      carriesInvitation:
        (notice.event === 'meeting-scheduled' && Boolean(facts.meeting)) ||
        (notice.event === 'closed' && Boolean(facts.meetingToCancel)),
    };
    /** Deliveries that could not be sent yet, for the caller's retry. */
    const transient: { key: string; error: string }[] = [];
    /** Providers that refused connections in this call: later messages for them wait for the retry. */
    const down = new Set<string>();
    const logFields = {
      escalationId: escalation.id,
      event: notice.event,
      key: notice.key,
      correlationId: notice.correlationId,
    };

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
          tier: notice.tier,
          publicBaseUrl: deps.config.publicBaseUrl,
          facts,
          agencyNames,
        },
        { name: person.displayName, side },
      ),
      ...extra,
      ...lodgedVariables(event),
    });

    /** A lodged form's notice links to the form, not to the case, and names the form. */
    const lodgedVariables = (event: TemplateEvent): Record<string, string> => {
      const form = event === 'lodged' ? lodgedFormOf(notice) : null;
      return form ? { link: lodgedFormLink(deps.config.publicBaseUrl, form.id), formTitle: form.title } : {};
    };

    /** The meeting's invitation (or its cancellation when the case closes) for one invitee. */
    const calendarFor = (person: DirectoryPerson): CalendarPart | undefined =>
      invitationFor(notice.event, facts, person, {
        escalationId: escalation.id,
        reference: escalation.reference,
        link: escalationLink(deps.config.publicBaseUrl, escalation.id),
        organizer,
        now: clock(),
      });

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
          // A held text that was attempted before may have reached the provider (a transient
          // failure that left it held): ask, as for an interrupted 'sending'.
          const interrupted = status === 'sending' || (status === 'held' && delivery.row.attempts > 0);
          const channelProvider = spec.channel === 'email' ? deps.providers.email : deps.providers.sms;
          const providerKey = `${spec.channel}:${channelProvider.name}`;
          const retryLater = (error: string, maybeSent: boolean) =>
            status === 'held'
              ? delivery.markHeld(new Date(clock().getTime() + HELD_RETRY_MS), error)
              : delivery.markRetry(error, maybeSent);
          if (down.has(providerKey)) {
            await retryLater(
              `not attempted: ${channelProvider.name} unavailable in this attempt`,
              interrupted,
            );
            return { kind: 'transient', error: `${channelProvider.name} unavailable` } as const;
          }
          if (spec.channel === 'sms' && !hasContact(person, 'sms')) {
            // Only a held text can get here: the person's number was removed while it waited.
            const error = 'no phone number in the directory';
            await delivery.markFailed(error);
            return { kind: 'failed', error } as const;
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
              if (interrupted && p.findPrevious) {
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
            if (interrupted && p.findPrevious) {
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
            await retryLater(text, err.maybeSent || status === 'sending');
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

    /**
     * Keeps a text until SMS hours open (a 'held' delivery the scheduler sends then). A retried
     * notice finds the row as an earlier attempt left it: still held, sent or failed.
     */
    async function holdText(
      spec: DeliverySpec,
      person: DirectoryPerson,
      variables: Record<string, string>,
    ): Promise<Outcome> {
      const sendAfter = nextSmsOpening(clock(), isWorkingDay);
      const row = await holdDelivery(deliveries, spec, sendAfter);
      if (row.status === 'held') {
        log.info('text held until SMS hours open', {
          ...logFields,
          deliveryKey: spec.key,
          sendAfter: (row.sendAfter ?? sendAfter).toISOString(),
        });
        return { kind: 'held' };
      }
      if (row.status === 'sent' || row.status === 'delivered') return { kind: 'already-sent' };
      if (row.status === 'failed') return { kind: 'failed', error: row.lastError ?? 'failed earlier' };
      // 'queued' or 'sending': an attempt inside SMS hours started it; finish that attempt (the
      // provider is asked first when it may have the message).
      return attempt(spec, person, variables);
    }

    /** Emails the partnership's business managers about a message that cannot be delivered. */
    async function alertBusinessManagers(failure: Failure) {
      const managers = businessManagers(directory, escalation!.partnershipId);
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
            `${notice.key}:delivery-failed:${failure.person.id}:${failure.channel}`,
            manager.id,
            'email',
          ),
          escalationId: escalation!.id,
          event: 'delivery-failed',
          tier: notice.tier,
          personId: manager.id,
          channel: 'email',
          fallbackFor: failure.key,
          readerSide: 'partnership',
          urgent: notice.urgent,
        };
        const variables = variablesFor(manager, 'partnership', 'delivery-failed', {
          failedRecipientName: failure.person.displayName,
          failedChannel: failure.channel === 'email' ? 'email' : 'text message (SMS)',
          failedEventLabel: EVENT_LABELS[notice.event],
          failedReason: failure.error,
        });
        const outcome = await attempt(spec, manager, variables);
        if (outcome.kind === 'transient') transient.push({ key: spec.key, error: outcome.error });
        if (outcome.kind === 'failed')
          log.error('delivery-failed alert could not be delivered', { ...logFields, deliveryKey: spec.key });
      }
    }

    /**
     * After a delivery failed permanently (at send time, when a held text was released, or
     * reported later by a receipt): the other channel for this person, unless it was used for
     * this notice already, then the business managers' alert. Answers the fallback's outcome.
     */
    async function afterPermanentFailure(
      spec: DeliverySpec,
      person: DirectoryPerson,
      used: readonly Channel[],
      variables: Record<string, string>,
      error: string,
    ): Promise<{ spec: DeliverySpec; outcome: Outcome } | null> {
      let fallback: { spec: DeliverySpec; outcome: Outcome } | null = null;
      const other = fallbackChannel(person, spec.channel, used, ctx);
      if (other) {
        const fallbackSpec: DeliverySpec = {
          ...spec,
          key: deliveryKey(notice.key, person.id, other.channel),
          channel: other.channel,
          fallbackFor: spec.key,
        };
        const outcome = other.hold
          ? await holdText(fallbackSpec, person, variables)
          : await attempt(fallbackSpec, person, variables, calendarFor(person));
        fallback = { spec: fallbackSpec, outcome };
      }
      await alertBusinessManagers({ key: spec.key, person, channel: spec.channel, error });
      return fallback;
    }

    return {
      escalation,
      directory,
      ctx,
      transient,
      logFields,
      variablesFor,
      calendarFor,
      attempt,
      holdText,
      alertBusinessManagers,
      afterPermanentFailure,
    };
  }

  // Runs whose escalation row has been checked: one lookup per run, not per notice.
  const runsChecked = new Set<string>();
  /**
   * Only a run the API started may notify about a case. Anyone who reaches Temporal's frontend
   * can start an escalation workflow with a real case's id under a workflow id of their own; the
   * worker refuses its projection, but its first notices are scheduled beside that projection,
   * so the notifier checks too: the case's row must name this run's workflow.
   */
  async function refuseForgedRun(escalationId: string, request?: NotifyRequest): Promise<void> {
    const workflowId = currentWorkflowId();
    if (workflowId === null) return; // called outside an activity (the scheduler's own work)
    const key = `${escalationId}\u0000${workflowId}`;
    if (runsChecked.has(key)) return;
    const lodged = lodgementOfNoticeWorkflow(workflowId);
    if (lodged || request?.event === 'lodged') {
      const refusal = await lodgedNoticeRefusal(workflowId, escalationId, request);
      if (refusal) {
        log.warn('notice refused: not the notice of a form the API lodged', { escalationId, workflowId });
        throw ApplicationFailure.nonRetryable(
          `workflow ${workflowId} may not send this notice about escalation ${escalationId}: ${refusal}`,
          'RunNotStartedByApi',
        );
      }
      return;
    }
    const row = await new EscalationsRepository(ds).findById(escalationId);
    // No row yet is left to openNotice, which waits for the API's write and retries.
    if (row && row.workflowId !== workflowId) {
      log.warn('notice refused: the run was not started by the API for this case', {
        escalationId,
        workflowId,
      });
      throw ApplicationFailure.nonRetryable(
        `workflow ${workflowId} was not started by the Resolve API for escalation ${escalationId}: its notices are refused`,
        'RunNotStartedByApi',
      );
    }
    if (row) {
      if (runsChecked.size > 10_000) runsChecked.clear();
      runsChecked.add(key);
    }
  }

  /**
   * A lodged form's notice comes from its own workflow (docs/records-and-reports.md), started by
   * the API's lodger under an id naming the case and the lodgement: the lodgement must exist for
   * that case, and the notice may go only to the role the form was lodged with.
   */
  async function lodgedNoticeRefusal(
    workflowId: string,
    escalationId: string,
    request: NotifyRequest | undefined,
  ): Promise<string | null> {
    const ids = lodgementOfNoticeWorkflow(workflowId);
    if (!ids || ids.escalationId !== escalationId)
      return 'a lodged form is told of by its own notice workflow only';
    if (!request || request.event !== 'lodged' || request.lodgement?.id !== ids.lodgementId)
      return 'a lodgement notice workflow sends the notice of its own lodgement only';
    const lodgement = await new LodgementsRepository(ds).findById(ids.lodgementId);
    if (!lodgement || lodgement.escalationId !== escalationId)
      return 'no such lodgement was made for the case';
    const a = request.audience;
    const expected = lodgement.recipientPartnershipRole
      ? a.partnershipRoles.length === 1 &&
        a.partnershipRoles[0] === lodgement.recipientPartnershipRole &&
        a.agencyRoles.length === 0
      : a.agencyRoles.length === 1 &&
        a.agencyRoles[0] === lodgement.recipientAgencyRole &&
        a.partnershipRoles.length === 0 &&
        !a.onlyAgencyIds;
    if (a.parties || !expected) return 'the notice may go only to the role the form was lodged with';
    return null;
  }

  async function notify(request: NotifyRequest): Promise<NotifyResult> {
    checkRequest(request);
    await refuseForgedRun(request.escalationId, request);
    const notice = await openNotice(request, projectionWaitMs);
    if (!notice) {
      // The API writes the row before it starts the workflow: a missing row is an inconsistency
      // an operator must see, so keep retrying (visibly) rather than drop the notice.
      throw ApplicationFailure.retryable(
        `escalation ${request.escalationId} not found in Postgres`,
        'EscalationNotFound',
      );
    }
    const { escalation, directory, ctx, transient, logFields } = notice;
    const recipients = resolveRecipients(directory, escalation, request.audience);
    const result: NotifyResult = { recipients: recipients.length, sent: 0, alreadySent: 0, failed: 0 };
    let held = 0;

    const count = (outcome: Outcome, spec: DeliverySpec) => {
      if (outcome.kind === 'sent') result.sent += 1;
      else if (outcome.kind === 'already-sent') result.alreadySent += 1;
      else if (outcome.kind === 'failed') result.failed += 1;
      else if (outcome.kind === 'held') held += 1;
      else transient.push({ key: spec.key, error: outcome.error });
    };

    // Recipients are independent (each delivery has its own key and lock), so they go out side by
    // side: the last of a breach's alerts leaves as soon as the first, not one SMTP exchange later
    // per person. The delivery slots bound how many run at once.
    const deliverTo = async ({ person, because }: Recipient): Promise<void> => {
      const plan = planChannels(person, ctx);
      const side = readerSide(because);
      const specFor = (channel: Channel): DeliverySpec => ({
        key: deliveryKey(request.key, person.id, channel),
        escalationId: escalation.id,
        event: request.event,
        tier: request.tier,
        personId: person.id,
        channel,
        readerSide: side,
        urgent: request.urgent,
      });
      if (plan.unreachable) {
        const spec = specFor(plan.wanted);
        const error = 'no email address or phone number in the directory';
        await recordUndeliverable(deliveries, spec, error);
        result.failed += 1;
        await notice.alertBusinessManagers({ key: spec.key, person, channel: plan.wanted, error });
        return;
      }
      const variables = notice.variablesFor(person, side, request.event);
      const calendar = notice.calendarFor(person);
      const used = [...plan.channels, ...plan.held];
      for (const channel of plan.held) {
        const spec = specFor(channel);
        const outcome = await notice.holdText(spec, person, variables);
        count(outcome, spec);
        if (outcome.kind === 'failed') await followFailure(spec, outcome.error);
      }
      for (const channel of plan.channels) {
        const spec = specFor(channel);
        const outcome = await notice.attempt(spec, person, variables, calendar);
        count(outcome, spec);
        if (outcome.kind === 'failed') await followFailure(spec, outcome.error);
      }

      async function followFailure(spec: DeliverySpec, error: string) {
        const fallback = await notice!.afterPermanentFailure(spec, person, used, variables, error);
        if (fallback) count(fallback.outcome, fallback.spec);
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
      log.warn('notify will be retried', { ...logFields, pending: transient.length, held, ...result });
      throw ApplicationFailure.retryable(
        `${transient.length} notification deliver${transient.length === 1 ? 'y' : 'ies'} could not be sent yet and will be retried: ${summary}`,
        RETRYABLE_FAILURE_TYPE,
        { pending, result },
      );
    }
    log.info('notify done', { ...logFields, ...result, held });
    return result;
  }

  /** The notice and person of a delivery's row (held text, or failure reported by a receipt). */
  async function reopen(delivery: DeliveryRecord) {
    const suffix = `:${delivery.recipientPersonId}:${delivery.channel}`;
    const ref: NoticeRef = {
      escalationId: delivery.escalationId,
      event: delivery.event as NotifyRequest['event'],
      tier: delivery.tier,
      key: delivery.deliveryKey.endsWith(suffix)
        ? delivery.deliveryKey.slice(0, -suffix.length)
        : delivery.deliveryKey,
      urgent: delivery.urgent,
    };
    // The projection has long recorded the step: no wait.
    const notice = await openNotice(ref, 0);
    if (!notice) return null;
    const person = notice.directory.people.find((p) => p.id === delivery.recipientPersonId) ?? null;
    const side: ReaderSide =
      delivery.readerSide ??
      (person?.id === notice.escalation.raisingPersonId
        ? 'raising'
        : person?.id === notice.escalation.receivingPersonId
          ? 'receiving'
          : 'unknown');
    const spec: DeliverySpec = {
      key: delivery.deliveryKey,
      escalationId: delivery.escalationId,
      event: delivery.event,
      tier: delivery.tier,
      personId: delivery.recipientPersonId,
      channel: delivery.channel,
      fallbackFor: delivery.fallbackFor,
      readerSide: side,
      urgent: delivery.urgent,
    };
    /** The channels this notice used for the person (sent, held or failed): no fallback onto them. */
    const used = async (): Promise<Channel[]> =>
      (
        await deliveries.existing(CHANNELS.map((c) => deliveryKey(ref.key, delivery.recipientPersonId, c)))
      ).map((d) => d.channel);
    return { ref, notice, person, side, spec, used };
  }

  async function releaseHeld(delivery: DeliveryRecord) {
    const reopened = await reopen(delivery);
    const fields = { escalationId: delivery.escalationId, deliveryKey: delivery.deliveryKey };
    if (!reopened) {
      log.error('held text for an escalation that is not in Postgres: left held', fields);
      return 'skipped' as const;
    }
    const { notice, person, side, spec, used } = reopened;
    const now = await new EscalationsRepository(ds).findById(delivery.escalationId);
    const superseded = now && whyHeldTextIsSuperseded(delivery, now);
    if (superseded) {
      await withDelivery(deliveries, spec, async (held) => {
        if (held.row.status === 'held') await held.markSuperseded(superseded);
      }).catch((err) => {
        if (!(err instanceof DeliveryError)) throw err;
      });
      log.info('held text not sent: the case has moved on', { ...fields, event: delivery.event });
      return 'superseded' as const;
    }
    if (!person) {
      log.warn('held text for a person no longer in the directory: not sent', fields);
      await recordGone(spec);
      return 'failed' as const;
    }
    if (!smsNow(person, notice.ctx)) {
      // The scheduler was late (the notifier was down while the hours were open): wait again.
      const sendAfter = nextSmsOpening(clock(), workingDayOf(notice.escalation.protocolId));
      await withDelivery(deliveries, spec, async (held) => {
        if (held.row.status === 'held') await held.markHeld(sendAfter);
      }).catch((err) => {
        if (!(err instanceof DeliveryError)) throw err;
      });
      return 'held' as const;
    }
    const variables = notice.variablesFor(person, side, spec.event as TemplateEvent);
    const outcome = await notice.attempt(spec, person, variables);
    if (outcome.kind === 'failed') {
      await notice.afterPermanentFailure(spec, person, await used(), variables, outcome.error);
      return 'failed' as const;
    }
    if (outcome.kind === 'transient') return 'transient' as const;
    log.info('held text sent as SMS hours opened', { ...fields, outcome: outcome.kind });
    return outcome.kind === 'held' ? ('held' as const) : ('sent' as const);
  }

  /** A held text for a person who has left the directory: failed, nobody to fall back to. */
  async function recordGone(spec: DeliverySpec) {
    await withDelivery(deliveries, spec, async (held) => {
      if (held.row.status === 'held') await held.markFailed('recipient no longer in the directory');
    }).catch((err) => {
      if (!(err instanceof DeliveryError)) throw err;
    });
  }

  async function followUpFailure(delivery: DeliveryRecord) {
    const fields = { escalationId: delivery.escalationId, deliveryKey: delivery.deliveryKey };
    const reopened = await reopen(delivery);
    if (!reopened) {
      log.error('failure reported for an escalation that is not in Postgres: follow-up kept pending', fields);
      return 'retry' as const;
    }
    const { notice, person, side, spec, used } = reopened;
    if (person) {
      const variables = notice.variablesFor(person, side, spec.event as TemplateEvent);
      const error = delivery.lastError ?? 'reported as not delivered by the provider';
      await notice.afterPermanentFailure(spec, person, await used(), variables, error);
    } else {
      log.warn('failure reported for a person no longer in the directory: no fallback or alert', fields);
    }
    if (notice.transient.length > 0) {
      log.warn('fallback or alert of a reported failure will be retried', {
        ...fields,
        pending: notice.transient.length,
      });
      return 'retry' as const;
    }
    if (await deliveries.finishFollowUp(delivery.deliveryKey)) {
      log.info('fallback and alert done for a failure reported by a receipt', fields);
    }
    return 'done' as const;
  }

  function workingDayOf(protocolId: string) {
    return workingDay(protocols(protocolId)?.nation ?? 'england-and-wales');
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

  return { notify, notifyBatch, releaseHeld, followUpFailure };
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

/** The workflow of the activity being run; null outside an activity. */
function currentWorkflowId(): string | null {
  try {
    return Context.current().info.workflowExecution?.workflowId ?? null;
  } catch {
    return null;
  }
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
