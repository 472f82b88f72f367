import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEMO_AGENCY_KINDS,
  DEMO_AGENCY_ROLES,
  DEMO_PARTNERSHIP_ROLES,
  DEMO_ESCALATIONS_MAILBOX,
  DEMO_SECOND_ADMINISTRATOR,
  demoAgencyId,
  demoPersonId,
} from '@resolve/persistence';
import { DEFINITIONS_DIR } from '@resolve/protocols/files';
import { freePort } from '@resolve/testing';
import {
  startLocalOpenIdProvider,
  type LocalOpenIdProvider,
  type LocalPerson,
} from '../../../infra/runtime/local-openid';
import { startStack, type Stack } from './support/harness';

/**
 * The web service's test stack: the API's whole stack (support/harness.ts: Postgres, Temporal,
 * worker, notifier, SMTP) listening on a real port, with sign-in against the local OpenID
 * provider (infra/runtime/local-openid-provider.ts) in its own process.
 */
export interface WebStack {
  stack: Stack;
  provider: LocalOpenIdProvider;
  baseUrl: string;
  stop(): Promise<void>;
}

/** The demonstration people of these partnerships, as the local sign-in page lists them. */
export function demoPeople(partnerships: { id: string; name: string }[]): LocalPerson[] {
  return partnerships.flatMap((p) => [
    ...DEMO_AGENCY_KINDS.flatMap((a) =>
      DEMO_AGENCY_ROLES.map((role) => ({
        subject: demoPersonId(demoAgencyId(p.id, a.suffix), role),
        name: `${a.name} ${role.replace(/-/g, ' ')}`,
        partnership: p.name,
        roles: `${a.name}: ${role.replace(/-/g, ' ')}`,
      })),
    ),
    ...DEMO_PARTNERSHIP_ROLES.map((role) => ({
      subject: demoPersonId(p.id, role),
      name: `${p.name} ${role.replace(/-/g, ' ')}`,
      partnership: p.name,
      roles: role.replace(/-/g, ' '),
    })),
    {
      subject: demoPersonId(p.id, DEMO_SECOND_ADMINISTRATOR),
      name: `${p.name} second administrator`,
      partnership: p.name,
      roles: 'partnership administrator',
    },
    {
      subject: demoPersonId(p.id, DEMO_ESCALATIONS_MAILBOX),
      name: `${p.name} escalations mailbox`,
      partnership: p.name,
      roles: 'escalations mailbox (informed only)',
    },
  ]);
}

export async function startWebStack(
  options: {
    idleMinutes?: number;
    protocolsDir?: string;
    /** The partnerships whose demonstration people may sign in (Sefton's by default). */
    partnerships?: { id: string; name: string }[];
  } = {},
): Promise<WebStack> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const provider = await startLocalOpenIdProvider({
    people: demoPeople(options.partnerships ?? [{ id: 'sefton-sscp', name: 'Sefton' }]),
    redirectUri: `${baseUrl}/sign-in/callback`,
  });
  // The web module reads its settings from the environment when the app is built (as main.ts's is).
  Object.assign(process.env, {
    WEB_BASE_URL: baseUrl,
    WEB_OIDC_ISSUER: provider.issuer,
    WEB_OIDC_CLIENT_ID: provider.clientId,
    WEB_OIDC_CLIENT_SECRET: provider.clientSecret,
    WEB_OIDC_PROMPT: 'login',
    WEB_SESSION_IDLE_MINUTES: String(options.idleMinutes ?? 30),
  });
  const stack = await startStack({ protocolsDir: options.protocolsDir });
  await stack.app.listen(port, '127.0.0.1');
  return {
    stack,
    provider,
    baseUrl,
    async stop() {
      await stack.stop();
      await provider.stop();
    },
  };
}

export interface Page {
  status: number;
  url: string;
  html: string;
  /** Every URL the browser was sent through to get here (redirects included). */
  visited: string[];
  headers: Headers;
}

/**
 * A browser without a browser, for the HTTP tests: cookies per origin, redirects followed
 * (303 becomes a GET), forms sent url-encoded. Enough to drive server-rendered pages.
 */
export class WebClient {
  private readonly jar = new Map<string, Map<string, string>>();
  readonly setCookies: string[] = [];

