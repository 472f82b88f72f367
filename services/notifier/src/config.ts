import { z } from 'zod';
import { logLevelSetting, type LogLevel } from '@resolve/logging';
import {
  ConfigurationError,
  deploymentSettings,
  loadServiceConfig,
  postgresUrl,
  refineTemporalSettings,
  temporalSettings,
  type TemporalSettings,
  wholeNumber,
} from '@resolve/config';

/**
 * The notifier's configuration. Only main.ts reads process.env; startNotifier() takes the same
 * settings as options and validates them the same way. Bad values fail at boot with a message
 * naming the variable (secrets are never echoed).
 */
export interface NotifierConfig {
  databaseUrl: string;
  /** `settings`: TLS, mTLS and API key too, for connectTemporalWorker (@resolve/temporal). */
  temporal: { address: string; namespace: string; settings: TemporalSettings };
  /** Links in messages: `${publicBaseUrl}/escalations/<id>`. */
  publicBaseUrl: string;
  mailFrom: string;
  /** LOG_LEVEL: the lowest level written to the log. */
  logLevel: LogLevel;
  email:
    | { provider: 'smtp'; smtpUrl: string }
    | { provider: 'govuk-notify'; apiKey: string; baseUrl: string; templateId: string };
  sms:
    | { provider: 'outbox' }
    | { provider: 'govuk-notify'; apiKey: string; baseUrl: string; templateId: string }
    | {
        provider: 'twilio';
        accountSid: string;
        authToken: string;
        from: string;
        baseUrl?: string;
        statusCallbackUrl?: string;
      };
  /** How many notify activities one worker runs at once. */
  concurrency: number;
  /**
   * The HTTP intake of delivery receipts (RECEIPTS_LISTEN): Twilio status callbacks when
   * SMS_PROVIDER=twilio, GOV.UK Notify receipts when NOTIFY_CALLBACK_TOKEN is set.
   */
  receipts?: { host: string; port: number; notifyBearerToken?: string };
  /** Email bounces (BOUNCE_ADDRESS, BOUNCE_SECRET; BOUNCE_LISTEN for the SMTP intake). */
  bounces?: { address: string; secret: string; listen?: { host: string; port: number } };
  /** How often held texts and pending follow-ups are looked for (SCHEDULER_INTERVAL_MS). */
  schedulerIntervalMs: number;
  /** The partnership's own protocol folder (PROTOCOLS_DIR), as the API reads it. */
  protocolsDir?: string;
}

export type NotifierEnv = Record<string, string | undefined>;

const optional = (s: z.ZodString) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), s.optional());

const httpUrl = z
  .string()
  .refine((v) => /^https?:\/\/[^\s/]+/.test(v) && URL.canParse(v), 'must be an http(s):// URL');
const hostPort = z
  .string()
  .regex(/^(\[[0-9a-f:]+\]|[^\s:/]+):\d{1,5}$/i, 'must be host:port (127.0.0.1:8091, 0.0.0.0:0)')
  // Only a well-formed host:port is checked for its range (the format has its own message).
  .refine(
    (v) => !/:\d{1,5}$/.test(v) || Number(v.slice(v.lastIndexOf(':') + 1)) <= 65535,
    'port must be at most 65535',
  );
const uuid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a template id (UUID)');

