/** 'superseded': a held text the case outran, never sent (a receipt cannot be about it). */
export type DeliveryStatus = 'queued' | 'sending' | 'sent' | 'delivered' | 'failed' | 'superseded';

export type CallbackProvider = 'govuk-notify' | 'twilio';

export class ProviderCallbackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProviderCallbackError';
  }
}

/** A provider's delivery receipt, reduced to what the status update needs. */
export interface ParsedReceipt {
  /** The provider's message id. */
  messageId: string;
  /** The provider's own status word, recorded as is. */
  providerStatus: string;
  /** Our reference (the delivery key), when the provider echoes it back. */
  reference: string | null;
  /** The status to move to, or null when the receipt only records the provider's status. */
  next: 'delivered' | 'failed' | 'sent' | null;
  /** The error recorded when `next` is 'failed'. */
  error: string | null;
}

export interface CallbackResult {
  /** A delivery with this provider message id exists. */
  matched: boolean;
  /** The status changed (a repeated or out-of-order receipt changes nothing). */
  updated: boolean;
  deliveryKey?: string;
  status?: DeliveryStatus;
}

export function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null)
    throw new ProviderCallbackError('callback body must be an object');
  return body as Record<string, unknown>;
}
