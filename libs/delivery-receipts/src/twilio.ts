import { asObject, ProviderCallbackError, type ParsedReceipt } from './receipt';

const TWILIO_FAILED = new Set(['failed', 'undelivered']);

/** A Twilio delivery receipt (form fields: MessageSid, MessageStatus, ErrorCode). */
export function parseTwilioReceipt(body: unknown): ParsedReceipt {
  const b = asObject(body);
  if (typeof b.MessageSid !== 'string' || typeof b.MessageStatus !== 'string') {
    throw new ProviderCallbackError('Twilio callback must have fields "MessageSid" and "MessageStatus"');
  }
  const next =
    b.MessageStatus === 'delivered'
      ? 'delivered'
      : TWILIO_FAILED.has(b.MessageStatus)
        ? 'failed'
        : b.MessageStatus === 'sent'
          ? 'sent'
          : null;
  return {
    messageId: b.MessageSid,
    providerStatus: b.MessageStatus,
    reference: null,
    next,
    error:
      next === 'failed'
        ? `Twilio: ${b.MessageStatus}${b.ErrorCode ? ` (error ${String(b.ErrorCode)})` : ''}`
        : null,
  };
}
