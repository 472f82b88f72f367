import { applyDecorators, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiError } from './api-error';

const HEADER = 'Idempotency-Key';
// Visible ASCII only: the key is stored and compared as given, and shown back in errors.
const KEY_PATTERN = '^[\\x21-\\x7e]{8,200}$';
const VALID_KEY = new RegExp(KEY_PATTERN);

/** The request's Idempotency-Key, checked once here for every endpoint that accepts one. */
export const IdempotencyKey = createParamDecorator((_data: unknown, ctx: ExecutionContext) => {
  const value = ctx.switchToHttp().getRequest<Request>().headers[HEADER.toLowerCase()];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !VALID_KEY.test(value)) {
    throw new ApiError('validation-failed', `${HEADER}: 8-200 visible ASCII characters`);
  }
  return value;
});

/** Documents the header on an endpoint that takes @IdempotencyKey(). */
export const AcceptsIdempotencyKey = () =>
  applyDecorators(
    ApiHeader({
      name: HEADER,
      required: false,
      description:
        'Repeat a request safely: the same key never raises or acts twice. 8 to 200 visible ASCII characters.',
      // The same limits the decorator checks, so a generated client (or a fuzzer) builds keys the
      // API accepts instead of learning them from 400s.
      schema: { type: 'string', minLength: 8, maxLength: 200, pattern: KEY_PATTERN },
    }),
  );
