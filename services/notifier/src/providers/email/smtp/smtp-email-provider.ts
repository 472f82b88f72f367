import { createHash } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { DeliveryError, isConnectionNotMade } from '../../../errors';
import type { EmailMessage, EmailProvider, SendReceipt } from '../email-provider.interface';

export interface SmtpEmailOptions {
  /** smtp://[user:pass@]host:port (STARTTLS when offered) or smtps://host:port (TLS from the start). */
  url: string;
  /** "Name <address>" or an address. */
  from: string;
  connectionTimeoutMs?: number;
  socketTimeoutMs?: number;
  /** Connections kept open to the server and used side by side (default 4). */
  maxConnections?: number;
  /**
   * The envelope sender (return path) of the message with this Message-ID: where a later bounce
   * goes (a VERP address of the bounce intake, src/receipts/bounces.ts). Default: the From address.
   */
  returnPath?: (messageId: string) => string;
}

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  command?: string;
  response?: string;
}

/**
 * Email over SMTP with nodemailer, over a small pool of connections: a breach's alerts to four
 * people go out side by side, and a message costs one exchange rather than a new TCP and SMTP
 * handshake. A connection idle for `socketTimeoutMs` is closed (it would go stale at the server
 * otherwise) and a new one opened for the next message.
 *
 * SMTP has no idempotency key: the Message-ID is derived from the delivery key, so a message sent
 * again after a crash carries the same Message-ID and mail clients that de-duplicate on it show
 * it once. There is no `findPrevious`: see docs/notifications.md for the at-least-once choice.
 */
export class SmtpEmailProvider implements EmailProvider {
  readonly name = 'smtp';
  private readonly transport: Transporter<SMTPTransport.SentMessageInfo>;
  private readonly messageIdDomain: string;

  constructor(private readonly options: SmtpEmailOptions) {
    const url = new URL(options.url);
    if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
      throw new Error(`SMTP URL must start with smtp:// or smtps://, got ${url.protocol}//`);
    }
    const secure = url.protocol === 'smtps:';
    this.transport = nodemailer.createTransport({
      host: url.hostname,
      port: url.port ? Number(url.port) : secure ? 465 : 25,
      secure,
      pool: true,
      maxConnections: options.maxConnections ?? 4,
      maxMessages: 500,
      auth: url.username
        ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) }
        : undefined,
      connectionTimeout: options.connectionTimeoutMs ?? 10_000,
      greetingTimeout: options.connectionTimeoutMs ?? 10_000,
      socketTimeout: options.socketTimeoutMs ?? 30_000,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    const fromAddress = /<([^>]+)>/.exec(options.from)?.[1] ?? options.from;
    this.messageIdDomain = fromAddress.includes('@') ? fromAddress.split('@').pop()! : 'resolve.invalid';
  }

  /** Stable per delivery key, so a resend after a crash is recognisably the same message. */
  messageIdFor(deliveryKey: string): string {
    const hash = createHash('sha256').update(deliveryKey).digest('hex').slice(0, 40);
    return `<${hash}@${this.messageIdDomain}>`;
  }

  async send(message: EmailMessage): Promise<SendReceipt> {
    const messageId = this.messageIdFor(message.deliveryKey);
    try {
      const info = await this.transport.sendMail({
        from: this.options.from,
        to: { name: message.to.name, address: message.to.address },
        ...(this.options.returnPath
          ? { envelope: { from: this.options.returnPath(messageId), to: [message.to.address] } }
          : {}),
        subject: message.subject,
        text: message.text,
        html: message.html,
        icalEvent: message.calendar
          ? { method: message.calendar.method, content: message.calendar.content, filename: 'invitation.ics' }
          : undefined,
        messageId,
        headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
      });
      if (info.rejected?.length) {
        throw DeliveryError.permanent(
          `SMTP server rejected recipient: ${String(info.response ?? '')}`.trim(),
        );
      }
      return { providerMessageId: info.messageId ?? messageId };
    } catch (err) {
      throw classifySmtpError(err);
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}

/**
 * 4xx replies and connection problems are transient; a 5xx reply to RCPT TO (or to the message
 * itself) is permanent; a 5xx to AUTH is a configuration problem and stays transient so that
 * the activity keeps retrying visibly instead of alerting about every recipient.
 */
export function classifySmtpError(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const e = err as SmtpError;
  const text = `SMTP ${e.command ? `${e.command}: ` : ''}${e.response ?? e.message}`
    .replace(/\s+/g, ' ')
    .trim();
  const code = e.responseCode;
  if (typeof code === 'number' && code >= 500 && code < 600) {
    if (e.code === 'EAUTH' || e.command === 'AUTH PLAIN' || e.command === 'AUTH LOGIN') {
      return DeliveryError.transient(text, { code: String(code), cause: err });
    }
    return DeliveryError.permanent(text, { code: String(code), cause: err });
  }
  if (typeof code === 'number' && code >= 400 && code < 500) {
    return DeliveryError.transient(text, { code: String(code), cause: err });
  }
  if (e.code === 'EENVELOPE' && !code) {
    // nodemailer refuses an address it cannot use before talking to the server.
    return DeliveryError.permanent(text, { code: e.code, cause: err });
  }
  const notMade = isConnectionNotMade(e.code) || /ECONNREFUSED|ENOTFOUND/.test(e.message ?? '');
  return DeliveryError.transient(text, { code: e.code, maybeSent: !notMade, cause: err });
}
