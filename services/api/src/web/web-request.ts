import type { Request } from 'express';
import type { WebSession } from '@resolve/persistence';
import type { Caller } from '../auth/caller';

/** A page request once WebSignedInGuard has let it through. */
export interface SignedInRequest extends Request {
  web: { session: WebSession; caller: Caller; personName: string };
}

/** Raised when a page needs a signed-in person; the filter sends the browser to sign in and back. */
export class SignInRequired extends Error {
  constructor(readonly returnTo: string | null) {
    super('sign-in required');
  }
}

/** A form came without this session's CSRF token (another site's form, or a stale page). */
export class FormRejected extends Error {}

/** A path on this site to land on after signing in: only the pages' own paths. */
export function safeReturnTo(path: unknown): string | null {
  return typeof path === 'string' &&
    path.length <= 300 &&
    /^\/(cases|raise|dashboard|directory)(\/[A-Za-z0-9/_-]*)?(\?[A-Za-z0-9=&%._-]*)?$/.test(path)
    ? path
    : null;
}
