import { z } from 'zod';
import { unsetWhenEmpty } from './settings';

/**
 * WEBHOOK_SECRET_KEY: the AES-256-GCM key webhook signing secrets are encrypted with in Postgres
 * (docs/integrations.md), base64 of 32 random bytes (`openssl rand -base64 32`). The API (which
 * creates and rotates secrets) and the worker (which signs with them) need the same key. Unset,
 * development uses a key derived from a fixed text (with a warning); production refuses to start.
 */
export const webhookSecretKeySettings = {
  WEBHOOK_SECRET_KEY: unsetWhenEmpty(
    z.string().transform((text, ctx): Buffer => {
      const key = Buffer.from(text.trim(), 'base64');
      if (key.length !== 32 || key.toString('base64') !== text.trim()) {
        ctx.addIssue({
          code: 'custom',
          message: 'must be base64 of exactly 32 bytes (e.g. openssl rand -base64 32)',
        });
        return z.NEVER;
      }
      return key;
    }),
  ),
};
