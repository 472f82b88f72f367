import { Webhook } from 'standardwebhooks';

/** The Standard Webhooks headers of one attempt of a delivery. */
export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * Signs `body` as the Standard Webhooks specification says (HMAC-SHA256 of "id.timestamp.body",
 * `v1,<base64>`), once with each secret valid now, space-separated: during a rotation's overlap
 * a receiver that still holds the old secret and one that has the new both find their match.
 */
export function signDelivery(msgId: string, at: Date, body: string, secrets: string[]): SignedHeaders {
  if (secrets.length === 0) throw new Error(`webhook delivery ${msgId}: no signing secret`);
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((secret) => new Webhook(secret).sign(msgId, at, body)).join(' '),
  };
}
