import { AsyncLocalStorage } from 'node:async_hooks';
import type { NextFunction, Request, Response } from 'express';

/**
 * The current request's id, readable anywhere below the controller (the escalation service
 * passes it into the workflow, which hands it to the notifier: one correlation id from the API
 * request to the email). Runs after the request-id middleware.
 */
const storage = new AsyncLocalStorage<{ requestId: string }>();

export function requestContextMiddleware(req: Request, _res: Response, next: NextFunction): void {
  const id = req.headers['x-request-id'];
  storage.run({ requestId: typeof id === 'string' ? id : '' }, () => next());
}

export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId || undefined;
}
