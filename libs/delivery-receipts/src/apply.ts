import type { DataSource } from 'typeorm';
import { parseGovukNotifyReceipt } from './govuk-notify';
import {
  asObject,
  ProviderCallbackError,
  type CallbackProvider,
  type CallbackResult,
  type DeliveryStatus,
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
 * provider's status. Throws ProviderCallbackError for a body that is not a receipt.
 */
export async function applyProviderCallback(
  ds: DataSource,
  provider: CallbackProvider,
  body: unknown,
): Promise<CallbackResult> {
  const { messageId, providerStatus, reference, next, error } = parseProviderCallback(provider, body);

  // Match on the provider's id; a Notify receipt for a message whose id was never recorded (crash
  // between send and record) still carries our reference, the delivery key.
  const found: { delivery_key: string; status: DeliveryStatus }[] = await ds.query(
    `SELECT delivery_key, status FROM notification_delivery
      WHERE provider = $1 AND (provider_message_id = $2 OR ($3::text IS NOT NULL AND delivery_key = $3 AND provider_message_id IS NULL))
      ORDER BY (provider_message_id = $2) DESC NULLS LAST LIMIT 1`,
    [provider, messageId, reference],
  );
  if (!found[0]) return { matched: false, updated: false };
  const key = found[0].delivery_key;
  const from: DeliveryStatus[] = next === 'sent' ? ['sending'] : ['sending', 'sent'];
  const updated: { status: DeliveryStatus }[] = next
    ? await updateReturning(
        ds,
        `UPDATE notification_delivery
            SET status = $2, provider_status = $3, provider_message_id = $4,
                delivered_at = CASE WHEN $2 = 'delivered' THEN now() ELSE delivered_at END,
                sent_at = CASE WHEN $2 IN ('sent', 'delivered') THEN COALESCE(sent_at, now()) ELSE sent_at END,
                failed_at = CASE WHEN $2 = 'failed' THEN now() ELSE failed_at END,
                last_error = CASE WHEN $2 = 'failed' THEN $5 ELSE last_error END,
                updated_at = now()
          WHERE delivery_key = $1 AND status = ANY($6::text[])
          RETURNING status`,
        [key, next, providerStatus, messageId, error, from],
      )
    : [];
  if (updated.length === 0) {
    await ds.query(`UPDATE notification_delivery SET provider_status = $2 WHERE delivery_key = $1`, [
      key,
      providerStatus,
    ]);
    return { matched: true, updated: false, deliveryKey: key, status: found[0].status };
  }
  return { matched: true, updated: true, deliveryKey: key, status: updated[0].status };
}

/** TypeORM returns `[rows, rowCount]` for UPDATE ... RETURNING on Postgres: the rows. */
async function updateReturning<T>(ds: DataSource, sql: string, params: unknown[]): Promise<T[]> {
  const result: unknown = await ds.query(sql, params);
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return result as T[];
}
