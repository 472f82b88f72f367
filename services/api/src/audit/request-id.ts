import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * A client's own request id is kept when it is a plain token (it ends up in the audit trail and
 * in logs, so free text is never accepted: it could carry a name); otherwise one is generated.
 */
const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Express middleware, first in the chain: every request has an id, in `req.headers['x-request-id']`
 * (where the exception filter and the audit interceptor read it) and in the response header.
 */
export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const given = req.headers[REQUEST_ID_HEADER];
  const id = typeof given === 'string' && ACCEPTABLE.test(given) ? given : randomUUID();
  req.headers[REQUEST_ID_HEADER] = id;
  res.setHeader('X-Request-Id', id);
  next();
}

export function requestIdOf(req: Request): string {
  const id = req.headers[REQUEST_ID_HEADER];
  return typeof id === 'string' && ACCEPTABLE.test(id) ? id : randomUUID();
}
