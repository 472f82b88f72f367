import { SignJWT } from 'jose';
import { person, startStack, type Stack } from './support/harness';

/**
 * An attacker's tokens against the running API (issue 13): an ID token of the right issuer and
 * audience (a browser app's sign-in token, replayed at the API), a token that never expires, and
 * a long-expired one are each refused with 401, and the refusal of a token's kind says why.
 */
jest.setTimeout(240_000);

const P = 'sefton-sscp';
let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

async function signed(header: { typ?: string }, claims: Record<string, unknown>, exp: number | null) {
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: stack.issuer.publicJwk.kid, ...header })
    .setSubject(person(P, null, 'independent-chair'))
    .setIssuer(stack.issuer.issuer)
    .setAudience(stack.issuer.audience)
    .setIssuedAt();
  if (exp !== null) jwt = jwt.setExpirationTime(exp);
  return `Bearer ${await jwt.sign(stack.issuer.privateKey)}`;
}

const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

describe('bearer tokens the API refuses', () => {
  it('accepts the issuer’s access token', async () => {
    const ok = await stack
      .http()
      .get('/escalations')
      .set('Authorization', await stack.as(person(P, null, 'independent-chair')));
    expect(ok.status).toBe(200);
  });

  it('refuses an ID token of the same issuer and audience, saying why', async () => {
    const idToken = await signed({ typ: 'JWT' }, { nonce: 'abc123', auth_time: 1 }, inAnHour());
    const res = await stack.http().get('/escalations').set('Authorization', idToken);
    expect(res.status).toBe(401);
    expect(res.body.message).toBe(
      'the bearer token was refused: token type "JWT" is not an access token type accepted here (at+jwt)',
    );
    // Labelled as an access token, its claims still give it away.
    const relabelled = await signed({ typ: 'at+jwt' }, { nonce: 'abc123' }, inAnHour());
    const again = await stack.http().get('/escalations').set('Authorization', relabelled);
    expect(again.status).toBe(401);
    expect(again.body.message).toMatch(/an ID token \(it carries "nonce"\)/);
  });

  it('refuses a token without an expiry, and one that expired long ago', async () => {
    for (const exp of [null, Math.floor(Date.now() / 1000) - 3600]) {
      const res = await stack
        .http()
        .get('/escalations')
        .set('Authorization', await signed({ typ: 'at+jwt' }, {}, exp));
      expect(res.status).toBe(401);
      expect(res.body.message).toBe('the bearer token is invalid or expired');
    }
  });
});
