import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { PendingSignIn } from '@resolve/persistence';

/** What the client needs of the provider's discovery document (OpenID Connect Discovery 1.0). */
interface ProviderMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  token_endpoint_auth_methods_supported?: string[];
  id_token_signing_alg_values_supported?: string[];
}

export interface OpenIdClientSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  scope: string;
  prompt?: string;
  subjectClaim: string;
}

/** A sign-in that did not complete; the message is safe to show (it names no person). */
export class SignInFailed extends Error {}

const random = () => randomBytes(32).toString('base64url');

/** Constant-time comparison of two strings (state values, CSRF tokens). */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The relying party's side of the OpenID Connect authorization code flow with PKCE (S256),
 * written on `jose` and `fetch`: `openid-client` is an ES module only, and this API also runs
 * under jest's CommonJS. It checks what the specification asks of a confidential client: the
 * state, the issuer of the discovery document, and the ID token's signature (the provider's key
 * set), issuer, audience, expiry and nonce.
 */
export class OpenIdClient {
  private metadata: Promise<ProviderMetadata> | null = null;
  private keys: ReturnType<typeof createRemoteJWKSet> | null = null;

  constructor(private readonly settings: OpenIdClientSettings) {}

  private discover(): Promise<ProviderMetadata> {
    if (!this.metadata) {
      const issuer = this.settings.issuer.replace(/\/+$/, '');
      this.metadata = (async () => {
        const res = await fetch(`${issuer}/.well-known/openid-configuration`, {
          headers: { accept: 'application/json' },
          signal: AbortSignal.timeout(10_000),
        });
        if (!res.ok)
          throw new SignInFailed(`the identity provider's discovery document answered ${res.status}`);
        const doc = (await res.json()) as ProviderMetadata;
        if (doc.issuer.replace(/\/+$/, '') !== issuer)
          throw new SignInFailed('the identity provider names a different issuer than the one configured');
        this.keys = createRemoteJWKSet(new URL(doc.jwks_uri));
        return doc;
      })();
      // A provider that was down is asked again next time.
      this.metadata.catch(() => (this.metadata = null));
    }
    return this.metadata;
  }

  /** Where to send the browser, and what to remember for the callback. */
  async authorizationRequest(): Promise<{ url: string; pending: PendingSignIn }> {
    const doc = await this.discover();
    const pending: PendingSignIn = {
      state: random(),
      nonce: random(),
      codeVerifier: random(),
      startedAt: new Date().toISOString(),
    };
    const url = new URL(doc.authorization_endpoint);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', this.settings.clientId);
    url.searchParams.set('redirect_uri', this.settings.redirectUri);
    url.searchParams.set('scope', this.settings.scope);
    url.searchParams.set('state', pending.state);
    url.searchParams.set('nonce', pending.nonce);
    url.searchParams.set(
      'code_challenge',
      createHash('sha256').update(pending.codeVerifier).digest('base64url'),
    );
    url.searchParams.set('code_challenge_method', 'S256');
    if (this.settings.prompt) url.searchParams.set('prompt', this.settings.prompt);
    return { url: url.toString(), pending };
  }

  /** The callback's parameters checked, the code exchanged, the ID token verified: the person's subject. */
  async finish(params: Record<string, unknown>, pending: PendingSignIn): Promise<string> {
    const state = typeof params.state === 'string' ? params.state : '';
    if (!sameSecret(state, pending.state))
      throw new SignInFailed('the sign-in answer does not match this browser');
    if (typeof params.error === 'string')
      throw new SignInFailed(`the identity provider refused the sign-in (${params.error.slice(0, 60)})`);
    const code = typeof params.code === 'string' ? params.code : '';
    if (!code) throw new SignInFailed('the identity provider sent no authorization code');

    const doc = await this.discover();
    const body = new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: this.settings.redirectUri,
      code_verifier: pending.codeVerifier,
    });
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    // client_secret_basic is the default (RFC 6749 2.3.1: each part form-encoded first); a
    // provider that lists only client_secret_post gets the secret in the body.
    const methods = doc.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
    if (methods.includes('client_secret_basic') || !methods.includes('client_secret_post')) {
      const user = encodeURIComponent(this.settings.clientId);
      const secret = encodeURIComponent(this.settings.clientSecret);
      headers.authorization = `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
    } else {
      body.set('client_id', this.settings.clientId);
      body.set('client_secret', this.settings.clientSecret);
    }
    const res = await fetch(doc.token_endpoint, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(10_000),
    });
    const tokens = (await res.json().catch(() => ({}))) as { id_token?: string; error?: string };
    if (!res.ok || !tokens.id_token)
      throw new SignInFailed(
        `the identity provider did not issue an ID token (${res.status}${tokens.error ? ` ${String(tokens.error).slice(0, 60)}` : ''})`,
      );
    let claims: Record<string, unknown>;
    try {
      ({ payload: claims } = await jwtVerify(tokens.id_token, this.keys!, {
        issuer: doc.issuer,
        audience: this.settings.clientId,
        // Signatures by the provider's published keys only: never 'none' or a shared-secret MAC.
        algorithms: (doc.id_token_signing_alg_values_supported ?? ['RS256']).filter((a) =>
          /^(RS|PS|ES|Ed)/.test(a),
        ),
      }));
    } catch (err) {
      throw new SignInFailed(
        `the ID token could not be verified (${(err as { code?: string }).code ?? 'invalid'})`,
      );
    }
    if (typeof claims.nonce !== 'string' || !sameSecret(claims.nonce, pending.nonce))
      throw new SignInFailed('the ID token was not issued for this sign-in');
    const subject = claims[this.settings.subjectClaim];
    if (typeof subject !== 'string' || !subject)
      throw new SignInFailed(`the ID token has no ${this.settings.subjectClaim} claim`);
    return subject;
  }
}
