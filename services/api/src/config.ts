import { z } from 'zod';
import { logLevelSetting } from '@resolve/logging';
import { deploymentSettings, loadServiceConfig, postgresUrl, temporalSettings } from '@resolve/config';

/** compose passes `VAR:` through as an empty string when .env leaves it blank: that means unset. */
const unsetWhenEmpty = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

export const apiConfigSchema = z
  .object({
    ...deploymentSettings,
    DATABASE_URL: postgresUrl,
    ...temporalSettings,
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    /** Issuer (iss) tokens must carry. */
    AUTH_ISSUER: z.string().min(1).default('resolve-local'),
    AUTH_AUDIENCE: z.string().min(1).default('resolve-api'),
    /** A partnership's identity provider key set; or, for the embedded default, a local key file. */
    AUTH_JWKS_URL: unsetWhenEmpty(z.string().url()),
    AUTH_LOCAL_KEY_FILE: unsetWhenEmpty(z.string().min(1)),
    RUN_MIGRATIONS: z.enum(['true', 'false']).default('true'),
    CORS_ORIGINS: z.string().optional(),
    NOTIFY_CALLBACK_TOKEN: z.string().min(16).optional(),
    TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
    TWILIO_CALLBACK_URL: z.string().url().optional(),
    /** Bearer token GET /metrics requires; empty = open (refused in production). */
    METRICS_TOKEN: unsetWhenEmpty(z.string()),
    LOG_LEVEL: logLevelSetting,
  })
  .refine((c) => c.AUTH_JWKS_URL || c.AUTH_LOCAL_KEY_FILE, {
    message: 'set AUTH_JWKS_URL (your identity provider) or AUTH_LOCAL_KEY_FILE (embedded local issuer)',
    path: ['AUTH_JWKS_URL'],
  });

export type ApiConfig = z.infer<typeof apiConfigSchema>;

/** The API's settings from its environment; bad or (in production) insecure ones stop the boot. */
export function loadApiConfig(env: Record<string, string | undefined>): ApiConfig {
  return loadServiceConfig(apiConfigSchema, env);
}
