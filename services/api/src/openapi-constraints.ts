import { getMetadataStorage } from 'class-validator';
import type { OpenAPIObject } from '@nestjs/swagger';
import * as directoryDtos from './directory/dto/directory.dto';
import * as actionDtos from './escalations/dto/action.dto';
import * as correctionDtos from './escalations/dto/correction.dto';
import * as raiseDtos from './escalations/dto/raise-escalation.dto';

type DtoClass = new (...args: never[]) => object;

/** Every request body class, by the name its schema has in the document. */
const DTO_CLASSES: Map<string, DtoClass> = new Map(
  (Object.values({ ...directoryDtos, ...actionDtos, ...correctionDtos, ...raiseDtos }) as unknown[])
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
      const target =
        meta.each && property.type === 'array' && typeof property.items === 'object'
          ? (property.items as Record<string, unknown>)
          : property;
      applyConstraint(target, meta.name ?? meta.type, meta.constraints ?? []);
    }
  }
  return doc;
}

function setIfAbsent(schema: Record<string, unknown>, key: string, value: unknown) {
  if (value !== undefined && value !== null && schema[key] === undefined) schema[key] = value;
}

/** Validator name → the schema keyword it becomes, and which of its constraints gives the value. */
const FROM_CONSTRAINT: Record<string, [keyword: string, index: number][]> = {
  isLength: [
    ['minLength', 0],
    ['maxLength', 1],
  ],
  minLength: [['minLength', 0]],
  maxLength: [['maxLength', 0]],
  arrayMinSize: [['minItems', 0]],
  arrayMaxSize: [['maxItems', 0]],
  min: [['minimum', 0]],
  max: [['maximum', 0]],
  isIn: [['enum', 0]],
};

/** Validator name → the `format` it implies. An ISO 8601 field is an instant unless its @ApiProperty says `format: 'date'`. */
const FORMATS: Record<string, string> = { isUuid: 'uuid', isEmail: 'email', isIso8601: 'date-time' };

function applyConstraint(schema: Record<string, unknown>, name: string, c: unknown[]) {
  for (const [keyword, index] of FROM_CONSTRAINT[name] ?? []) setIfAbsent(schema, keyword, c[index]);
  if (FORMATS[name]) setIfAbsent(schema, 'format', FORMATS[name]);
  if (name === 'matches') setIfAbsent(schema, 'pattern', c[0] instanceof RegExp ? c[0].source : c[0]);
  if (name === 'isNotEmpty' && schema.type === 'string') setIfAbsent(schema, 'minLength', 1);
  if (name === 'isInt') schema.type = 'integer';
}
