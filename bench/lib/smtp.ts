import { createHash } from 'node:crypto';
import { SMTPServer } from 'smtp-server';

/** One accepted message: the instant the server answered 250 to its DATA. */
export interface AcceptedMail {
  messageId: string;
  to: string[];
  subject: string;
  /** Date.now() just before the 250 reply. */
  receivedAt: number;
}

export interface BenchSmtp {
  port: number;
  url: string;
  mails: AcceptedMail[];
  /** Every message ever accepted with this Message-ID. */
  byMessageId(id: string): AcceptedMail[];
  stop(): Promise<void>;
}

/**
 * A real SMTP server (smtp-server) for benchmarks and the chaos run. Unlike the test capture it
 * parses only the header block (cheap under load) and keeps the Message-ID, which the notifier
 * derives from the delivery key: `<sha256(key)[0..40]@mail-from-domain>`.
 */
export async function startBenchSmtp(port: number): Promise<BenchSmtp> {
  const mails: AcceptedMail[] = [];
  const index = new Map<string, AcceptedMail[]>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    maxClients: 500,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (c: Buffer) => {
        if (size < 64 * 1024) chunks.push(c);
        size += c.length;
      });
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const head = raw.split(/\r?\n\r?\n/, 1)[0].replace(/\r?\n[ \t]+/g, ' ');
        const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head)?.[1]?.trim() ?? '';
        const mail: AcceptedMail = {
          messageId: header('Message-ID'),
          to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
          subject: header('Subject'),
          receivedAt: Date.now(),
        };
        mails.push(mail);
        const list = index.get(mail.messageId) ?? [];
        list.push(mail);
        index.set(mail.messageId, list);
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  server.on('error', () => undefined);
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    mails,
    byMessageId: (id) => index.get(id) ?? [],
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The Message-ID the SMTP provider gives a delivery key (services/notifier SmtpEmailProvider.messageIdFor). */
export function messageIdFor(deliveryKey: string, mailFrom = 'resolve@resolve.test'): string {
  const address = /<([^>]+)>/.exec(mailFrom)?.[1] ?? mailFrom;
  const domain = address.includes('@') ? address.split('@').pop()! : 'resolve.invalid';
  return `<${createHash('sha256').update(deliveryKey).digest('hex').slice(0, 40)}@${domain}>`;
}
