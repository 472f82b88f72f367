import type {
  Actor,
  Audience,
  DeadlineResult,
  Effect,
  EscalationState,
  NotificationEvent,
} from '@resolve/domain';
import type { Protocol } from '@resolve/protocols';

export type ComputeDeadlineRequest = Omit<Extract<Effect, { type: 'compute-deadline' }>, 'type'> & {
  protocol: Protocol;
};

/** Activities of the escalation worker (services/worker). */
/** An action as the workflow received it, to be checked against what the API recorded. */
export interface AuthoriseActionRequest {
  escalationId: string;
  kind: string;
  actionId: string;
  actor: Actor;
  /** The workflow has already applied an action with this id: a replay, refused. */
  alreadyApplied?: boolean;
}

export type ActionAuthorisation = { authorised: true } | { authorised: false; reason: string };

export interface EscalationActivities {
  computeDeadline(request: ComputeDeadlineRequest): Promise<DeadlineResult>;
  /**
   * Whether the Resolve API authorised this action: its record exists for this case, kind and
   * person, and the person holds the roles the actor claims. Anyone who reaches Temporal's
   * frontend can send an update; only the API writes action records. A refusal is audited.
   */
  authoriseAction(request: AuthoriseActionRequest): Promise<ActionAuthorisation>;
  /** Writes the escalation's row and appends new timeline entries to Postgres (idempotent). */
  recordProjection(state: EscalationState): Promise<void>;
}

export interface NotifyRequest {
  escalationId: string;
  event: NotificationEvent;
  tier: number;
  audience: Audience;
  /** Stable delivery key prefix; the notifier adds recipient and channel. */
  key: string;
  urgent: boolean;
  /** Correlation id of the request that caused it, for logs. */
  correlationId?: string;
  /**
   * A `lodged` notice: the lodged form, which its link opens. Its title is the protocol's name
   * for the form ("Report to SSCP"), never anything from the case.
   */
  lodgement?: { id: string; title: string };
}

export interface NotifyResult {
  recipients: number;
  sent: number;
  alreadySent: number;
  failed: number;
}

/** Activities of the notifier (services/notifier), on its own task queue. */
export interface NotifierActivities {
  notify(request: NotifyRequest): Promise<NotifyResult>;
  /**
   * Several notices caused by one step (a breach: the breach alert, the next tier's notice and
   * the informed parties), in one activity: one task for the server instead of one per notice.
   * Answers with a result per request, in order.
   */
  notifyBatch(requests: NotifyRequest[]): Promise<NotifyResult[]>;
}
