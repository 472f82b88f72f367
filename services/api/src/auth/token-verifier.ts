import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWK } from 'jose';

export interface TokenVerifier {
  /** Returns the subject of a valid access token, or throws saying what is wrong with it. */
  verify(token: string): Promise<string>;
}

/** Asymmetric signatures only: a shared-secret algorithm would let anyone holding the key set mint. */
export const SIGNING_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'EdDSA',
];

/** RFC 9068's media type of a JWT access token; identity providers that follow it set it. */
export const DEFAULT_ACCESS_TOKEN_TYPES = ['at+jwt'];
export const DEFAULT_CLOCK_SKEW_SECONDS = 30;

/**
 * Claims that only an ID token carries (OpenID Connect Core 2: `nonce`, `at_hash`, `c_hash`;
 * Keycloak's `typ: "ID"` claim). An ID token tells a client who signed in; it is not a grant to
 * call an API, even when it is signed by the right issuer for the right audience.
 */
function idTokenMarker(payload: Record<string, unknown>): string | null {
  for (const claim of ['nonce', 'at_hash', 'c_hash']) if (claim in payload) return claim;
  if (typeof payload.typ === 'string' && payload.typ.toLowerCase() === 'id') return 'typ';
  return null;
}

/** "application/at+jwt" and "at+jwt" are the same type (RFC 7515 4.1.9), compared case-blind. */
function normalisedType(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

export class TokenRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenRejected';
  }
}

export function createTokenVerifier(options: {
  issuer: string;
  audience: string;
  jwksUrl?: string;
  localPublicJwk?: JWK;
  /** Accepted `alg` values; default every asymmetric one (SIGNING_ALGORITHMS). */
  algorithms?: string[];
  /** Accepted header `typ` values; default `at+jwt`. */
  accessTokenTypes?: string[];
  /** Tolerance on exp, nbf and iat for clocks that disagree; default 30 s. */
  clockSkewSeconds?: number;
}): TokenVerifier {
  const keys = options.jwksUrl
    ? createRemoteJWKSet(new URL(options.jwksUrl))
    : createLocalJWKSet({ keys: [options.localPublicJwk!] });
  const algorithms = options.algorithms ?? SIGNING_ALGORITHMS;
  const types = new Set((options.accessTokenTypes ?? DEFAULT_ACCESS_TOKEN_TYPES).map(normalisedType));
  const clockTolerance = options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  return {
    async verify(token) {
      let verified;
      try {
        verified = await jwtVerify(token, keys, {
          issuer: options.issuer,
          audience: options.audience,
          algorithms,
          clockTolerance,
          // A token without an expiry would be good for ever once leaked.
          requiredClaims: ['exp', 'sub'],
        });
      } catch (err) {
        if (err instanceof errors.JOSEAlgNotAllowed) {
          throw new TokenRejected(
            `token signed with an algorithm not allowed here (${algorithms.join(', ')})`,
          );
        }
        throw err;
      }
      const { payload, protectedHeader } = verified;
      const typ = protectedHeader.typ;
      if (!typ || !types.has(normalisedType(typ))) {
        throw new TokenRejected(
          `token type ${typ ? `"${typ}"` : '(none)'} is not an access token type accepted here (${[...types].join(', ')})`,
        );
      }
      const marker = idTokenMarker(payload);
      if (marker) throw new TokenRejected(`an ID token (it carries "${marker}") is not an access token`);
      return payload.sub!;
    },
  };
}
