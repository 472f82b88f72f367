import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** What a sealed secret starts with: the format's version, so a later key rotation can tell them apart. */
const SEALED_PREFIX = 'aesgcm1:';

/**
 * The key development uses when WEBHOOK_SECRET_KEY is unset: derived from a fixed text, so the
 * API and the worker agree with no setup. Anyone can derive it too, which is why production
 * refuses to start without a real key (libs/config, PRODUCTION_RULES).
 */
export const DEVELOPMENT_WEBHOOK_SECRET_KEY = createHash('sha256')
  .update('resolve development webhook secret key (never used under RESOLVE_ENV=production)')
  .digest();

/**
 * Seals webhook signing secrets for Postgres with AES-256-GCM (docs/integrations.md): a fresh
 * 12-byte nonce each time, the endpoint's column holding `aesgcm1:<base64 nonce|tag|ciphertext>`.
 * Someone who reads the table (a backup, a replica, a leaked dump) cannot sign as Resolve.
 */
export class WebhookSecretCipher {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('WebhookSecretCipher: the key must be 32 bytes');
  }

  static isSealed(stored: string): boolean {
    return stored.startsWith(SEALED_PREFIX);
  }

  seal(secret: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return SEALED_PREFIX + Buffer.concat([nonce, cipher.getAuthTag(), body]).toString('base64');
  }

  open(stored: string): string {
    if (!WebhookSecretCipher.isSealed(stored))
      throw new Error('a webhook secret in the database is not sealed (has the migration run?)');
    const raw = Buffer.from(stored.slice(SEALED_PREFIX.length), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    try {
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      // The message names the setting, never the value.
      throw new Error(
        'a webhook secret could not be opened: WEBHOOK_SECRET_KEY differs from the key it was sealed with',
      );
    }
  }
}

/** The cipher for a configured key, or the development key when none is set (`derived`: warn about it). */
export function webhookSecretCipher(key: Buffer | undefined): {
  cipher: WebhookSecretCipher;
  derived: boolean;
} {
  return { cipher: new WebhookSecretCipher(key ?? DEVELOPMENT_WEBHOOK_SECRET_KEY), derived: !key };
}
