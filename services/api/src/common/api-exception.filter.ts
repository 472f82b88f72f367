import { ArgumentsHost, Catch, HttpException, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiError, STATUS_BY_CODE } from './api-error';
import { logger } from './logger';

/**
 * Postgres refuses the NUL character (U+0000) in text (22021, "invalid byte sequence") and in
 * jsonb (22P05, "unsupported Unicode escape sequence"). Every string a client sends reaches a
 * query before anything else happens, so such a refusal is the client's mistake: a 400 with a
 * message, not a 500. Found by fuzzing (fuzz/run.sh).
 */
export const NUL_TEXT_MESSAGE = 'text must not contain the NUL character (U+0000)';
export function isNulTextError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '22021' || code === '22P05';
}

/**
 * One place where errors become HTTP answers. Client mistakes get their 4xx with a message that
 * says what is wrong; anything unexpected is logged (without request bodies, which may hold
 * personal details) and answered 500 with a request id, never a stack trace.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost) {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request>();
    const requestId = (req.headers['x-request-id'] as string) ?? undefined;
    if (exception instanceof ApiError) {
      return res.status(STATUS_BY_CODE[exception.code]).json({
        error: exception.code,
        message: exception.message,
        ...exception.details,
        requestId,
      });
    }
    if (
      exception instanceof SyntaxError ||
      (exception as { type?: string })?.type === 'entity.parse.failed'
    ) {
      return res
        .status(400)
        .json({ error: 'validation-failed', message: 'the request body is not valid JSON', requestId });
    }
    if (
      exception instanceof HttpException &&
      /JSON/.test(exception.message) &&
      exception.getStatus() === 400
    ) {
      return res
        .status(400)
        .json({ error: 'validation-failed', message: 'the request body is not valid JSON', requestId });
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const message =
        typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? exception.message);
      const code =
        status === 400
          ? 'validation-failed'
          : status === 404
            ? 'not-found'
            : status === 413
              ? 'payload-too-large'
              : status === 429
                ? 'rate-limited'
                : 'http-error';
      return res.status(status).json({
        error: code,
        message: Array.isArray(message) ? message.join('; ') : String(message),
        ...(Array.isArray(message) ? { fields: message } : {}),
        requestId,
      });
    }
    if (isNulTextError(exception)) {
      return res.status(400).json({ error: 'validation-failed', message: NUL_TEXT_MESSAGE, requestId });
    }
    const err = exception as { type?: string; status?: number; message?: string };
    // body-parser errors (malformed JSON, too large) carry a status of their own.
    if (err && typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
      return res.status(err.status).json({
        error: err.type === 'entity.too.large' ? 'payload-too-large' : 'validation-failed',
        message:
          err.type === 'entity.parse.failed' ? 'the request body is not valid JSON' : String(err.message),
        requestId,
      });
    }
    logger.error('unhandled error', {
      requestId,
      path: req.route?.path ?? req.path,
      error: String(err?.message ?? exception),
    });
    return res.status(500).json({
      error: 'internal',
      message: 'something went wrong on our side; it has been logged',
      requestId,
    });
  }
}
