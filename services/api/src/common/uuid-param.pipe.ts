import { Param, type PipeTransform } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { ApiError, notFound } from './api-error';

/**
 * A path id naming a row whose key is a uuid. An id that is not a uuid is answered exactly as
 * one that does not exist (404, the same message), so that nothing tells the two apart and
 * nothing that Postgres would refuse to cast reaches a query.
 */
export class UuidParamPipe implements PipeTransform<unknown, string> {
  constructor(private readonly what: string) {}

  transform(value: unknown): string {
    if (typeof value !== 'string' || !isUUID(value)) throw notFound(`${this.what} ${String(value)}`);
    return value;
  }
}

/**
 * A path segment naming a protocol key (a tier's step, for example): lower-case words joined by
 * hyphens, as the protocol schema writes keys. Anything else is a 400 naming the parameter.
 */
export class ProtocolKeyParamPipe implements PipeTransform<unknown, string> {
  constructor(private readonly name: string) {}

  transform(value: unknown): string {
    if (typeof value !== 'string' || value.length > 100 || !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(value))
      throw new ApiError(
        'validation-failed',
        `${this.name} must be a key of lower-case words joined by hyphens, e.g. "form-issued"`,
      );
    return value;
  }
}

/** `@EscalationId() id: string`: the `:id` path parameter of an escalation, a uuid. */
export const EscalationId = (name = 'id') => Param(name, new UuidParamPipe('escalation'));
