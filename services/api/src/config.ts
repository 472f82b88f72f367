import { z } from 'zod';
import { logLevelSetting } from '@resolve/logging';
import { postgresUrl, temporalSettings } from '@resolve/config';

export const apiConfigSchema = z
  .object({
    DATABASE_URL: postgresUrl,
    ...temporalSettings,
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    /** Issuer (iss) tokens must carry. */
    AUTH_ISSUER: z.string().min(1).default('resolve-local'),
    AUTH_AUDIENCE: z.string().min(1).default('resolve-api'),
    /** A partnership's identity provider key set; or, for the embedded default, a local key file. */
    AUTH_JWKS_URL: z.string().url().optional(),
    AUTH_LOCAL_KEY_FILE: z.string().min(1).optional(),
    RUN_MIGRATIONS: z.enum(['true', 'false']).default('true'),
    CORS_ORIGINS: z.string().optional(),
    NOTIFY_CALLBACK_TOKEN: z.string().min(16).optional(),
    TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
    TWILIO_CALLBACK_URL: z.string().url().optional(),
    LOG_LEVEL: logLevelSetting,
  })
  .refine((c) => c.AUTH_JWKS_URL || c.AUTH_LOCAL_KEY_FILE, {
    message: 'set AUTH_JWKS_URL (your identity provider) or AUTH_LOCAL_KEY_FILE (embedded local issuer)',
    path: ['AUTH_JWKS_URL'],
  });

export type ApiConfig = z.infer<typeof apiConfigSchema>;
