import { webhookUrlProblem } from './webhook-url';

describe('webhookUrlProblem', () => {
  it('accepts https anywhere', () => {
    expect(webhookUrlProblem('https://hooks.police.example/resolve', true)).toBeNull();
    expect(webhookUrlProblem('https://hooks.police.example/resolve', false)).toBeNull();
  });

  it('refuses plain http in production except to this machine', () => {
    expect(webhookUrlProblem('http://hooks.police.example/resolve', true)).toMatch(
      /must be https:\/\/ under RESOLVE_ENV=production/,
    );
    expect(webhookUrlProblem('http://localhost:8080/hook', true)).toBeNull();
    expect(webhookUrlProblem('http://127.0.0.1:8080/hook', true)).toBeNull();
    expect(webhookUrlProblem('http://[::1]:8080/hook', true)).toBeNull();
  });

  it('allows plain http outside production', () => {
    expect(webhookUrlProblem('http://hooks.police.example/resolve', false)).toBeNull();
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
