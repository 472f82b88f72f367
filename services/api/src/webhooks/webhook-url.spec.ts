import { webhookUrlProblem } from './webhook-url';

describe('webhookUrlProblem', () => {
  it('accepts https anywhere', () => {
    expect(webhookUrlProblem('https://hooks.police.example/resolve', true)).toBeNull();
    expect(webhookUrlProblem('https://hooks.police.example/resolve', false)).toBeNull();
  });

  it('refuses plain http in production, even to this machine', () => {
    expect(webhookUrlProblem('http://hooks.police.example/resolve', true)).toBe(
      'url: must be https:// under RESOLVE_ENV=production',
    );
    expect(webhookUrlProblem('http://localhost:8080/hook', true)).toMatch(/must be https/);
    expect(webhookUrlProblem('http://127.0.0.1:8080/hook', true)).toMatch(/must be https/);
  });

  it('refuses this machine and private addresses in production', () => {
    expect(webhookUrlProblem('https://localhost/hook', true)).toMatch(/localhost is this machine/);
    expect(webhookUrlProblem('https://10.1.2.3/hook', true)).toMatch(/10\.1\.2\.3 is a private address/);
    expect(webhookUrlProblem('https://169.254.169.254/latest', true)).toMatch(/metadata-service/);
    expect(webhookUrlProblem('https://metadata.google.internal/x', true)).toMatch(/metadata service/);
  });

  it('allows plain http and localhost outside production (the tests post there)', () => {
    expect(webhookUrlProblem('http://hooks.police.example/resolve', false)).toBeNull();
    expect(webhookUrlProblem('http://127.0.0.1:8080/hook', false)).toBeNull();
    expect(webhookUrlProblem('http://localhost:8080/hook', false)).toBeNull();
  });

  it('names what is wrong with other addresses', () => {
    expect(webhookUrlProblem('not a url', false)).toBe('url: must be an absolute http(s) address');
    expect(webhookUrlProblem('ftp://hooks.example/x', false)).toBe('url: must be an https:// address');
    expect(webhookUrlProblem('https://user:pw@hooks.example/x', false)).toBe(
      'url: must not carry a user name or password',
    );
    expect(webhookUrlProblem('https://hooks.example/x#a', false)).toBe('url: must not have a #fragment');
  });
});