  private cookieHeader(url: string): string {
    const cookies = this.jar.get(new URL(url).origin) ?? new Map();
    return [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(url: string, headers: Headers) {
    const origin = new URL(url).origin;
    const cookies = this.jar.get(origin) ?? new Map<string, string>();
    for (const line of headers.getSetCookie()) {
      this.setCookies.push(line);
      const [pair, ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
      if (expired) cookies.delete(name);
      else cookies.set(name, value);
    }
    this.jar.set(origin, cookies);
  }

  async request(
    url: string,
    init: { method?: string; form?: Record<string, string>; accept?: string; follow?: boolean } = {},
  ): Promise<Page> {
    const visited = [url];
    let method = init.method ?? (init.form ? 'POST' : 'GET');
    let body: string | undefined = init.form ? new URLSearchParams(init.form).toString() : undefined;
    let current = url;
    for (let hops = 0; hops < 20; hops++) {
      const res = await fetch(current, {
        method,
        redirect: 'manual',
        headers: {
          accept: init.accept ?? 'text/html',
          cookie: this.cookieHeader(current),
          ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        body,
      });
      this.keep(current, res.headers);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location && init.follow !== false) {
        current = new URL(location, current).toString();
        visited.push(current);
        method = 'GET';
        body = undefined;
        continue;
      }
      return { status: res.status, url: current, html: await res.text(), visited, headers: res.headers };
    }
    throw new Error(`too many redirects from ${url}`);
  }

  get(url: string, accept?: string) {
    return this.request(url, { accept });
  }

  /** Sends a form of the page, with the page's CSRF token added. */
  post(url: string, page: Page, form: Record<string, string>) {
    return this.request(url, { form: { _csrf: csrfOf(page), ...form } });
  }

  /** Signs in through the provider's page as this person; returns the page landed on. */
  async signIn(baseUrl: string, subject: string, start = `${baseUrl}/cases`): Promise<Page> {
    const signInPage = await this.get(start);
    if (!signInPage.url.endsWith('/sign-in'))
      throw new Error(`expected the sign-in page, got ${signInPage.url}`);
    const providerPage = await this.get(`${baseUrl}/sign-in/start`);
    const action = /<form method="post" action="([^"]+)"/.exec(providerPage.html)?.[1];
    if (!action)
      throw new Error(`no sign-in form at ${providerPage.url}: ${providerPage.html.slice(0, 300)}`);
    const landed = await this.request(new URL(action, providerPage.url).toString(), { form: { subject } });
    return { ...landed, visited: [...signInPage.visited, ...providerPage.visited, ...landed.visited] };
  }
}

export function csrfOf(page: Page): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(page.html)?.[1];
  if (!token) throw new Error(`no CSRF token on ${page.url}`);
  return token;
}

/** The page's <title>. */
export const titleOf = (page: Page) => /<title[^>]*>([^<]*)<\/title>/.exec(page.html)?.[1]?.trim() ?? '';

/** The texts of the GOV.UK error summary's items. */
export function errorSummaryOf(page: Page): string[] {
  const summary = /<div class="govuk-error-summary"[\s\S]*?<\/ul>/.exec(page.html)?.[0] ?? '';
  return [...summary.matchAll(/<a href="#[^"]*">([^<]*)<\/a>/g)].map((m) => decodeEntities(m[1].trim()));
}

export const decodeEntities = (s: string) =>
  s
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** A hidden input's value on the page (e.g. the check page's idempotency key). */
export const hiddenOf = (page: Page, name: string) =>
  new RegExp(`name="${name}" value="([^"]*)"`).exec(page.html)?.[1] ?? '';

/** The hidden inputs of a page's form (a check page's answers), decoded. */
export function hiddenInputsOf(page: Page): Record<string, string> {
  return Object.fromEntries(
    [...page.html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map(([, k, v]) => [
      k,
      decodeEntities(v),
    ]),
  );
}

/** Sefton's protocol with the raise's timing and entry fields written in (docs/protocols.md). */
export const TIMING_PROTOCOL = 'sefton-sscp-web-timing';

/** The test-only protocol whose step 1 is two consecutive deadlines (libs/protocols/test-fixtures). */
export const TWO_STEP_PROTOCOL = 'two-step-referral';

/**
 * A protocols folder holding TIMING_PROTOCOL and TWO_STEP_PROTOCOL, for
 * startWebStack({ protocolsDir }).
 */
export function timingProtocolsDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'resolve-web-protocols-'));
  const sefton = JSON.parse(readFileSync(join(DEFINITIONS_DIR, 'sefton-sscp.json'), 'utf8'));
  sefton.id = TIMING_PROTOCOL;
  sefton.version = 1;
  sefton.title = 'Sefton escalation with a protective timescale';
  sefton.counting.identifiedAtNoEarlierThanWorkingDays = 5;
  sefton.tiers[0].timescale = {
    kind: 'working-days',
    amount: 2,
    from: 'concern-identified',
    asWritten: 'within 2 working days of the concern',
  };
  sefton.tiers[0].protectiveDeadline = { setBy: ['practitioner'] };
  sefton.tiers[2].entry = { roles: ['head-of-service'] };
  writeFileSync(join(dir, `${TIMING_PROTOCOL}.json`), JSON.stringify(sefton));
  copyFileSync(
    join(__dirname, '../../../libs/protocols/test-fixtures/two-step-referral.json'),
    join(dir, `${TWO_STEP_PROTOCOL}.json`),
  );
  return dir;
}

/** A date's day, month and year parts in Europe/London, `days` from now. */
export function dateParts(prefix: string, days: number, time: string): Record<string, string> {
  const local = new Date(Date.now() + days * 86_400_000).toLocaleDateString('en-GB', {
    timeZone: 'Europe/London',
  });
  const [day, month, year] = local.split('/');
  return {
    [`${prefix}-day`]: String(Number(day)),
    [`${prefix}-month`]: String(Number(month)),
    [`${prefix}-year`]: year,
    [`${prefix}-time`]: time,
  };
}
