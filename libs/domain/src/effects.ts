import type { AgencyRole, PartnershipRole } from '@resolve/protocols';

export const NOTIFICATION_EVENTS = [
  'escalation-raised',
  'tier-entered',
  'deadline-reminder',
  'deadline-breached',
  'plan-proposed',
  'chair-appointed',
  'route-choice-needed',
  'plan-item-due',
  'plan-item-overdue',
  'step-due-soon',
  'step-overdue',
  'immediate-risk-flagged',
  'extension-proposed',
  'extension-agreed',
  'meeting-scheduled',
  'final-decision',
  'closed',
  'learning-referred',
  'informed',
  'lodged', // a form lodged with its recipient (docs/records-and-reports.md, "Lodged forms")
] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/**
 * Who a notification is for, resolved by the notifier from the directory, never hard-coded.
 * `parties` are the two named people of the case (raiser and the person raised with).
 */
export interface Audience {
  parties: boolean;
  /**
   * Only the party of these sides (the raiser, or the person raised with), where a notice is one
   * side's (a step's owner). Absent: both parties, so other notices keep their exact shape.
   */
  partySides?: ('raising' | 'receiving')[];
  agencyRoles: AgencyRole[];
  sides: ('raising' | 'receiving')[];
  partnershipRoles: PartnershipRole[];
  /** Restrict agency roles to these agencies (for example a plan item's owner). */
  onlyAgencyIds?: string[];
  /**
   * A step says "their line manager": of the line managers, only the own line manager of each
   * side's professional is told, where the directory records one (the same rule as who acts).
   */
  ownLineManager?: boolean;
}

export type Effect =
  | {
      type: 'compute-deadline';
      tierNumber: number;
      tierKey: string;
      escalationStartedAt: string;
      tierStartedAt: string;
      previousDeadline: string | null;
      immediateRisk: boolean;
      /** Only when the case has one, so the requests of cases without it are unchanged. */
      concernIdentifiedAt?: string;
      protectiveDeadline?: string;
      /** A tier with steps: when each completed step was completed (a later step counts from it). */
      stepsCompletedAt?: Record<string, string>;
    }
  | {
      type: 'notify';
      event: NotificationEvent;
      tier: number;
      audience: Audience;
      /** Stable part of the delivery key; the notifier adds recipient and channel. */
      key: string;
      urgent: boolean;
    }
  | {
      /**
       * The current tier's deadline counted again with what changed (a protective timescale set
       * after the raise); the timeline records the recount and why.
       */
      type: 'recount-deadline';
      because: 'protective-deadline' | 'step-completed';
      request: Omit<Extract<Effect, { type: 'compute-deadline' }>, 'type'>;
    }
  | { type: 'close' };
