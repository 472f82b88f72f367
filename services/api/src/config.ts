import { z } from 'zod';
import { logLevelSetting } from '@resolve/logging';
import {
  booleanSetting,
  InsecureConfigurationError,
  deploymentSettings,
  httpUrl,
  loadServiceConfig,
  milliseconds,
  originList,
  postgresUrl,
  refineTemporalSettings,
  temporalSettings,
  unsetWhenEmpty,
  webhookSecretKeySettings,
  wholeNumber,
} from '@resolve/config';
import { FAULT_POINTS } from '@resolve/persistence';
import { isIP } from 'node:net';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { DEFAULT_CHROMIUM_PATH } from './records/pdf/pdf-options';
import { UNATTRIBUTED_PAYLOADS_POLICIES } from './codec/unattributed-payloads';
import { parseRateLimits } from './common/rate-limit/rate-limits';
import {
  DEFAULT_ACCESS_TOKEN_TYPES,
  DEFAULT_CLOCK_SKEW_SECONDS,
  SIGNING_ALGORITHMS,
} from './auth/token-verifier';

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** A comma-separated list, each entry checked; the message names every bad entry. */
const commaList = (check: (entry: string) => string | null) =>
  z.string().transform((text, ctx) => {
    const entries = text
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e !== '');
    const problems = entries.map((e) => check(e)).filter((p): p is string => p !== null);
    if (entries.length === 0) problems.push('give at least one value');
    if (problems.length) {
      ctx.addIssue({ code: 'custom', message: problems.join('; ') });
      return z.NEVER;
    }
    return entries;
  });

/** Express's `trust proxy` from text: true/false, a hop count, or addresses, CIDRs and names. */
const trustProxySetting = z.string().transform((text, ctx): boolean | number | string[] | undefined => {
  const value = text.trim();
  if (value === '') return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value.split(',').map((e) => e.trim());
  const bad = entries.filter((e) => {
    const [address, bits, ...rest] = e.split('/');
    if (PROXY_NAMES.includes(e)) return false;
    if (rest.length || !isIP(address)) return true;
    return bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= (isIP(address) === 4 ? 32 : 128));
  });
  if (bad.length) {
    ctx.addIssue({
      code: 'custom',
      message: `${bad.join(', ')}: not true/false, a hop count, an address, a CIDR or one of ${PROXY_NAMES.join(', ')}`,
    });
    return z.NEVER;
  }
  return entries;
});

/**
 * An Ed25519 private key, PEM (PKCS#8) or the base64 of its DER. Never echoed back in an error:
 * the message says what is wrong with it, not what it is.
 */
const ed25519PrivateKey = z.string().transform((text, ctx): KeyObject => {
  const value = text.trim();
  try {
    const key = value.startsWith('-----BEGIN')
      ? createPrivateKey(value.replace(/\\n/g, '\n'))
      : createPrivateKey({ key: Buffer.from(value, 'base64'), format: 'der', type: 'pkcs8' });
    if (key.asymmetricKeyType === 'ed25519') return key;
    ctx.addIssue({ code: 'custom', message: `must be an Ed25519 private key, not ${key.asymmetricKeyType}` });
  } catch {
    ctx.addIssue({
      code: 'custom',
      message:
        'must be an Ed25519 private key: PKCS#8 PEM, or the base64 of its DER (openssl genpkey -algorithm ed25519)',
    });
  }
  return z.NEVER;
});

