/**
 * The embedded default's OpenID provider, run as its own process by `npm start` and by the web
 * tests (infra/runtime/local-openid.ts starts it): a real authorization server (`oidc-provider`,
 * authorization code flow with PKCE, signed ID tokens, discovery and a key set) whose sign-in
 * page lists the demonstration people, so a newcomer signs in as any of them without a password.
 * The subject of its tokens is the person's identity subject in the directory, as for the API's
 * bearer tokens. It refuses to start under RESOLVE_ENV=production: a partnership signs in with
 * its own identity provider (WEB_OIDC_ISSUER).
 *
 * Settings (environment): LOCAL_OIDC_PORT (0 = any free port), LOCAL_OIDC_CLIENT_ID,
 * LOCAL_OIDC_CLIENT_SECRET, LOCAL_OIDC_REDIRECT_URIS (comma-separated), LOCAL_OIDC_PEOPLE_FILE
 * (JSON: LocalPerson[]). It prints one JSON line `{"issuer": ...}` on stdout once it listens.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import type { KoaContextWithOIDC } from 'oidc-provider';

/** A person the sign-in page offers: the token's subject, and how the page names them. */
export interface LocalPerson {
  subject: string;
  name: string;
  partnership: string;
  /** Their roles, in words ("Police: line manager"). */
  roles: string;
}

/**
 * A real `import()`: oidc-provider is an ES module only, and TypeScript compiles `import()` to
 * `require()` under this repository's CommonJS settings.
 */
const importEsm = new Function('specifier', 'return import(specifier)') as <T>(
  specifier: string,
) => Promise<T>;

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

