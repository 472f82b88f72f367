import { asObject, ProviderCallbackError, type ParsedReceipt } from './receipt';

const NOTIFY_FAILED = new Set([
  'permanent-failure',
  'temporary-failure',
  'technical-failure',
  'validation-failed',
  'virus-scan-failed',
]);

/** A GOV.UK Notify delivery receipt (JSON: id, reference, status). */
export function parseGovukNotifyReceipt(body: unknown): ParsedReceipt {
  const b = asObject(body);
  if (typeof b.id !== 'string' || typeof b.status !== 'string') {
    throw new ProviderCallbackError('GOV.UK Notify callback must have string fields "id" and "status"');
  }
  const next = b.status === 'delivered' ? 'delivered' : NOTIFY_FAILED.has(b.status) ? 'failed' : null;
  return {
    messageId: b.id,
    providerStatus: b.status,
    reference: typeof b.reference === 'string' ? b.reference : null,
    next,
    error: next === 'failed' ? `GOV.UK Notify: ${b.status}` : null,
  };
}
