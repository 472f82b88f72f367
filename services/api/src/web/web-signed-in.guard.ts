import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { loadCaller } from '../auth/caller';
import { sameSecret } from './openid-client';
import { WebApplication } from './web-application';
import { FormRejected, safeReturnTo, SignInRequired, type SignedInRequest } from './web-request';
import { WebSessions } from './web-sessions';

/**
 * Pages for signed-in people: the session from the cookie, the person from the directory by the
 * subject they signed in with (as the API's bearer tokens are), and on every form the session's
 * CSRF token. Without a session: SignInRequired, which the filter turns into sign-in and back.
 */
@Injectable()
export class WebSignedInGuard implements CanActivate {
  constructor(
    private readonly app: WebApplication,
    private readonly sessions: WebSessions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    const session = await this.sessions.load(req);
    const returnTo = req.method === 'GET' ? safeReturnTo(req.originalUrl) : null;
    if (!session?.subject || !session.personId) throw new SignInRequired(returnTo);
    const caller = await loadCaller(this.app.directoryRepository, session.subject);
    if (!caller) throw new SignInRequired(returnTo);
    if (req.method === 'POST') {
      const token = (req.body as Record<string, unknown> | undefined)?._csrf;
      if (typeof token !== 'string' || !sameSecret(token, session.csrfToken)) throw new FormRejected();
    }
    const contact = await this.app.directoryRepository.personContact(caller.personId);
    (req as SignedInRequest).web = { session, caller, personName: contact?.displayName ?? caller.personId };
    return true;
  }
}
