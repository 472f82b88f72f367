/**
 * Errors the API answers with. Each has a code a client can branch on and a message a person
 * understands; the exception filter maps codes to HTTP statuses in one place.
 */
export type ApiErrorCode =
  | 'validation-failed'
  | 'unauthenticated'
  | 'not-found'
  | 'forbidden'
  | 'action-refused'
  | 'conflict'
  | 'idempotency-key-reused'
  | 'unavailable';

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const STATUS_BY_CODE: Record<ApiErrorCode, number> = {
  'validation-failed': 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  'action-refused': 409,
  conflict: 409,
  // The same key with another body: the request is well-formed but cannot be processed as a
  // repeat of the first (IETF draft "The Idempotency-Key HTTP Header Field", 422).
  'idempotency-key-reused': 422,
  unavailable: 503,
};

export const notFound = (what: string) => new ApiError('not-found', `${what} not found`);