export const apiConfigSchema = z
  .object({
    ...deploymentSettings,
    DATABASE_URL: postgresUrl,
    /** The tables' owner, which runs the migrations; DATABASE_URL's role then owns nothing. Secret. */
    MIGRATIONS_DATABASE_URL: unsetWhenEmpty(postgresUrl),
    ...temporalSettings,
    PORT: wholeNumber({ min: 1, max: 65535 }).default(3000),
    /** Issuer (iss) tokens must carry. */
    AUTH_ISSUER: z.string().min(1).default('resolve-local'),
    AUTH_AUDIENCE: z.string().min(1).default('resolve-api'),
    /** A partnership's identity provider key set; or, for the embedded default, a local key file. */
    AUTH_JWKS_URL: unsetWhenEmpty(httpUrl),
    AUTH_LOCAL_KEY_FILE: unsetWhenEmpty(z.string().min(1)),
    /** Signature algorithms tokens may use (asymmetric only), e.g. `RS256` or `ES256,PS256`. */
    AUTH_ALGORITHMS: commaList((a) =>
      SIGNING_ALGORITHMS.includes(a) ? null : `"${a}" is not one of ${SIGNING_ALGORITHMS.join(', ')}`,
    ).default(() => [...SIGNING_ALGORITHMS]),
    /**
     * Header `typ` values accepted as access tokens: RFC 9068's `at+jwt` by default; add `JWT` for a
     * provider that does not follow it (ID tokens are still refused by their claims).
     */
    AUTH_TOKEN_TYPES: commaList((t) =>
      /^[A-Za-z0-9.+/-]+$/.test(t) ? null : `"${t}" is not a media type such as at+jwt`,
    ).default(() => [...DEFAULT_ACCESS_TOKEN_TYPES]),
    /** Seconds of clock difference tolerated on exp, nbf and iat. */
    AUTH_CLOCK_SKEW_SECONDS: wholeNumber({ min: 0, max: 300 }).default(DEFAULT_CLOCK_SKEW_SECONDS),
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
    /**
     * Test only (refused in production): a point where the API stops in the middle of a write
     * and waits to be killed, for the crash tests (FAULT_POINTS, docs/security.md).
     */
    RESOLVE_FAULT_POINT: unsetWhenEmpty(z.enum(FAULT_POINTS)),
    /** How often the relay starts workflows whose rows a crash left pending. */
    RELAY_INTERVAL_MS: milliseconds({ min: 100, max: 3_600_000 }).default(5000),
    /**
     * Who decodes payloads /codec cannot attribute to a case (encrypted before payloads were
     * tagged): `refuse` (nobody, the default) or `business-manager` (docs/security.md).
     */
    CODEC_UNATTRIBUTED_PAYLOADS: z.enum(UNATTRIBUTED_PAYLOADS_POLICIES).default('refuse'),
    /** The Chromium that prints records to PDF: Debian's package (docs/records-and-reports.md). */
    CHROMIUM_PATH: z
      .string()
      .regex(/^\//, 'must be the absolute path of the chromium executable')
      .default(DEFAULT_CHROMIUM_PATH),
    /** Requests per caller and minute per route group, e.g. `default=1200,cases=600,documents=120`. */
    RATE_LIMITS: z
      .string()
      .default('')
      .transform((text, ctx) => {
        try {
          return parseRateLimits(text);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
          return z.NEVER;
        }
      }),
    /** Which proxies' X-Forwarded-For to believe (behind a load balancer); unset: none. */
    TRUST_PROXY: trustProxySetting.optional(),
    LOG_LEVEL: logLevelSetting,
    ...webhookSecretKeySettings,
    /** Signs the audit chain's published head (docs/security.md); a key the database never holds. Secret. */
    AUDIT_HEAD_SIGNING_KEY: unsetWhenEmpty(ed25519PrivateKey),
    /** The append-only file the signed heads are written to, outside the database. */
    AUDIT_HEAD_LOG: unsetWhenEmpty(z.string().regex(/^\//, 'must be an absolute file path')),
    /** How often the head is published when it has moved. */
    AUDIT_HEAD_INTERVAL_MS: milliseconds({ min: 1000, max: 86_400_000 }).default(60_000),
  })
  .refine((c) => c.AUTH_JWKS_URL || c.AUTH_LOCAL_KEY_FILE, {
    message: 'set AUTH_JWKS_URL (your identity provider) or AUTH_LOCAL_KEY_FILE (embedded local issuer)',
    path: ['AUTH_JWKS_URL'],
  })
  .superRefine(refineTemporalSettings);

export type ApiConfig = z.infer<typeof apiConfigSchema>;

/** The API's settings from its environment; bad or (in production) insecure ones stop the boot. */
export function loadApiConfig(env: Record<string, string | undefined>): ApiConfig {
  // Production publishes the audit chain's head, so that a superuser's rewrite of it shows:
  // named with the other insecure settings.
  const unpublished = (['AUDIT_HEAD_SIGNING_KEY', 'AUDIT_HEAD_LOG'] as const)
    .filter((name) => !env[name]?.trim())
    .map(
      (name) =>
        `${name}: required in production: the audit chain's head is published signed, outside the database`,
    );
  let config: ApiConfig;
  try {
    config = loadServiceConfig(apiConfigSchema, env);
  } catch (err) {
    if (err instanceof InsecureConfigurationError && unpublished.length)
      throw new InsecureConfigurationError([...err.problems, ...unpublished]);
    throw err;
  }
  if (config.RESOLVE_ENV === 'production' && unpublished.length)
    throw new InsecureConfigurationError(unpublished);
  return config;
}