/** A whole page: plain, accessible HTML with its own small stylesheet (this server has no assets). */
function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} - Resolve local sign-in</title>
<style>
body { font-family: Arial, sans-serif; margin: 0; color: #0b0c0c; line-height: 1.4; }
header { background: #0b0c0c; color: #fff; padding: 12px 24px; font-weight: bold; }
main { max-width: 960px; margin: 0 auto; padding: 16px 24px 48px; }
summary { cursor: pointer; font-size: 1.2rem; font-weight: bold; padding: 8px 0; color: #1d70b8; text-decoration: underline; }
ul { list-style: none; padding: 0; }
li { margin: 6px 0; }
button { font: inherit; padding: 6px 12px; background: #00703c; color: #fff; border: 2px solid transparent; border-radius: 0; box-shadow: 0 2px 0 #002d18; cursor: pointer; }
button:focus, summary:focus { outline: 3px solid #fd0; outline-offset: 0; box-shadow: inset 0 0 0 2px #0b0c0c; }
.roles { color: #484949; margin-left: 8px; }
.warning { border-left: 10px solid #d4351c; padding: 8px 16px; }
</style>
</head>
<body>
<header>Resolve: local sign-in for demonstration people</header>
<main id="main-content">
${body}
</main>
</body>
</html>`;
}

function signInPage(uid: string, people: LocalPerson[]): string {
  const byPartnership = new Map<string, LocalPerson[]>();
  for (const p of people) byPartnership.set(p.partnership, [...(byPartnership.get(p.partnership) ?? []), p]);
  const groups = [...byPartnership]
    .map(
      ([partnership, members]) => `<details>
<summary>${escapeHtml(partnership)} (${members.length} people)</summary>
<ul>
${members
  .map(
    (p) =>
      `<li><button type="submit" name="subject" value="${escapeHtml(p.subject)}">Sign in as ${escapeHtml(p.name)}</button><span class="roles">${escapeHtml(p.roles)}</span></li>`,
  )
  .join('\n')}
</ul>
</details>`,
    )
    .join('\n');
  return page(
    'Choose who to sign in as',
    `<h1>Choose who to sign in as</h1>
<p class="warning">This is the embedded demonstration sign-in: anyone who reaches it can sign in as anyone listed. A partnership's service signs in through its own identity provider.</p>
<form method="post" action="/interaction/${encodeURIComponent(uid)}/login">
${groups}
</form>`,
  );
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 10_000) throw new Error('form too large');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function main() {
  if (process.env.RESOLVE_ENV === 'production') {
    throw new Error(
      'RESOLVE_ENV=production: the local OpenID provider signs anyone in as anyone and never runs in production; set WEB_OIDC_ISSUER to the partnership identity provider',
    );
  }
  const clientId = required('LOCAL_OIDC_CLIENT_ID');
  const clientSecret = required('LOCAL_OIDC_CLIENT_SECRET');
  const redirectUris = required('LOCAL_OIDC_REDIRECT_URIS').split(',');
  const people = JSON.parse(readFileSync(required('LOCAL_OIDC_PEOPLE_FILE'), 'utf8')) as LocalPerson[];
  const bySubject = new Map(people.map((p) => [p.subject, p]));
  const formTargets = [...new Set(redirectUris.map((u) => new URL(u).origin))].join(' ');

  // The port first: the issuer's URL names it, and port 0 lets the tests take any free one.
  const server = createServer();
  await new Promise<void>((resolve) =>
    server.listen(Number(process.env.LOCAL_OIDC_PORT ?? 0), '127.0.0.1', resolve),
  );
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // A fresh signing key per run: relying parties fetch the key set from the discovery document.
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = {
    ...(await exportJWK(privateKey)),
    kid: `local-${Date.now()}`,
    alg: 'RS256',
    use: 'sig',
  };

  const { default: Provider } = await importEsm<typeof import('oidc-provider')>('oidc-provider');
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: redirectUris,
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    claims: { openid: ['sub'], profile: ['name'] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    jwks: { keys: [signingKey as never] },
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 120,
      IdToken: 3600,
      Interaction: 900,
      Session: 8 * 3600,
      Grant: 8 * 3600,
    },
    async findAccount(_ctx, subject) {
      const person = bySubject.get(subject);
      if (!person) return undefined;
      return { accountId: subject, claims: async () => ({ sub: subject, name: person.name }) };
    },
    // The web service is this provider's only client and first-party: no consent screen.
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const client = ctx.oidc.client!;
      const session = ctx.oidc.session!;
      const existing = session.grantIdFor(client.clientId);
      if (existing) return ctx.oidc.provider.Grant.find(existing);
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId! });
      grant.addOIDCScope('openid profile');
      await grant.save();
      return grant;
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page(
        'Sign-in failed',
        `<h1>Sign-in failed</h1><p>${escapeHtml(String(out.error))}: ${escapeHtml(String(out.error_description ?? ''))}</p>`,
      );
    },
  });
  const oidc = provider.callback();

  const interactions = async (req: IncomingMessage, res: ServerResponse, uid: string, action?: string) => {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('interaction mismatch');
    if (req.method === 'GET' && !action) {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'content-security-policy':
          // The sign-in form's answer redirects on to the client: its origin is a form target too.
          `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${formTargets}; frame-ancestors 'none'; base-uri 'none'`,
      });
      res.end(signInPage(uid, people));
      return;
    }
    if (req.method === 'POST' && action === 'login') {
      const subject = (await readForm(req)).get('subject') ?? '';
      if (!bySubject.has(subject)) {
        res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
          page(
            'Choose who to sign in as',
            '<h1>Choose who to sign in as</h1><p>Choose a person from the list.</p>',
          ),
        );
        return;
      }
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: subject } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    res.writeHead(405).end();
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const match = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login))?$/.exec((req.url ?? '').split('?')[0]);
    if (!match) return void oidc(req, res);
    interactions(req, res, match[1], match[2]).catch((err) => {
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        page(
          'Sign-in failed',
          `<h1>Sign-in failed</h1><p>${escapeHtml(String((err as Error).message))}. Start again from the service.</p>`,
        ),
      );
    });
  });

  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  process.stderr.write(`[local-openid-provider] failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
