import { getMetadataStorage } from 'class-validator';
import type { OpenAPIObject } from '@nestjs/swagger';
import * as directoryDtos from './directory/dto/directory.dto';
import * as actionDtos from './escalations/dto/action.dto';
import * as raiseDtos from './escalations/dto/raise-escalation.dto';

type DtoClass = new (...args: never[]) => object;

/** Every request body class, by the name its schema has in the document. */
const DTO_CLASSES: Map<string, DtoClass> = new Map(
  (Object.values({ ...directoryDtos, ...actionDtos, ...raiseDtos }) as unknown[])
    .filter((v): v is DtoClass => typeof v === 'function')
    .map((c) => [c.name, c]),
);

type Schema = Record<string, unknown> & { properties?: Record<string, Record<string, unknown>> };

/**
 * Copies the limits the API enforces (class-validator decorators on the request bodies) into the
 * document's schemas: lengths, patterns, allowed values, array sizes, number ranges, uuid formats.
 * Without them the document is looser than the API, so a client generated from it (or the
 * fuzzer, fuzz/run.sh) builds requests the API can only refuse. A limit written by hand in
 * `@ApiProperty` wins.
 */
export function withValidationConstraints(doc: OpenAPIObject): OpenAPIObject {
  const storage = getMetadataStorage();
  for (const [name, schema] of Object.entries((doc.components?.schemas ?? {}) as Record<string, Schema>)) {
    const dto = DTO_CLASSES.get(name);
    if (!dto || !schema.properties) continue;
    for (const meta of storage.getTargetValidationMetadatas(dto, '', true, false)) {
      const property = schema.properties[meta.propertyName];
      if (!property) continue;
      const target = meta.each && property.type === 'array' && typeof property.items === 'object' ? (property.items as Record<string, unknown>) : property;
      applyConstraint(target, meta.name ?? meta.type, meta.constraints ?? []);
    }
  }
  return doc;
}

function setIfAbsent(schema: Record<string, unknown>, key: string, value: unknown) {
  if (value !== undefined && value !== null && schema[key] === undefined) schema[key] = value;
}

function applyConstraint(schema: Record<string, unknown>, name: string, c: unknown[]) {
  switch (name) {
    case 'isLength':
      setIfAbsent(schema, 'minLength', c[0]);
      setIfAbsent(schema, 'maxLength', c[1]);
      return;
    case 'minLength':
      setIfAbsent(schema, 'minLength', c[0]);
      return;
    case 'maxLength':
      setIfAbsent(schema, 'maxLength', c[0]);
      return;
    case 'isNotEmpty':
      if (schema.type === 'string') setIfAbsent(schema, 'minLength', 1);
      return;
    case 'matches':
      setIfAbsent(schema, 'pattern', c[0] instanceof RegExp ? c[0].source : c[0]);
      return;
    case 'isIn':
      if (Array.isArray(c[0])) setIfAbsent(schema, 'enum', c[0]);
      return;
    case 'isUuid':
      setIfAbsent(schema, 'format', 'uuid');
      return;
    case 'isEmail':
      setIfAbsent(schema, 'format', 'email');
      return;
    case 'isIso8601':
      // An instant; a date-only field says `format: 'date'` in its @ApiProperty.
      setIfAbsent(schema, 'format', 'date-time');
      return;
    case 'arrayMinSize':
      setIfAbsent(schema, 'minItems', c[0]);
      return;
    case 'arrayMaxSize':
      setIfAbsent(schema, 'maxItems', c[0]);
      return;
    case 'min':
      setIfAbsent(schema, 'minimum', c[0]);
      return;
    case 'max':
      setIfAbsent(schema, 'maximum', c[0]);
      return;
    case 'isInt':
      schema.type = 'integer';
      return;
  }
}
