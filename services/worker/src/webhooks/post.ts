import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { SignedHeaders } from './signature';

export interface PostResult {
  statusCode: number | null;
  /** Why the attempt did not count as delivered; null for a 2xx answer. */
  error: string | null;
  durationMs: number;
  /** The connection was refused by the address check (PostOptions.lookup): not worth retrying. */
  refused?: boolean;
}

export interface PostOptions {
  /**
   * Resolves the receiver's host for the connection itself (production: refuses private,
   * loopback, link-local and metadata addresses, receiver-address.ts). Checking the address the
   * socket really uses leaves no gap for a DNS answer that changes between a check and the POST.
   */
  lookup?: LookupFunction;
}

/**
 * One POST of a signed delivery. Only a 2xx answer delivers; a redirect is not followed (the
 * registered URL is the one trusted). The error names what happened (status, timeout, the
 * network error's code) and never quotes the receiver's answer, which is not read at all.
 */
export async function postDelivery(
  url: string,
  body: string,
  headers: SignedHeaders,
  timeoutMs: number,
  options: PostOptions = {},
): Promise<PostResult> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  try {
    const statusCode = await new Promise<number>((resolve, reject) => {
      const request = client.request(
        target,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'user-agent': 'Resolve-Webhooks/1',
            ...headers,
          },
          signal: AbortSignal.timeout(timeoutMs),
          // A fresh connection each time, so every attempt goes through the address check.
          agent: false,
          ...(options.lookup ? { lookup: options.lookup } : {}),
        },
        (response) => {
          // The answer's body is not wanted: drain it without keeping it.
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      request.on('error', reject);
      request.end(body);
    });
    const ok = statusCode >= 200 && statusCode < 300;
    return {
      statusCode,
      error: ok ? null : `the receiver answered HTTP ${statusCode}`,
      durationMs: elapsed(),
    };
  } catch (err) {
    return {
      statusCode: null,
      error: describeNetworkError(err, timeoutMs),
      durationMs: elapsed(),
      refused: (err as { code?: unknown })?.code === 'ERECEIVERADDRESS',
    };
  }
}

/** A network failure in a few words: the kind and its system code, nothing the receiver wrote. */
export function describeNetworkError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; code?: unknown; cause?: { code?: unknown; name?: unknown } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError' || e?.cause?.name === 'TimeoutError')
    return `no answer within ${timeoutMs} ms (timed out)`;
  if (e?.code === 'ERECEIVERADDRESS') return `refused: ${String((err as Error).message)}`;
  const code =
    typeof e?.code === 'string' && e.code !== 'ABORT_ERR'
      ? e.code
      : typeof e?.cause?.code === 'string'
        ? e.cause.code
        : null;
  if (code) return `could not reach the receiver (${code})`;
  return 'could not reach the receiver';
}
