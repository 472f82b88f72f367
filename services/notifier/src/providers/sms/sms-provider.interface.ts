import type { SendReceipt } from '../email/email-provider.interface';

export type { SendReceipt };

/** What the notifier asks an SMS provider to send: the case reference, what happened and a link. */
export interface SmsMessage {
  deliveryKey: string;
  /** E.164 phone number from the directory. */
  to: string;
  body: string;
  /** For the outbox (shown by the API next to the case); providers that leave the system ignore them. */
  escalationId: string;
  recipientPersonId: string;
}

/** An SMS provider. `send` throws a DeliveryError ('transient' or 'permanent'). */
export interface SmsProvider {
  readonly name: string;
  send(message: SmsMessage): Promise<SendReceipt>;
  /** See EmailProvider.findPrevious. */
  findPrevious?(message: SmsMessage, since: Date): Promise<SendReceipt | null>;
  close?(): Promise<void>;
}
