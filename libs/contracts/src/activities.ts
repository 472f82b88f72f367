import type { Audience, DeadlineResult, Effect, EscalationState, NotificationEvent } from '@resolve/domain';
import type { Protocol } from '@resolve/protocols';

export type ComputeDeadlineRequest = Omit<Extract<Effect, { type: 'compute-deadline' }>, 'type'> & {
  protocol: Protocol;
};

/** Activities of the escalation worker (services/worker). */
export interface EscalationActivities {
  computeDeadline(request: ComputeDeadlineRequest): Promise<DeadlineResult>;
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
