import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from './free-port';

export interface CapturedMail {
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  /** Every part that is neither the text nor the HTML body (a calendar invitation: text/calendar and its .ics). */
  attachments: CapturedAttachment[];
  receivedAt: Date;
}

export interface CapturedAttachment {
  contentType: string;
  filename: string | null;
  /** The Content-Type's method parameter (text/calendar; method=REQUEST), when it has one. */
  method: string | null;
  /** The part decoded as UTF-8. */
  content: string;
}

function attachmentsOf(parsed: ParsedMail): CapturedAttachment[] {
  return parsed.attachments.map((a) => {
    const type = a.headers.get('content-type') as { params?: Record<string, string> } | string | undefined;
    const method = typeof type === 'object' ? (type.params?.method ?? null) : null;
    return {
      contentType: a.contentType,
      filename: a.filename ?? null,
      method,
      content: a.content.toString('utf8'),
    };
  });
}

export interface SmtpCapture {
  port: number;
  url: string;
  messages: CapturedMail[];
  /** Resolves with the matching messages once at least `count` have arrived. */
  waitFor(
    predicate: (m: CapturedMail) => boolean,
    count?: number,
    timeoutMs?: number,
  ): Promise<CapturedMail[]>;
  /** Recipients the server refuses with a permanent 550. */
  rejectRecipients: Set<string>;
  /** Milliseconds the server holds each message before its 250 (a slow server); 0 by default. */
  acceptDelayMs: number;
  /** The most client connections that were open at once since the start (or the last reset). */
  readonly peakConnections: number;
  resetPeakConnections(): void;
  stop(): Promise<void>;
}

function addresses(parsed: ParsedMail['to']): string[] {
  const list = Array.isArray(parsed) ? parsed : parsed ? [parsed] : [];
  return list.flatMap((a) => a.value.map((v) => (v.address ?? '').toLowerCase()));
}

/** A real SMTP server (smtp-server) that keeps what it receives, for tests and the embedded default. */
export async function startSmtpCapture(
  options: { port?: number; onMessage?: (m: CapturedMail) => void } = {},
): Promise<SmtpCapture> {
  const messages: CapturedMail[] = [];
  const rejectRecipients = new Set<string>();
  const waiters = new Set<() => void>();
  let open = 0;
  let peak = 0;
  const state = { acceptDelayMs: 0 };
  const server = new SMTPServer({
    authOptional: true,
    onConnect(_session, callback) {
      open += 1;
      peak = Math.max(peak, open);
      callback();
    },
    onClose() {
      open -= 1;
    },
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (rejectRecipients.has(address.address.toLowerCase())) {
        // Worded as real servers word it (Postfix: "<addr>: Recipient address rejected"),
        // quoting the address, so tests see what a kept error must not keep.
        const err = new Error(
          `<${address.address}>: Recipient address rejected: mailbox unavailable`,
        ) as Error & {
          responseCode: number;
        };
        err.responseCode = 550;
        return callback(err);
      }
      callback();
    },
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          const mail: CapturedMail = {
            to: addresses(parsed.to),
            from: addresses(parsed.from as ParsedMail['to'])[0] ?? '',
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            attachments: attachmentsOf(parsed),
            receivedAt: new Date(),
          };
          const accept = () => {
            messages.push(mail);
            options.onMessage?.(mail);
            waiters.forEach((w) => w());
            callback();
          };
          if (state.acceptDelayMs > 0) setTimeout(accept, state.acceptDelayMs);
          else accept();
        })
        .catch((err) => callback(err));
    },
  });
  const port = options.port ?? (await freePort());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    rejectRecipients,
    get acceptDelayMs() {
      return state.acceptDelayMs;
    },
    set acceptDelayMs(ms: number) {
      state.acceptDelayMs = ms;
    },
    get peakConnections() {
      return peak;
    },
    resetPeakConnections() {
      peak = open;
    },
    waitFor(predicate, count = 1, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.filter(predicate);
          if (found.length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `expected ${count} matching email(s) within ${timeoutMs} ms; received ${messages.length}: ${messages.map((m) => `${m.to.join(',')} "${m.subject}"`).join('; ')}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
