import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { DeliveriesRepository, DeliveryReceipt } from '@resolve/persistence';
import type { NotifierLogger } from '../logger';
import { recordReceipt } from './record-receipt';

/**
 * Email bounces over SMTP (RFC 3464 delivery status notifications).
 *
 * Each email leaves with a return path of its own (VERP): `<local>+<token>@<domain>` of
 * BOUNCE_ADDRESS, where the token is an HMAC of the message's Message-ID with BOUNCE_SECRET. A
 * remote server that accepts the message and fails to deliver it later sends its DSN there; the
 * partnership's mail server routes that address to this intake. The intake accepts mail only for
 * such addresses, and a DSN only when the Message-ID it returns matches the token of the address
 * it came to: a forged bounce would need the secret.
 */
export class BounceAddresses {
  private readonly local: string;
  private readonly domain: string;

  constructor(
    bounceAddress: string,
    private readonly secret: string,
  ) {
    const at = bounceAddress.lastIndexOf('@');
    this.local = bounceAddress.slice(0, at).toLowerCase();
    this.domain = bounceAddress.slice(at + 1).toLowerCase();
  }

  /** The return path of the message with this Message-ID. */
  returnPath(messageId: string): string {
    return `${this.local}+${this.token(messageId)}@${this.domain}`;
  }

  /** The token of a return path of ours, or null for any other address. */
  tokenOf(address: string): string | null {
    const m = /^(.+)\+([0-9a-f]{24})@(.+)$/.exec(address.toLowerCase());
    return m && m[1] === this.local && m[3] === this.domain ? m[2] : null;
  }

  matches(token: string, messageId: string): boolean {
    const expected = Buffer.from(this.token(messageId));
    const given = Buffer.from(token);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  private token(messageId: string): string {
    return createHmac('sha256', this.secret).update(messageId.trim()).digest('hex').slice(0, 24);
  }
}

/** What a delivery status notification says about the message it returns. */
export interface DeliveryStatusReport {
  /** The returned message's Message-ID, with its angle brackets. */
  messageId: string | null;
  /** The first recipient's Action (failed, delayed, delivered, relayed, expanded). */
  action: string | null;
  /** Its Status code (5.1.1). */
  status: string | null;
  /** Its Diagnostic-Code (the remote server's reply; may quote the address). */
  diagnostic: string | null;
}

/**
 * Reads a DSN: a multipart/report; report-type=delivery-status message with a
 * message/delivery-status part and the returned headers (text/rfc822-headers) or message
 * (message/rfc822). Null when the message is not a DSN (an auto-reply, say).
 */
export function parseDeliveryStatus(raw: string): DeliveryStatusReport | null {
  const top = splitHeaders(raw);
  const type = top.headers.get('content-type') ?? '';
  if (!/^multipart\/report\b/i.test(type) || !/report-type\s*=\s*"?delivery-status"?/i.test(type))
    return null;
  const boundary = /boundary\s*=\s*"?([^";]+)"?/i.exec(type)?.[1];
  if (!boundary) return null;
  const report: DeliveryStatusReport = { messageId: null, action: null, status: null, diagnostic: null };
  const parts = top.body.split(`--${boundary}`).slice(1);
  for (const part of parts) {
    if (part.startsWith('--')) break;
    const { headers, body } = splitHeaders(part.replace(/^\r?\n/, ''));
    const partType = (headers.get('content-type') ?? 'text/plain').toLowerCase();
    if (partType.startsWith('message/delivery-status')) {
      // Per-message fields, then a block per recipient: the first recipient's block decides.
      const blocks = body.split(/\r?\n\s*\r?\n/).map((b) => splitHeaders(`${b}\r\n\r\n`).headers);
      const recipient = blocks.find((b) => b.has('action')) ?? new Map<string, string>();
      report.action = recipient.get('action')?.toLowerCase() ?? null;
      report.status = recipient.get('status') ?? null;
      report.diagnostic = recipient.get('diagnostic-code') ?? null;
    } else if (partType.startsWith('text/rfc822-headers') || partType.startsWith('message/rfc822')) {
      report.messageId = splitHeaders(body).headers.get('message-id') ?? null;
    }
  }
  return report;
}

function splitHeaders(text: string): { headers: Map<string, string>; body: string } {
  const end = /\r?\n\r?\n/.exec(text);
  const head = end ? text.slice(0, end.index) : text;
  const body = end ? text.slice(end.index + end[0].length) : '';
  const headers = new Map<string, string>();
  // Folded lines continue the header above them (RFC 5322 §2.2.3).
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) {
      const name = line.slice(0, colon).trim().toLowerCase();
      if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
    }
  }
  return { headers, body };
}

/** The receipt a DSN amounts to: Action failed is a permanent failure; the rest are recorded only. */
export function bounceReceipt(report: DeliveryStatusReport & { messageId: string }): DeliveryReceipt {
  const failed = report.action === 'failed';
  const word = `${report.action ?? 'unknown'}${report.status ? ` ${report.status}` : ''}`;
  return {
    provider: 'smtp',
    messageId: report.messageId,
    reference: null,
    providerStatus: `bounce: ${word}`,
    next: failed ? 'failed' : null,
    error: failed
      ? `bounced by the recipient's mail server: ${report.status ?? 'no status'}${report.diagnostic ? ` (${report.diagnostic})` : ''}`
      : null,
  };
}

export interface BounceIntakeOptions {
  host: string;
  port: number;
  addresses: BounceAddresses;
  deliveries: DeliveriesRepository;
  logger: NotifierLogger;
  onFollowUpPending?: (deliveryKey: string) => void;
}

export interface BounceIntake {
  port: number;
  close(): Promise<void>;
}

const MAX_BOUNCE_BYTES = 512 * 1024;

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

/** The SMTP listener for bounces (see BounceAddresses). */
export async function startBounceIntake(options: BounceIntakeOptions): Promise<BounceIntake> {
  const log = options.logger;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: MAX_BOUNCE_BYTES,
    logger: false,
    banner: 'Resolve bounce intake',
    onRcptTo(address, _session, callback) {
      if (options.addresses.tokenOf(address.address)) return callback();
      callback(smtpError(550, '5.1.1 no such mailbox here'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded)
          return callback(smtpError(552, '5.3.4 message too big for a bounce'));
        const report = parseDeliveryStatus(Buffer.concat(chunks).toString('utf8'));
        if (!report || !report.messageId) {
          // An auto-reply or other mail to a return path: nothing to record.
          log.info('mail to a bounce address that is not a delivery status notification: ignored', {});
          return callback();
        }
        const tokens = session.envelope.rcptTo
          .map((r) => options.addresses.tokenOf(r.address))
          .filter((t): t is string => t !== null);
        if (!tokens.some((t) => options.addresses.matches(t, report.messageId!))) {
          log.warn('bounce refused: it does not match the return address it was sent to', {
            provider: 'smtp',
          });
          return callback(smtpError(550, '5.7.1 bounce does not match its return address'));
        }
        recordReceipt(options, bounceReceipt({ ...report, messageId: report.messageId })).then(
          () => callback(),
          (err: unknown) => {
            log.error('bounce could not be recorded; the sender will retry', {
              error: err instanceof Error ? err.message : String(err),
            });
            callback(smtpError(451, '4.3.0 bounce could not be recorded now; try again'));
          },
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  log.info('bounce intake listening', { host: options.host, port });
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
