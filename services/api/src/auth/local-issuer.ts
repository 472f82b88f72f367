import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK, type KeyLike } from 'jose';

/**
 * The embedded default's identity provider: an ES256 key pair kept in a local file. A real
 * partnership points AUTH_JWKS_URL at its own provider instead; the API verifies either way.
 */
export interface LocalIssuer {
  issuer: string;
  audience: string;
  publicJwk: JWK;
  privateKey: KeyLike;
  mint(subject: string, options?: { expiresIn?: string }): Promise<string>;
}

export async function loadOrCreateLocalIssuer(
  file: string,
  issuer: string,
  audience: string,
): Promise<LocalIssuer> {
  let stored: { privateJwk: JWK; publicJwk: JWK };
  if (existsSync(file)) {
    stored = JSON.parse(readFileSync(file, 'utf8'));
  } else {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    stored = {
      privateJwk: await exportJWK(privateKey),
      publicJwk: { ...(await exportJWK(publicKey)), alg: 'ES256', kid: 'local-1' },
    };
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(stored), { mode: 0o600 });
  }
  const privateKey = (await importJWK(stored.privateJwk, 'ES256')) as KeyLike;
  return {
    issuer,
    audience,
    publicJwk: stored.publicJwk,
    privateKey,
    mint(subject, options = {}) {
      return new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: stored.publicJwk.kid, typ: 'at+jwt' })
        .setSubject(subject)
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '8h')
        .sign(privateKey);
    },
  };
}
