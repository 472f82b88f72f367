import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { signDelivery } from './signature';

const secret = () => `whsec_${randomBytes(32).toString('base64')}`;

describe('signDelivery', () => {
  const body = JSON.stringify({ type: 'escalation.raised', data: { escalationId: 'e1' } });

  it("signs so the Standard Webhooks library's verify accepts it", () => {
    const s = secret();
    const headers = signDelivery('d6c0a1f2-msg', new Date(), body, [s]);
    expect(headers['webhook-id']).toBe('d6c0a1f2-msg');
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(s).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('carries one signature per valid secret, each verifying on its own (rotation)', () => {
    const [current, previous] = [secret(), secret()];
    const headers = signDelivery('msg-2', new Date(), body, [current, previous]);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(current).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(previous).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(secret()).verify(body, { ...headers })).toThrow(/No matching signature/);
  });

  it('does not verify a changed body', () => {
    const s = secret();
    const headers = signDelivery('msg-3', new Date(), body, [s]);
    expect(() => new Webhook(s).verify(body.replace('e1', 'e2'), { ...headers })).toThrow();
  });

  it('puts the time in seconds in webhook-timestamp', () => {
    const headers = signDelivery('msg-4', new Date('2026-05-18T08:30:00.900Z'), body, [secret()]);
    expect(headers['webhook-timestamp']).toBe(String(Date.parse('2026-05-18T08:30:00Z') / 1000));
  });

  it('refuses to send unsigned', () => {
    expect(() => signDelivery('msg-5', new Date(), body, [])).toThrow(/no signing secret/);
  });
});
