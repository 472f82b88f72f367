import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JWK } from 'jose';

export interface TokenVerifier {
  /** Returns the subject of a valid token, or throws. */
  verify(token: string): Promise<string>;
}

export function createTokenVerifier(options: {
  issuer: string;
  audience: string;
  jwksUrl?: string;
  localPublicJwk?: JWK;
}): TokenVerifier {
  const keys = options.jwksUrl
    ? createRemoteJWKSet(new URL(options.jwksUrl))
    : createLocalJWKSet({ keys: [options.localPublicJwk!] });
  return {
    async verify(token) {
      const { payload } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        audience: options.audience,
      });
      if (!payload.sub) throw new Error('token has no subject');
      return payload.sub;
    },
  };
}
