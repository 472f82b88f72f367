import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import type { DeliveriesRepository } from '@resolve/persistence';
import type { NotifierLogger } from '../logger';
import { ProviderCallbackError, receiptFromCallback, recordReceipt } from './record-receipt';

export interface ReceiptIntakeOptions {
  host: string;
  port: number;
  deliveries: DeliveriesRepository;
  logger: NotifierLogger;
  /**
   * Twilio status callbacks (POST /receipts/twilio): the account's auth token signs each request
   * (X-Twilio-Signature), over the exact public URL Twilio was given as StatusCallback.
   */
  twilio?: { authToken: string; callbackUrl: string };
  /** GOV.UK Notify delivery receipts (POST /receipts/govuk-notify), with the service's bearer token. */
  notify?: { bearerToken: string };
  onFollowUpPending?: (deliveryKey: string) => void;
}

export interface ReceiptIntake {
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 20 * 1024;

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The notifier's HTTP intake of delivery receipts from the SMS (and Notify email) providers it
 * sends through. A request is authenticated before its body is read as a receipt: Twilio's
 * signature (HMAC-SHA1 of the callback URL and the sorted form fields, with the auth token,
 * checked by the Twilio library's own `validateRequest`) or Notify's bearer token; anything
 * unsigned or forged gets 403 and changes nothing. Answers 204 for every authentic receipt,
 * known or not, so the provider does not retry one we have recorded.
 */
export async function startReceiptIntake(options: ReceiptIntakeOptions): Promise<ReceiptIntake> {
  const log = options.logger;
  const server = createServer((req, res) => {
    handle(req)
      .then(() => answer(res, 204))
      .catch((err: unknown) => {
        if (err instanceof HttpProblem) return answer(res, err.status, err.message);
        if (err instanceof ProviderCallbackError) return answer(res, 400, err.message);
        // Postgres unavailable, for example: 503 makes the provider send the receipt again later.
        log.error('receipt could not be recorded; the provider will retry', {
          error: err instanceof Error ? err.message : String(err),
        });
        return answer(res, 503, 'receipt could not be recorded now; try again');
      });
  });

  async function handle(req: IncomingMessage): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://intake').pathname;
    if (req.method !== 'POST') throw new HttpProblem(405, 'only POST is accepted');
    if (path === '/receipts/twilio' && options.twilio) return twilioReceipt(req, options.twilio);
    if (path === '/receipts/govuk-notify' && options.notify) return notifyReceipt(req, options.notify);
    throw new HttpProblem(404, `no receipt intake at ${path}`);
  }

  async function twilioReceipt(req: IncomingMessage, config: { authToken: string; callbackUrl: string }) {
    const type = req.headers['content-type'] ?? '';
    if (!/^application\/x-www-form-urlencoded\b/i.test(type))
      throw new HttpProblem(415, 'Twilio receipts must be application/x-www-form-urlencoded');
    const params: Record<string, string> = {};
    for (const [name, value] of new URLSearchParams(await readBody(req))) params[name] = value;
    const signature = req.headers['x-twilio-signature'];
    if (
      typeof signature !== 'string' ||
      !twilio.validateRequest(config.authToken, signature, config.callbackUrl, params)
    ) {
      log.warn('receipt refused: X-Twilio-Signature missing or wrong', { provider: 'twilio' });
      throw new HttpProblem(403, 'X-Twilio-Signature missing or wrong');
    }
    await recordReceipt(options, receiptFromCallback('twilio', params));
  }

  async function notifyReceipt(req: IncomingMessage, config: { bearerToken: string }) {
    const presented = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
    if (!sameSecret(presented, config.bearerToken)) {
      log.warn('receipt refused: bearer token missing or wrong', { provider: 'govuk-notify' });
      throw new HttpProblem(403, 'bearer token missing or wrong');
    }
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch (err) {
      if (err instanceof HttpProblem) throw err;
      throw new HttpProblem(400, 'GOV.UK Notify receipts must be JSON');
    }
    await recordReceipt(options, receiptFromCallback('govuk-notify', body));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  log.info('receipt intake listening', { host: options.host, port });
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections?.();
      }),
  };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpProblem(413, `receipt bodies are limited to ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function answer(res: ServerResponse, status: number, error?: string) {
  if (res.headersSent) return;
  if (status === 204) {
    res.writeHead(204).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error }));
}
