/** What the notifier asks an email provider to send. Rendered already; no case detail beyond the reference. */
export interface EmailMessage {
  /** The delivery key: stable across retries, used as idempotency reference where a provider has one. */
  deliveryKey: string;
  to: { address: string; name: string };
  subject: string;
  text: string;
  html: string;
  /**
   * A calendar invitation or cancellation (RFC 5545/5546). SMTP sends it as a text/calendar
   * alternative (and an .ics attachment, for clients that only look there); providers that cannot
   * carry one send the message without it, as the text already gives the date and time.
   */
  calendar?: { method: 'REQUEST' | 'CANCEL'; content: string };
}

export interface SendReceipt {
  /** The provider's id for the message (SMTP Message-ID, Notify id, Twilio SID, outbox row id). */
  providerMessageId: string | null;
}

/**
 * An email provider. `send` throws a DeliveryError: 'transient' for failures worth retrying,
 * 'permanent' for a rejected recipient.
 */
export interface EmailProvider {
  /** Stored in notification_delivery.provider; provider callbacks match on it. */
  readonly name: string;
  send(message: EmailMessage): Promise<SendReceipt>;
  /**
   * After a crash between sending and recording it, asks the provider whether the message with
   * this delivery key already went. Absent when the provider cannot tell (SMTP): the notifier
   * then sends again (at-least-once, see docs/notifications.md).
   */
  findPrevious?(message: EmailMessage, since: Date): Promise<SendReceipt | null>;
  close?(): Promise<void>;
}
