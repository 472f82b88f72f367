import type { SignedHeaders } from './signature';

export interface PostResult {
  statusCode: number | null;
  /** Why the attempt did not count as delivered; null for a 2xx answer. */
  error: string | null;
  durationMs: number;
}

/**
 * One POST of a signed delivery. Only a 2xx answer delivers; a redirect is not followed (the
 * registered URL is the one trusted). The error names what happened (status, timeout, the
 * network error's code) and never quotes the receiver's answer, which is kept in the delivery log.
 */
export async function postDelivery(
  url: string,
  body: string,
  headers: SignedHeaders,
  timeoutMs: number,
): Promise<PostResult> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Resolve-Webhooks/1', ...headers },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The answer's body is not wanted: release the connection without reading it.
    await response.body?.cancel().catch(() => undefined);
    const ok = response.status >= 200 && response.status < 300;
    return {
      statusCode: response.status,
      error: ok ? null : `the receiver answered HTTP ${response.status}`,
      durationMs: elapsed(),
    };
  } catch (err) {
    return { statusCode: null, error: describeNetworkError(err, timeoutMs), durationMs: elapsed() };
  }
}

/** A network failure in a few words: the kind and its system code, nothing the receiver wrote. */
export function describeNetworkError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; cause?: { code?: unknown; name?: unknown } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError')
    return `no answer within ${timeoutMs} ms (timed out)`;
  const code = typeof e?.cause?.code === 'string' ? e.cause.code : null;
  if (code) return `could not reach the receiver (${code})`;
  return 'could not reach the receiver';
}
