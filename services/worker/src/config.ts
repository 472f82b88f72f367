import { z } from 'zod';
import { logLevelSetting } from '@resolve/logging';
import {
  deploymentSettings,
  isHostAndPort,
  loadServiceConfig,
  postgresUrl,
  refineTemporalSettings,
  temporalSettings,
  unsetWhenEmpty,
  webhookSecretKeySettings,
  wholeNumber,
} from '@resolve/config';
import { DEFAULT_MAX_CACHED_WORKFLOWS } from './worker';

export const workerConfigSchema = z
  .object({
    ...deploymentSettings,
    DATABASE_URL: postgresUrl,
    ...temporalSettings,
    LOG_LEVEL: logLevelSetting,
    ...webhookSecretKeySettings,
    /** Escalations kept in memory between their workflow tasks (see DEFAULT_MAX_CACHED_WORKFLOWS). */
    WORKER_MAX_CACHED_WORKFLOWS: wholeNumber({ min: 0, max: 1_000_000 }).default(
      DEFAULT_MAX_CACHED_WORKFLOWS,
    ),
    /** Prometheus scrape address of the SDK's and the worker's metrics (GET /metrics); "off" for none. */
    METRICS_BIND_ADDRESS: z
      .string()
      .refine((v) => v === 'off' || isHostAndPort(v), 'must be host:port (e.g. 0.0.0.0:9464) or off')
      .default('0.0.0.0:9464'),
    /** Bearer token a scrape of the worker's /metrics must carry (the API's METRICS_TOKEN); required in production. */
    METRICS_TOKEN: unsetWhenEmpty(z.string()),
  })
  .superRefine(refineTemporalSettings);

export type WorkerConfig = z.infer<typeof workerConfigSchema>;

/** The worker's settings from its environment; bad or (in production) insecure ones stop the boot. */
export function loadWorkerConfig(env: Record<string, string | undefined>): WorkerConfig {
  return loadServiceConfig(workerConfigSchema, env);
}
