import { z } from 'zod';
import { ConfigurationError, readConfig } from './read-config';
import { temporalTlsEnabled, type TemporalSettings } from './temporal-settings';

/**
 * Where a service runs. `production` refuses to start with any of the insecure defaults below,
 * which exist so that `npm start` and a developer's compose stack work with no setup;
 * `development` (the default, so tests and the embedded starter need nothing) allows them.
 * The container image and docker-compose.yml set production.
 */
export const RESOLVE_ENVIRONMENTS = ['development', 'production'] as const;
export type ResolveEnvironment = (typeof RESOLVE_ENVIRONMENTS)[number];

/** Spread into every service's schema: the setting that switches the checks below on. */
export const deploymentSettings = {
  RESOLVE_ENV: z.enum(RESOLVE_ENVIRONMENTS).default('development'),
};

type Settings = Record<string, unknown>;

/** One setting that must not keep its convenient default in production. */
interface ProductionRule {
  /** The variable named in the error; the rule applies only to services whose schema reads it. */
  variable: string;
  /** Why the (parsed, defaulted) value is unsafe in production, or null when it is fine. */
  problem(value: unknown, settings: Settings): string | null;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]', '0.0.0.0']);

/** A host that only this machine can reach: a link or service there is a development leftover. */
export function isLocalHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return LOCAL_HOSTS.has(host) || host.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function parseUrl(value: unknown): URL | null {
  return typeof value === 'string' && URL.canParse(value) ? new URL(value) : null;
}

/** Passwords that ship in this repository's defaults, or that anyone would try first. */
const DEFAULT_DATABASE_PASSWORDS = new Set([
  'postgres',
  'resolve',
  'resolve_app',
  'temporal',
  'password',
  'changeme',
  'change-me',
  'secret',
  'admin',
]);

function databasePasswordProblem(value: unknown): string | null {
  const url = parseUrl(value);
  if (!url) return null; // the schema has already said what is wrong with it
  const password = decodeURIComponent(url.password);
  const user = decodeURIComponent(url.username);
  if (!password) {
    // A client certificate is a credential too; anything else without a password is the
    // embedded default's passwordless (trust) login.
    return url.searchParams.has('sslcert')
      ? null
      : 'has no password (the embedded default logs in without one); put a strong password in the URL or use a client certificate (sslcert=...)';
  }
  if (DEFAULT_DATABASE_PASSWORDS.has(password.toLowerCase()) || password === user)
    return "uses a default database password (as in docker-compose.yml's and env.example's defaults); set a strong one";
  return null;
}

/** A URL Resolve calls, or gives to a provider to call, must be https outside a developer's machine. */
function httpsUrl(what: string) {
  return (value: unknown): string | null => {
    const url = parseUrl(value);
    if (!url || url.protocol === 'https:') return null;
    return `${what} is ${url.protocol}//, readable and alterable on the way; use https://`;
  };
}

/**
 * Every insecure default, in one place. Each service's schema decides which apply to it by the
 * variables it reads, so the API is never asked about SMS and the notifier never about tokens.
 */
