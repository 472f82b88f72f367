import { z } from 'zod';
import { logLevelSetting } from '@resolve/logging';
import {
  booleanSetting,
  deploymentSettings,
  httpUrl,
  loadServiceConfig,
  milliseconds,
  originList,
  postgresUrl,
  refineTemporalSettings,
  temporalSettings,
  unsetWhenEmpty,
  wholeNumber,
} from '@resolve/config';
import { DEFAULT_CHROMIUM_PATH } from './records/pdf/pdf-options';

export const apiConfigSchema = z
  .object({
    ...deploymentSettings,
    DATABASE_URL: postgresUrl,
    ...temporalSettings,
    PORT: wholeNumber({ min: 1, max: 65535 }).default(3000),
    /** Issuer (iss) tokens must carry. */
    AUTH_ISSUER: z.string().min(1).default('resolve-local'),
    AUTH_AUDIENCE: z.string().min(1).default('resolve-api'),
    /** A partnership's identity provider key set; or, for the embedded default, a local key file. */
    AUTH_JWKS_URL: unsetWhenEmpty(httpUrl),
    AUTH_LOCAL_KEY_FILE: unsetWhenEmpty(z.string().min(1)),
    RUN_MIGRATIONS: booleanSetting.default(true),
    /** Browser origins the API answers (comma-separated); none = no cross-origin browser calls. */
    CORS_ORIGINS: unsetWhenEmpty(originList),
    NOTIFY_CALLBACK_TOKEN: z.string().min(16).optional(),
    TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
    TWILIO_CALLBACK_URL: unsetWhenEmpty(httpUrl),
    /** Bearer token GET /metrics requires; empty = open (refused in production). */
    METRICS_TOKEN: unsetWhenEmpty(z.string()),
    /**
     * A folder of the partnership's own protocol files (`*.json`): offered to new cases as soon as
     * they are dropped in, with no rebuild (docs/protocols.md, "Protocols as data").
     */
    PROTOCOLS_DIR: unsetWhenEmpty(z.string().min(1)),
    /** How often the relay starts workflows whose rows a crash left pending. */
    RELAY_INTERVAL_MS: milliseconds({ min: 100, max: 3_600_000 }).default(5000),
    /** The Chromium that prints records to PDF: Debian's package (docs/records-and-reports.md). */
    CHROMIUM_PATH: z
      .string()
      .regex(/^\//, 'must be the absolute path of the chromium executable')
      .default(DEFAULT_CHROMIUM_PATH),
    LOG_LEVEL: logLevelSetting,
  })
  .refine((c) => c.AUTH_JWKS_URL || c.AUTH_LOCAL_KEY_FILE, {
    message: 'set AUTH_JWKS_URL (your identity provider) or AUTH_LOCAL_KEY_FILE (embedded local issuer)',
    path: ['AUTH_JWKS_URL'],
  })
  .superRefine(refineTemporalSettings);

export type ApiConfig = z.infer<typeof apiConfigSchema>;

/** The API's settings from its environment; bad or (in production) insecure ones stop the boot. */
export function loadApiConfig(env: Record<string, string | undefined>): ApiConfig {
  return loadServiceConfig(apiConfigSchema, env);
}
