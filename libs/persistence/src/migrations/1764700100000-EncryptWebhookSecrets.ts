import type { MigrationInterface, QueryRunner } from 'typeorm';
import { webhookSecretCipher, WebhookSecretCipher } from '../webhook-secret-cipher';

/**
 * The key this migration seals existing secrets with: WEBHOOK_SECRET_KEY as the services read it
 * (libs/config webhook-secret-key.ts), or the development key outside production. A migration
 * runs once, at deploy time, before any service hands its configuration around, so it reads the
 * environment itself; under RESOLVE_ENV=production without the key it stops, naming it.
 */
function keyFromEnvironment(env: Record<string, string | undefined>): Buffer | undefined {
  const text = env.WEBHOOK_SECRET_KEY?.trim();
  if (!text) {
    if (env.RESOLVE_ENV === 'production')
      throw new Error(
        'WEBHOOK_SECRET_KEY is not set: webhook secrets cannot be encrypted at rest without it',
      );
    return undefined;
  }
  const key = Buffer.from(text, 'base64');
  if (key.length !== 32) throw new Error('WEBHOOK_SECRET_KEY: must be base64 of exactly 32 bytes');
  return key;
}

/**
 * Webhook secrets encrypted at rest (issue 15, docs/integrations.md): every plaintext secret and
 * previous secret is sealed with AES-256-GCM in place. Rows already sealed are left alone, so a
 * rerun changes nothing.
 */
export class EncryptWebhookSecrets1764700100000 implements MigrationInterface {
  name = 'EncryptWebhookSecrets1764700100000';

  async up(q: QueryRunner): Promise<void> {
    const rows: Array<{ id: string; secret: string; previous_secret: string | null }> = await q.query(
      'SELECT id, secret, previous_secret FROM webhook_endpoint',
    );
    const plain = rows.filter(
      (r) =>
        !WebhookSecretCipher.isSealed(r.secret) ||
        (r.previous_secret !== null && !WebhookSecretCipher.isSealed(r.previous_secret)),
    );
    if (plain.length === 0) return;
    const { cipher } = webhookSecretCipher(keyFromEnvironment(process.env));
    const seal = (value: string) => (WebhookSecretCipher.isSealed(value) ? value : cipher.seal(value));
    for (const r of plain) {
      await q.query('UPDATE webhook_endpoint SET secret = $2, previous_secret = $3 WHERE id = $1', [
        r.id,
        seal(r.secret),
        r.previous_secret === null ? null : seal(r.previous_secret),
      ]);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    const rows: Array<{ id: string; secret: string; previous_secret: string | null }> = await q.query(
      'SELECT id, secret, previous_secret FROM webhook_endpoint',
    );
    if (rows.length === 0) return;
    const { cipher } = webhookSecretCipher(keyFromEnvironment(process.env));
    const open = (value: string) => (WebhookSecretCipher.isSealed(value) ? cipher.open(value) : value);
    for (const r of rows) {
      await q.query('UPDATE webhook_endpoint SET secret = $2, previous_secret = $3 WHERE id = $1', [
        r.id,
        open(r.secret),
        r.previous_secret === null ? null : open(r.previous_secret),
      ]);
    }
  }
}
