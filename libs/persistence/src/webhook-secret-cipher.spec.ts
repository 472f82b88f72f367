import { randomBytes } from 'node:crypto';
import {
  DEVELOPMENT_WEBHOOK_SECRET_KEY,
  WebhookSecretCipher,
  webhookSecretCipher,
} from './webhook-secret-cipher';

describe(WebhookSecretCipher.name, () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

  it('seals with a fresh nonce each time and opens what it sealed', () => {
    const cipher = new WebhookSecretCipher(randomBytes(32));
    const [a, b] = [cipher.seal(secret), cipher.seal(secret)];
    expect(a).toMatch(/^aesgcm1:/);
    expect(a).not.toBe(b);
    expect(a).not.toContain(secret.slice('whsec_'.length));
    expect(cipher.open(a)).toBe(secret);
    expect(cipher.open(b)).toBe(secret);
  });

  it('names the setting, never a value, when the key is not the one it was sealed with', () => {
    const sealed = new WebhookSecretCipher(randomBytes(32)).seal(secret);
    expect(() => new WebhookSecretCipher(randomBytes(32)).open(sealed)).toThrow(
      'a webhook secret could not be opened: WEBHOOK_SECRET_KEY differs from the key it was sealed with',
    );
  });

  it('refuses a plaintext value rather than signing with it', () => {
    expect(() => new WebhookSecretCipher(randomBytes(32)).open(secret)).toThrow(/is not sealed/);
  });

  it('uses the development key only when no key is configured, and says so', () => {
    const key = randomBytes(32);
    expect(webhookSecretCipher(key).derived).toBe(false);
    const dev = webhookSecretCipher(undefined);
    expect(dev.derived).toBe(true);
    expect(new WebhookSecretCipher(DEVELOPMENT_WEBHOOK_SECRET_KEY).open(dev.cipher.seal(secret))).toBe(
      secret,
    );
  });
});
