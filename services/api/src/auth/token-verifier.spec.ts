import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload, type KeyLike } from 'jose';
import { createTokenVerifier } from './token-verifier';

/**
 * What the API accepts as a bearer token (issue 13): an access token of this issuer and audience,
 * signed with an allowed asymmetric algorithm, with an expiry, within a small clock skew; never
 * an ID token, even one signed by the right issuer.
 */
const ISSUER = 'https://login.sefton.example/realms/sscp';
const AUDIENCE = 'resolve-api';
let privateKey: KeyLike;
let publicJwk: JWK;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  privateKey = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' };
});

const now = () => Math.floor(Date.now() / 1000);

async function token(
  options: { typ?: string | null; claims?: JWTPayload; exp?: number | null; nbf?: number } = {},
): Promise<string> {
  const header: { alg: string; kid: string; typ?: string } = { alg: 'ES256', kid: 'k1' };
  if (options.typ !== null) header.typ = options.typ ?? 'at+jwt';
  let jwt = new SignJWT({ ...options.claims })
    .setProtectedHeader(header)
    .setSubject('sefton-police-practitioner')
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt();
  if (options.exp !== null) jwt = jwt.setExpirationTime(options.exp ?? now() + 600);
  if (options.nbf !== undefined) jwt = jwt.setNotBefore(options.nbf);
  return jwt.sign(privateKey);
}

const verifier = (extra: Partial<Parameters<typeof createTokenVerifier>[0]> = {}) =>
  createTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, localPublicJwk: publicJwk, ...extra });

describe('bearer token verification', () => {
  it('accepts an access token and answers its subject', async () => {
    await expect(verifier().verify(await token())).resolves.toBe('sefton-police-practitioner');
    await expect(verifier().verify(await token({ typ: 'application/at+jwt' }))).resolves.toBe(
      'sefton-police-practitioner',
    );
  });

  it('refuses a token with no expiry', async () => {
    await expect(verifier().verify(await token({ exp: null }))).rejects.toThrow(/"exp" claim/);
  });

  it('refuses an ID token, by its type and by its claims', async () => {
    await expect(verifier().verify(await token({ typ: 'JWT' }))).rejects.toThrow(
      'token type "JWT" is not an access token type accepted here (at+jwt)',
    );
    await expect(verifier().verify(await token({ typ: null }))).rejects.toThrow(/token type \(none\)/);
    // A provider whose access tokens say "JWT" is configured so; its ID tokens are still refused.
    const lenient = verifier({ accessTokenTypes: ['at+jwt', 'JWT'] });
    await expect(lenient.verify(await token({ typ: 'JWT' }))).resolves.toBe('sefton-police-practitioner');
    await expect(
      lenient.verify(await token({ typ: 'JWT', claims: { nonce: 'n-0S6_WzA2Mj' } })),
    ).rejects.toThrow('an ID token (it carries "nonce") is not an access token');
    await expect(lenient.verify(await token({ typ: 'JWT', claims: { typ: 'ID' } }))).rejects.toThrow(
      /ID token/,
    );
  });

  it('allows only the configured algorithms', async () => {
    await expect(verifier({ algorithms: ['RS256'] }).verify(await token())).rejects.toThrow(
      'token signed with an algorithm not allowed here (RS256)',
    );
  });

  it('refuses a token signed with a shared secret, even one equal to the public key', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', kid: 'k1', typ: 'at+jwt' })
      .setSubject('sefton-independent-chair')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime(now() + 600)
      .sign(secret);
    await expect(verifier().verify(forged)).rejects.toThrow(/algorithm not allowed/);
  });

  it('tolerates the configured clock skew and no more', async () => {
    const expiredJustNow = await token({ exp: now() - 10 });
    await expect(verifier().verify(expiredJustNow)).resolves.toBe('sefton-police-practitioner');
    await expect(verifier({ clockSkewSeconds: 0 }).verify(expiredJustNow)).rejects.toThrow(/"exp"/);
    await expect(verifier().verify(await token({ exp: now() - 120 }))).rejects.toThrow(/"exp"/);
    await expect(verifier().verify(await token({ nbf: now() + 20 }))).resolves.toBe(
      'sefton-police-practitioner',
    );
    await expect(verifier().verify(await token({ nbf: now() + 120 }))).rejects.toThrow(/"nbf"/);
  });
});