export const notifierEnvSchema = z
  .object({
    ...deploymentSettings,
    DATABASE_URL: postgresUrl,
    ...temporalSettings,
    PUBLIC_BASE_URL: httpUrl.default('http://localhost:3000'),
    LOG_LEVEL: logLevelSetting,
    MAIL_FROM: z
      .string()
      .regex(
        /^(?:[^<>]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/,
        'must be an address or "Name <address>"',
      )
      .default('Resolve <notifications@resolve.invalid>'),
    EMAIL_PROVIDER: z.enum(['smtp', 'govuk-notify']).default('smtp'),
    SMS_PROVIDER: z.enum(['outbox', 'govuk-notify', 'twilio']).default('outbox'),
    SMTP_URL: optional(
      z.string().refine((v) => /^smtps?:\/\/[^\s/:]+(:\d+)?\/?$/.test(v.replace(/\/\/[^@/]*@/, '//')), {
        message: 'must be smtp://host:port or smtps://host:port',
      }),
    ),
    NOTIFY_API_KEY: optional(
      z
        .string()
        .regex(
          /-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
          'must be a GOV.UK Notify API key ("name-<service id>-<secret>")',
        ),
    ),
    NOTIFY_BASE_URL: httpUrl.default('https://api.notifications.service.gov.uk'),
    NOTIFY_EMAIL_TEMPLATE_ID: optional(uuid),
    NOTIFY_SMS_TEMPLATE_ID: optional(uuid),
    TWILIO_ACCOUNT_SID: optional(
      z.string().regex(/^AC[0-9a-f]{32}$/i, 'must be a Twilio account SID (AC + 32 hex)'),
    ),
    TWILIO_AUTH_TOKEN: optional(z.string().min(8, 'must be the account auth token')),
    TWILIO_FROM: optional(
      z
        .string()
        .regex(
          /^(\+[1-9]\d{6,14}|MG[0-9a-f]{32}|[A-Za-z0-9 ]{1,11})$/i,
          'must be an E.164 number, a sender id or a Messaging Service SID',
        ),
    ),
    TWILIO_BASE_URL: optional(httpUrl),
    TWILIO_STATUS_CALLBACK_URL: optional(httpUrl),
    NOTIFIER_CONCURRENCY: wholeNumber({ min: 1, max: 200 }).default(10),
    RECEIPTS_LISTEN: optional(hostPort),
    NOTIFY_CALLBACK_TOKEN: optional(z.string().min(16, 'must be at least 16 characters')),
    BOUNCE_ADDRESS: optional(
      z.string().regex(/^[^\s@<>+]+@[^\s@<>]+$/, 'must be an address without "+" (bounces@example.org)'),
    ),
    BOUNCE_SECRET: optional(z.string().min(32, 'must be at least 32 characters')),
    BOUNCE_LISTEN: optional(hostPort),
    SCHEDULER_INTERVAL_MS: wholeNumber({ min: 100, max: 3_600_000 }).default(30_000),
    /** The same protocol folder as the API's: messages use the words of the case's own protocol. */
    PROTOCOLS_DIR: optional(z.string()),
  })
  .superRefine((env, ctx) => {
    const need = (name: keyof typeof env, why: string) => {
      if (!env[name]) ctx.addIssue({ code: 'custom', path: [name], message: `is required when ${why}` });
    };
    if (env.EMAIL_PROVIDER === 'smtp') need('SMTP_URL', 'EMAIL_PROVIDER=smtp');
    if (env.EMAIL_PROVIDER === 'govuk-notify') {
      need('NOTIFY_API_KEY', 'EMAIL_PROVIDER=govuk-notify');
      need('NOTIFY_EMAIL_TEMPLATE_ID', 'EMAIL_PROVIDER=govuk-notify');
    }
    if (env.SMS_PROVIDER === 'govuk-notify') {
      need('NOTIFY_API_KEY', 'SMS_PROVIDER=govuk-notify');
      need('NOTIFY_SMS_TEMPLATE_ID', 'SMS_PROVIDER=govuk-notify');
    }
    if (env.SMS_PROVIDER === 'twilio') {
      need('TWILIO_ACCOUNT_SID', 'SMS_PROVIDER=twilio');
      need('TWILIO_AUTH_TOKEN', 'SMS_PROVIDER=twilio');
      need('TWILIO_FROM', 'SMS_PROVIDER=twilio');
      // Twilio signs the exact URL it calls: the intake checks signatures against this one.
      if (env.RECEIPTS_LISTEN)
        need('TWILIO_STATUS_CALLBACK_URL', 'RECEIPTS_LISTEN is set with SMS_PROVIDER=twilio');
    }
    if (env.BOUNCE_ADDRESS) need('BOUNCE_SECRET', 'BOUNCE_ADDRESS is set');
    if (env.BOUNCE_SECRET) need('BOUNCE_ADDRESS', 'BOUNCE_SECRET is set');
    if (env.BOUNCE_LISTEN) need('BOUNCE_ADDRESS', 'BOUNCE_LISTEN is set');
  })
  .superRefine(refineTemporalSettings);

/**
 * Validates the environment (or the same names given as options) into a NotifierConfig; under
 * RESOLVE_ENV=production, insecure defaults (the SMS outbox, a local or http PUBLIC_BASE_URL,
 * SMTP without TLS, ...) stop the boot.
 */
export function loadNotifierConfig(env: NotifierEnv): NotifierConfig {
  const e = loadServiceConfig(notifierEnvSchema, env);
  const trimSlash = (u: string) => u.replace(/\/+$/, '');
  return {
    databaseUrl: e.DATABASE_URL,
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      settings: {
        TEMPORAL_ADDRESS: e.TEMPORAL_ADDRESS,
        TEMPORAL_NAMESPACE: e.TEMPORAL_NAMESPACE,
        TEMPORAL_TLS: e.TEMPORAL_TLS,
        TEMPORAL_TLS_CERT: e.TEMPORAL_TLS_CERT,
        TEMPORAL_TLS_KEY: e.TEMPORAL_TLS_KEY,
        TEMPORAL_TLS_CA: e.TEMPORAL_TLS_CA,
        TEMPORAL_TLS_SERVER_NAME: e.TEMPORAL_TLS_SERVER_NAME,
        TEMPORAL_API_KEY: e.TEMPORAL_API_KEY,
        TEMPORAL_ALLOW_PLAINTEXT: e.TEMPORAL_ALLOW_PLAINTEXT,
      },
    },
    publicBaseUrl: trimSlash(e.PUBLIC_BASE_URL),
    logLevel: e.LOG_LEVEL,
    mailFrom: e.MAIL_FROM,
    email:
      e.EMAIL_PROVIDER === 'smtp'
        ? { provider: 'smtp', smtpUrl: e.SMTP_URL! }
        : {
            provider: 'govuk-notify',
            apiKey: e.NOTIFY_API_KEY!,
            baseUrl: trimSlash(e.NOTIFY_BASE_URL),
            templateId: e.NOTIFY_EMAIL_TEMPLATE_ID!,
          },
    sms:
      e.SMS_PROVIDER === 'outbox'
        ? { provider: 'outbox' }
        : e.SMS_PROVIDER === 'govuk-notify'
          ? {
              provider: 'govuk-notify',
              apiKey: e.NOTIFY_API_KEY!,
              baseUrl: trimSlash(e.NOTIFY_BASE_URL),
              templateId: e.NOTIFY_SMS_TEMPLATE_ID!,
            }
          : {
              provider: 'twilio',
              accountSid: e.TWILIO_ACCOUNT_SID!,
              authToken: e.TWILIO_AUTH_TOKEN!,
              from: e.TWILIO_FROM!,
              baseUrl: e.TWILIO_BASE_URL,
              statusCallbackUrl: e.TWILIO_STATUS_CALLBACK_URL,
            },
    concurrency: e.NOTIFIER_CONCURRENCY,
    ...(e.RECEIPTS_LISTEN
      ? {
          receipts: {
            ...splitHostPort(e.RECEIPTS_LISTEN),
            ...(e.NOTIFY_CALLBACK_TOKEN ? { notifyBearerToken: e.NOTIFY_CALLBACK_TOKEN } : {}),
          },
        }
      : {}),
    ...(e.BOUNCE_ADDRESS && e.BOUNCE_SECRET
      ? {
          bounces: {
            address: e.BOUNCE_ADDRESS,
            secret: e.BOUNCE_SECRET,
            ...(e.BOUNCE_LISTEN ? { listen: splitHostPort(e.BOUNCE_LISTEN) } : {}),
          },
        }
      : {}),
    schedulerIntervalMs: e.SCHEDULER_INTERVAL_MS,
    protocolsDir: e.PROTOCOLS_DIR,
  };
}

function splitHostPort(value: string): { host: string; port: number } {
  const at = value.lastIndexOf(':');
  return { host: value.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(value.slice(at + 1)) };
}

export { ConfigurationError };
