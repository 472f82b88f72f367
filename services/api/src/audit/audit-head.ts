import { appendFile, readFile } from 'node:fs/promises';
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import {
  Inject,
  Injectable,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { AuditRepository } from '@resolve/persistence';
import { logger } from '../common/logger';

/**
 * Where the audit chain's head is published, and with which key (AUDIT_HEAD_SIGNING_KEY,
 * AUDIT_HEAD_LOG): a key and a file the database does not hold, so that someone who can
 * rewrite the whole chain in Postgres (a superuser, recomputing every hash) cannot rewrite what
 * was published, nor sign a new head.
 */
export interface AuditHeadSettings {
  /** Ed25519 private key. */
  signingKey: KeyObject;
  /** An append-only file, one signed head a line (JSON). */
  logPath: string;
  /** How often the head is published when it has moved (default a minute). */
  intervalMs?: number;
}

export const AUDIT_HEAD_SETTINGS = Symbol('AUDIT_HEAD_SETTINGS');

/** One published head: the chain's last row, when, and the signature over the three. */
export interface PublishedHead {
  seq: number;
  hash: string;
  at: string;
  signature: string;
}

/** What the signature covers: a versioned line, so that a head cannot be read as anything else. */
const signedText = (h: Omit<PublishedHead, 'signature'>) =>
  Buffer.from(`resolve-audit-head/1 ${h.seq} ${h.hash} ${h.at}`, 'utf8');

export function signHead(
  key: KeyObject,
  head: { seq: number; hash: string },
  at = new Date(),
): PublishedHead {
  const unsigned = { seq: head.seq, hash: head.hash, at: at.toISOString() };
  // Ed25519 takes no digest algorithm: null.
  return { ...unsigned, signature: sign(null, signedText(unsigned), key).toString('base64') };
}

/**
 * The heads in the log whose signature the key's public half verifies, and the line numbers of
 * those it does not (altered, or signed with another key). A missing log is an empty one.
 */
export async function readPublishedHeads(
  logPath: string,
  key: KeyObject,
): Promise<{ heads: PublishedHead[]; badLines: number[] }> {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  let text: string;
  try {
    text = await readFile(logPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { heads: [], badLines: [] };
    throw err;
  }
  const heads: PublishedHead[] = [];
  const badLines: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const head = JSON.parse(line) as PublishedHead;
      const ok =
        Number.isSafeInteger(head.seq) &&
        typeof head.hash === 'string' &&
        typeof head.at === 'string' &&
        typeof head.signature === 'string' &&
        verify(null, signedText(head), publicKey, Buffer.from(head.signature, 'base64'));
      if (ok) heads.push({ seq: head.seq, hash: head.hash, at: head.at, signature: head.signature });
      else badLines.push(i + 1);
    } catch {
      badLines.push(i + 1);
    }
  });
  return { heads, badLines };
}

/**
 * Publishes the audit chain's head: at start-up and then every interval, when it has moved, the
 * last row's seq and hash are signed and appended to AUDIT_HEAD_LOG, and logged (so that the
 * log shipper keeps a copy too). GET /audit/verify compares the chain with every published head.
 */
@Injectable()
export class AuditHeadPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private lastSeq: number | null = null;

  constructor(
    private readonly rows: AuditRepository,
    @Optional() @Inject(AUDIT_HEAD_SETTINGS) private readonly settings: AuditHeadSettings | null,
  ) {}

  onApplicationBootstrap() {
    if (!this.settings) return;
    void this.publishSafely();
    this.timer = setInterval(() => void this.publishSafely(), this.settings.intervalMs ?? 60_000);
    this.timer.unref();
  }

  onApplicationShutdown() {
    if (this.timer) clearInterval(this.timer);
  }

  /** Publishes the head if it moved since the last publication; the head published, or null. */
  async publish(): Promise<PublishedHead | null> {
    if (!this.settings) return null;
    const head = await this.rows.head();
    if (!head || head.seq === this.lastSeq) return null;
    const published = signHead(this.settings.signingKey, head);
    await appendFile(this.settings.logPath, `${JSON.stringify(published)}\n`, { flag: 'a', mode: 0o640 });
    this.lastSeq = head.seq;
    logger.info('audit head published', { seq: published.seq, hash: published.hash, at: published.at });
    return published;
  }

  private async publishSafely(): Promise<void> {
    try {
      await this.publish();
    } catch (err) {
      logger.error('audit head not published', { error: String((err as Error).message) });
    }
  }
}
