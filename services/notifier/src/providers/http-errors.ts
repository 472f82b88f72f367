import { DeliveryError, isConnectionNotMade } from '../errors';

/**
 * HTTP providers (GOV.UK Notify, Twilio): 400/422 is the provider saying "this message can never
 * go" (invalid number or address) → permanent. 429 and 5xx → transient (5xx may have been
 * processed: maybeSent). 401/403/404 are configuration problems (key, template id): transient,
 * so the activity keeps retrying visibly until an operator fixes it, instead of alerting about
 * every recipient.
 */
export function classifyHttpStatus(
  provider: string,
  status: number,
  detail: string,
  cause?: unknown,
): DeliveryError {
  const text = `${provider} HTTP ${status}${detail ? `: ${detail}` : ''}`;
  if (status === 400 || status === 422) return DeliveryError.permanent(text, { code: String(status), cause });
  if (status === 429) return DeliveryError.transient(text, { code: String(status), cause });
  if (status >= 500) return DeliveryError.transient(text, { code: String(status), maybeSent: true, cause });
  return DeliveryError.transient(text, { code: String(status), cause });
}

/** An error with no HTTP response: a network failure. */
export function classifyNetworkError(provider: string, err: unknown): DeliveryError {
  const e = err as { code?: string; message?: string };
  const notMade = isConnectionNotMade(e.code);
  return DeliveryError.transient(
    `${provider}: ${e.code ?? ''} ${e.message ?? String(err)}`.replace(/\s+/g, ' ').trim(),
    {
      code: e.code,
      maybeSent: !notMade,
      cause: err,
    },
  );
}