export const PRODUCTION_RULES: readonly ProductionRule[] = [
  {
    variable: 'AUTH_LOCAL_KEY_FILE',
    problem: (value) =>
      value
        ? 'selects the embedded local token issuer, which signs demonstration tokens with a key kept beside the API; ' +
          "leave it unset and point AUTH_JWKS_URL (and AUTH_ISSUER) at the partnership's identity provider"
        : null,
  },
  {
    variable: 'AUTH_ISSUER',
    problem: (value) =>
      value === 'resolve-local'
        ? "is the embedded local issuer's name; set the identity provider's issuer (the iss of its access tokens)"
        : null,
  },
  { variable: 'AUTH_JWKS_URL', problem: httpsUrl("the identity provider's key set") },
  {
    variable: 'SMS_PROVIDER',
    problem: (value) =>
      value === 'outbox'
        ? 'is "outbox", which only writes text messages to a Postgres table and never sends them; choose govuk-notify or twilio'
        : null,
  },
  {
    variable: 'PUBLIC_BASE_URL',
    problem: (value) => {
      const url = parseUrl(value);
      if (!url) return null;
      if (isLocalHost(url.hostname))
        return `points at ${url.hostname}: links in messages would lead nowhere; set the address people open Resolve at`;
      if (url.protocol !== 'https:') return 'is http://: links in messages must be https://';
      return null;
    },
  },
  { variable: 'NOTIFY_BASE_URL', problem: httpsUrl('the GOV.UK Notify API') },
  { variable: 'TWILIO_BASE_URL', problem: httpsUrl('the Twilio API') },
  { variable: 'TWILIO_STATUS_CALLBACK_URL', problem: httpsUrl("Twilio's delivery-status callback") },
  { variable: 'TWILIO_CALLBACK_URL', problem: httpsUrl("Twilio's delivery-status callback") },
  { variable: 'DATABASE_URL', problem: databasePasswordProblem },
  { variable: 'MIGRATIONS_DATABASE_URL', problem: databasePasswordProblem },
  {
    variable: 'WEBHOOK_SECRET_KEY',
    problem: (value) =>
      value
        ? null
        : "is not set, so agencies' webhook secrets would be encrypted with the development key anyone can derive; set base64 of 32 random bytes, the same for the API and the worker",
  },
  {
    variable: 'RESOLVE_FAULT_POINT',
    problem: (value) =>
      value
        ? 'is set: a crash test stops the service in the middle of a write there; never set it outside tests'
        : null,
  },
  {
    variable: 'METRICS_TOKEN',
    problem: (value, settings) => {
      // A worker that serves no metrics needs no token for them.
      if ((settings as { METRICS_BIND_ADDRESS?: string }).METRICS_BIND_ADDRESS === 'off') return null;
      if (typeof value !== 'string' || value === '')
        return 'is empty, so anyone who reaches the service can read its /metrics; set a random token of at least 32 characters';
      if (value.length < 32) return 'is shorter than 32 characters; use a random token';
      return null;
    },
  },
  {
    variable: 'TEMPORAL_ADDRESS',
    problem: (value, settings) => {
      const temporal = settings as Partial<TemporalSettings>;
      if (typeof value !== 'string' || temporalTlsEnabled(temporal) || temporal.TEMPORAL_ALLOW_PLAINTEXT)
        return null;
      const host = value.slice(0, value.lastIndexOf(':'));
      if (isLocalHost(host)) return null;
      return (
        `reaches ${host} without TLS, so anyone on the path can read workflow traffic and send updates; ` +
        'set TEMPORAL_TLS_CA (and TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY for mTLS, or TEMPORAL_API_KEY), or ' +
        'TEMPORAL_ALLOW_PLAINTEXT=true if the network path is protected another way'
      );
    },
  },
  {
    variable: 'SMTP_URL',
    problem: (value, settings) => {
      if ((settings.EMAIL_PROVIDER ?? 'smtp') !== 'smtp') return null;
      const url = parseUrl(value);
      if (!url || url.protocol === 'smtps:') return null;
      return (
        'is smtp://, which uses TLS only if the server offers STARTTLS, so anyone on the path can strip it; ' +
        'use smtps:// (TLS from the first byte)'
      );
    },
  },
];

/** Each insecure setting among the variables a service reads, as "VARIABLE: why". */
export function insecureSettings(variables: readonly string[], settings: Settings): string[] {
  const read = new Set(variables);
  return PRODUCTION_RULES.filter((rule) => read.has(rule.variable)).flatMap((rule) => {
    const problem = rule.problem(settings[rule.variable], settings);
    return problem ? [`${rule.variable}: ${problem}`] : [];
  });
}

/** Production refused to start; `problems` names every insecure setting at once. */
export class InsecureConfigurationError extends ConfigurationError {
  constructor(problems: string[]) {
    super(
      problems,
      'RESOLVE_ENV=production refuses to start with these insecure settings (set RESOLVE_ENV=development only on a developer machine)',
    );
    this.name = 'InsecureConfigurationError';
  }
}

type ServiceSchema = z.ZodObject<typeof deploymentSettings & z.ZodRawShape>;

/**
 * Every service's configuration goes through here: the environment parsed by its schema (which
 * spreads `deploymentSettings`), then, under RESOLVE_ENV=production, every insecure default
 * among the variables that schema reads refused in one error.
 */
export function loadServiceConfig<S extends ServiceSchema>(
  schema: S,
  env: Record<string, string | undefined>,
): z.infer<S> {
  const config = readConfig(schema, env) as z.infer<S> & { RESOLVE_ENV: ResolveEnvironment };
  if (config.RESOLVE_ENV === 'production') {
    const problems = insecureSettings(Object.keys(schema.shape), config);
    if (problems.length > 0) throw new InsecureConfigurationError(problems);
  }
  return config;
}
