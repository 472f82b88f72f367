import type { DeliveriesRepository } from '@resolve/persistence';
import { parseGovukNotifyReceipt } from './govuk-notify';
import {
  asObject,
  ProviderCallbackError,
  type CallbackProvider,
  type CallbackResult,
  type ParsedReceipt,
} from './receipt';
import { parseTwilioReceipt } from './twilio';

const PARSERS: Record<CallbackProvider, (body: unknown) => ParsedReceipt> = {
  'govuk-notify': parseGovukNotifyReceipt,
  twilio: parseTwilioReceipt,
};

/** Verifies a receipt's shape for its provider; throws ProviderCallbackError when it is not one. */
export function parseProviderCallback(provider: CallbackProvider, body: unknown): ParsedReceipt {
  asObject(body);
  const parse = Object.prototype.hasOwnProperty.call(PARSERS, provider) ? PARSERS[provider] : undefined;
  if (!parse) throw new ProviderCallbackError(`unknown provider "${String(provider)}"`);
  return parse(body);
}

/**
 * A delivery receipt from GOV.UK Notify (JSON: id, reference, status) or Twilio (form fields:
 * MessageSid, MessageStatus, ErrorCode), already parsed into an object by the API, which also
 * checks the request's authenticity (Notify bearer token, X-Twilio-Signature) before calling
 * this. Moves 'sending'/'sent' to 'delivered' or 'failed'; anything else only records the
 * provider's status (DeliveriesRepository.applyReceipt). Throws ProviderCallbackError for a body
 * that is not a receipt.
 */
export async function applyProviderCallback(
  deliveries: DeliveriesRepository,
  provider: CallbackProvider,
  body: unknown,
): Promise<CallbackResult> {
  const receipt = parseProviderCallback(provider, body);
  return deliveries.applyReceipt({ provider, ...receipt });
}
