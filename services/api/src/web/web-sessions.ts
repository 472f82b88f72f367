import { createHash, randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { WebSessionsRepository, type PendingSignIn, type WebSession } from '@resolve/persistence';
import type { WebConfig } from './web-config';

const MINUTE = 60_000;
/** A session's last-seen time is written at most this often (each page would otherwise write). */
const TOUCH_EVERY_MS = MINUTE;

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Server-side sessions in Postgres. The cookie holds a random token (HttpOnly, SameSite=Lax,
 * Secure unless the service runs on plain http, as on a developer's machine); the table holds
 * its hash. Signing in replaces the session (a token seen before sign-in is never a signed-in
 * one); sessions end after WEB_SESSION_IDLE_MINUTES without a request, and after
 * WEB_SESSION_MAX_HOURS whatever happens.
 */
export class WebSessions {
  readonly cookieName: string;
  private readonly secure: boolean;

  constructor(
    private readonly repository: () => WebSessionsRepository,
    private readonly config: Pick<
      WebConfig,
      'WEB_BASE_URL' | 'WEB_SESSION_IDLE_MINUTES' | 'WEB_SESSION_MAX_HOURS'
    >,
  ) {
    this.secure = new URL(config.WEB_BASE_URL).protocol === 'https:';
    // The __Host- prefix makes the browser refuse the cookie unless Secure, host-only and Path=/.
    this.cookieName = this.secure ? '__Host-resolve-session' : 'resolve-session';
  }

  private idleSince(now: Date) {
    return new Date(now.getTime() - this.config.WEB_SESSION_IDLE_MINUTES * MINUTE);
  }

  private tokenOf(req: Request): string | null {
    for (const part of (req.headers.cookie ?? '').split(';')) {
      const at = part.indexOf('=');
      if (at > 0 && part.slice(0, at).trim() === this.cookieName) {
        const value = part.slice(at + 1).trim();
        return /^[A-Za-z0-9_-]{20,100}$/.test(value) ? value : null;
      }
    }
    return null;
  }

  /** The request's live session, its last-seen time moved on; null when none. */
  async load(req: Request): Promise<WebSession | null> {
    const token = this.tokenOf(req);
    if (!token) return null;
    const now = new Date();
    const session = await this.repository().findLive(hashOf(token), now, this.idleSince(now));
    if (session && now.getTime() - session.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
      await this.repository().update(session.tokenHash, { lastSeenAt: now });
      session.lastSeenAt = now;
    }
    return session;
  }

  /** A new session with a new cookie; an old one named by the request is removed first. */
  async start(
    req: Request,
    res: Response,
    fields: {
      personId?: string;
      subject?: string;
      pendingSignIn?: PendingSignIn;
      returnTo?: string | null;
      flash?: string | null;
    },
  ): Promise<WebSession> {
    const old = this.tokenOf(req);
    if (old) await this.repository().delete(hashOf(old));
    const now = new Date();
    const token = randomBytes(32).toString('base64url');
    const session: WebSession = {
      tokenHash: hashOf(token),
      personId: fields.personId ?? null,
      subject: fields.subject ?? null,
      csrfToken: randomBytes(32).toString('base64url'),
      pendingSignIn: fields.pendingSignIn ?? null,
      returnTo: fields.returnTo ?? null,
      flash: fields.flash ?? null,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + this.config.WEB_SESSION_MAX_HOURS * 60 * MINUTE),
    };
    await this.repository().insert(session);
    res.setHeader('Set-Cookie', this.cookie(token));
    // Sessions that ended are cleared now and then, as new ones start.
    if (Math.random() < 0.05)
      void this.repository()
        .deleteEnded(now, this.idleSince(now))
        .catch(() => 0);
    return session;
  }

  async end(req: Request, res: Response): Promise<void> {
    const token = this.tokenOf(req);
    if (token) await this.repository().delete(hashOf(token));
    res.setHeader('Set-Cookie', this.cookie('', 0));
  }

  async update(session: WebSession, change: Parameters<WebSessionsRepository['update']>[1]): Promise<void> {
    await this.repository().update(session.tokenHash, change);
    Object.assign(session, change);
  }

  /** The one-time message for this page, if any; it is then gone. */
  async takeFlash(session: WebSession): Promise<string | null> {
    if (!session.flash) return null;
    const flash = session.flash;
    await this.update(session, { flash: null });
    return flash;
  }

  private cookie(value: string, maxAgeSeconds?: number): string {
    return [
      `${this.cookieName}=${value}`,
      'Path=/',
      'HttpOnly',
      'SameSite=Lax',
      ...(this.secure ? ['Secure'] : []),
      ...(maxAgeSeconds !== undefined ? [`Max-Age=${maxAgeSeconds}`] : []),
    ].join('; ');
  }
}
