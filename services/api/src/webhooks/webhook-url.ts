/** Host names that reach only this machine: plain http to them is allowed even in production. */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Why a receiver URL cannot be registered, or null when it can. Production wants https (the
 * events and their signatures must not cross networks in clear), except to this machine; a
 * URL with a user name or password would keep a credential in the directory and in logs.
 */
export function webhookUrlProblem(value: string, production: boolean): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'url: must be an absolute http(s) address';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'url: must be an https:// address';
  if (url.username || url.password) return 'url: must not carry a user name or password';
  if (url.hash) return 'url: must not have a #fragment';
  if (url.protocol === 'http:' && production && !LOOPBACK.has(url.hostname))
    return 'url: must be https:// under RESOLVE_ENV=production (http:// only to localhost)';
  return null;
}
