import { redactContacts } from '@resolve/logging';
/**
 * How a provider reports that a message did not go.
 *
 * - `transient`: worth retrying (connection refused, SMTP 4xx, HTTP 429/5xx). The activity
 *   throws a retryable failure after handling every other recipient, and Temporal retries it
 *   with backoff; deliveries already sent are skipped on the retry.
 * - `permanent`: retrying cannot help (SMTP 5xx recipient rejection, HTTP 400 for an invalid
 *   number). The delivery is marked failed, the other channel is tried and the business manager
 *   is told; the activity does not throw.
 *
 * `maybeSent` is set when the provider may have accepted the message before the error (a
 * timeout after the request went out). The delivery then stays 'sending', and the next attempt
 * asks the provider (where it can) before sending again.
 */
export type DeliveryFailureKind = 'transient' | 'permanent';

export class DeliveryError extends Error {
  constructor(
    readonly kind: DeliveryFailureKind,
    message: string,
    readonly options: { maybeSent?: boolean; code?: string; cause?: unknown } = {},
  ) {
    super(message);
    this.name = kind === 'permanent' ? 'PermanentDeliveryError' : 'TransientDeliveryError';
  }

  get maybeSent(): boolean {
    return this.options.maybeSent ?? false;
  }

  static transient(message: string, options: { maybeSent?: boolean; code?: string; cause?: unknown } = {}) {
    return new DeliveryError('transient', message, options);
  }

  static permanent(message: string, options: { code?: string; cause?: unknown } = {}) {
    return new DeliveryError('permanent', message, options);
  }
}

/** Network error codes where nothing reached the provider. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNECTION',
]);

/** Anything not already a DeliveryError: transient, and possibly sent unless clearly refused. */
export function asDeliveryError(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const code = (err as { code?: string } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  return DeliveryError.transient(message, {
    code,
    maybeSent: !(code && NOT_SENT_CODES.has(code)),
    cause: err,
  });
}

export function isConnectionNotMade(code: string | undefined): boolean {
  return !!code && NOT_SENT_CODES.has(code);
}

/** Error text kept in notification_delivery.last_error: one line, bounded, without contacts. */
export function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return redactContacts(text.replace(/\s+/g, ' ').trim()).slice(0, 500);
}

/** Email addresses and phone numbers replaced: one rule, in @resolve/logging. */
export { redactContacts } from '@resolve/logging';
