import { Param, type PipeTransform } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { notFound } from './api-error';

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

/** `@EscalationId() id: string`: the `:id` path parameter of an escalation, a uuid. */
export const EscalationId = (name = 'id') => Param(name, new UuidParamPipe('escalation'));
