/**
 * The shipped protocol definitions, validated, and the parser every definition goes through.
 *
 * Bundle-safe: no Node built-ins. The definitions are imported as JSON modules, so the Temporal
 * workflow bundle (webpack) carries them without `fs`. Reading a file from disk is in load.ts,
 * which index.ts does not export.
 */
import type { z } from 'zod';
import { protocolSchema, type Protocol } from './schema';

import bscb from '../definitions/bscb.json';
import demo from '../definitions/demo.json';
import lincolnshireJointAdults from '../definitions/lincolnshire-joint-adults.json';
import lincolnshireJointChildren from '../definitions/lincolnshire-joint-children.json';
import lincolnshireJointS117 from '../definitions/lincolnshire-joint-s117.json';
import lincolnshireLscp from '../definitions/lincolnshire-lscp.json';
import seftonSscp from '../definitions/sefton-sscp.json';
import suttonCpConference from '../definitions/sutton-cp-conference.json';
import suttonLscp from '../definitions/sutton-lscp.json';
import suttonStrategic from '../definitions/sutton-strategic.json';
import lincolnshireJointAdultsV1 from '../definitions/history/lincolnshire-joint-adults@1.json';
import lincolnshireJointChildrenV1 from '../definitions/history/lincolnshire-joint-children@1.json';
import lincolnshireJointS117V1 from '../definitions/history/lincolnshire-joint-s117@1.json';
import lincolnshireLscpV1 from '../definitions/history/lincolnshire-lscp@1.json';
import seftonSscpV1 from '../definitions/history/sefton-sscp@1.json';
import lincolnshireJointAdultsV2 from '../definitions/history/lincolnshire-joint-adults@2.json';
import lincolnshireJointChildrenV2 from '../definitions/history/lincolnshire-joint-children@2.json';
import lincolnshireJointS117V2 from '../definitions/history/lincolnshire-joint-s117@2.json';
import lincolnshireLscpV2 from '../definitions/history/lincolnshire-lscp@2.json';
import seftonSscpV2 from '../definitions/history/sefton-sscp@2.json';
import lincolnshireJointAdultsV3 from '../definitions/history/lincolnshire-joint-adults@3.json';
import lincolnshireJointChildrenV3 from '../definitions/history/lincolnshire-joint-children@3.json';
import lincolnshireJointS117V3 from '../definitions/history/lincolnshire-joint-s117@3.json';
import lincolnshireLscpV3 from '../definitions/history/lincolnshire-lscp@3.json';
import suttonCpConferenceV1 from '../definitions/history/sutton-cp-conference@1.json';
import seftonSscpV3 from '../definitions/history/sefton-sscp@3.json';
import bscbV1 from '../definitions/history/bscb@1.json';
import suttonLscpV1 from '../definitions/history/sutton-lscp@1.json';

/** File name → content, exactly as shipped in libs/protocols/definitions. Each file is named `<id>.json`. */
export const SHIPPED_DEFINITIONS: Readonly<Record<string, unknown>> = Object.freeze({
  'bscb.json': bscb,
  'demo.json': demo,
  'lincolnshire-joint-adults.json': lincolnshireJointAdults,
  'lincolnshire-joint-children.json': lincolnshireJointChildren,
  'lincolnshire-joint-s117.json': lincolnshireJointS117,
  'lincolnshire-lscp.json': lincolnshireLscp,
  'sefton-sscp.json': seftonSscp,
  'sutton-cp-conference.json': suttonCpConference,
  'sutton-lscp.json': suttonLscp,
  'sutton-strategic.json': suttonStrategic,
});

/**
 * Earlier versions of shipped protocols (`history/<id>@<version>.json`), kept so a case raised
 * under one keeps its records and forms in that version's words.
 */
export const SHIPPED_HISTORY: Readonly<Record<string, unknown>> = Object.freeze({
  'lincolnshire-joint-adults@1.json': lincolnshireJointAdultsV1,
  'lincolnshire-joint-children@1.json': lincolnshireJointChildrenV1,
  'lincolnshire-joint-s117@1.json': lincolnshireJointS117V1,
  'lincolnshire-lscp@1.json': lincolnshireLscpV1,
  'sefton-sscp@1.json': seftonSscpV1,
  'lincolnshire-joint-adults@2.json': lincolnshireJointAdultsV2,
  'lincolnshire-joint-children@2.json': lincolnshireJointChildrenV2,
  'lincolnshire-joint-s117@2.json': lincolnshireJointS117V2,
  'lincolnshire-lscp@2.json': lincolnshireLscpV2,
  'sefton-sscp@2.json': seftonSscpV2,
  'lincolnshire-joint-adults@3.json': lincolnshireJointAdultsV3,
  'lincolnshire-joint-children@3.json': lincolnshireJointChildrenV3,
  'lincolnshire-joint-s117@3.json': lincolnshireJointS117V3,
  'lincolnshire-lscp@3.json': lincolnshireLscpV3,
  'sutton-cp-conference@1.json': suttonCpConferenceV1,
  'sefton-sscp@3.json': seftonSscpV3,
  'bscb@1.json': bscbV1,
  'sutton-lscp@1.json': suttonLscpV1,
});

export interface ProtocolIssue {
  /** Field path as written in the file, e.g. `tiers[1].timescale.amount`; `(root)` for the whole file. */
  path: string;
  message: string;
}

/** A protocol file does not match the schema. The message names the file and every bad field. */
export class ProtocolValidationError extends Error {
  readonly code = 'protocol-invalid';
  constructor(
    readonly source: string,
    readonly issues: ProtocolIssue[],
  ) {
    super(issues.map((i) => `${source}: ${i.path}: ${i.message}`).join('\n'));
    this.name = 'ProtocolValidationError';
  }
}

export class UnknownProtocolError extends Error {
  readonly code = 'protocol-unknown';
  constructor(
    readonly id: string,
    readonly known: string[],
  ) {
    super(`Unknown protocol "${id}". Known protocols: ${known.join(', ')}`);
    this.name = 'UnknownProtocolError';
  }
}

/**
 * Validates `json` against the protocol schema and returns the typed definition (defaults filled).
 * Unknown fields are errors too: a misspelt optional field ("infrom") would otherwise be dropped
 * silently and a clause of the protocol lost.
 */
export function parseProtocol(json: unknown, sourceName: string): Protocol {
  const result = protocolSchema.safeParse(json);
  const issues: ProtocolIssue[] = [];
  if (!result.success) {
    for (const issue of result.error.issues) {
      issues.push({ path: formatPath(issue.path), message: describeIssue(issue) });
    }
  }
  collectUnknownKeys(protocolSchema as unknown as AnySchema, json, [], issues);
  if (issues.length > 0 || !result.success) {
    throw new ProtocolValidationError(sourceName, dedupe(issues));
  }
  return result.data;
}

/** `['tiers', 1, 'timescale', 'amount']` → `tiers[1].timescale.amount`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.expected === 'int') return 'must be a whole number';
      // zod does not keep the input in the issue; its message says what it received.
      if (issue.message.endsWith('received undefined')) return `is required (${article(issue.expected)})`;
      return `must be ${article(issue.expected)}`;
    }
    case 'too_small':
      if (issue.origin === 'number') {
        const min = Number(issue.minimum);
        if (min === 0 && !issue.inclusive) return 'must be a positive integer';
        return `must be at least ${issue.inclusive ? min : `more than ${min}`}`;
      }
      if (issue.origin === 'array')
        return `must have at least ${issue.minimum} item${Number(issue.minimum) === 1 ? '' : 's'}`;
      if (issue.origin === 'string') return 'must not be empty';
      return issue.message;
    case 'too_big':
      return issue.origin === 'number' ? `must be at most ${issue.maximum}` : issue.message;
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union': {
      const u = issue as { discriminator?: string; options?: unknown[] };
      if (u.options) return `must be one of ${u.options.map((v) => JSON.stringify(v)).join(', ')}`;
      return issue.message;
    }
    default:
      // invalid_format (regexes carry their own words), custom (superRefine), and the rest.
      return issue.message;
  }
}

function article(expected: string): string {
  if (expected === 'array') return 'a list';
  if (expected === 'object') return 'an object';
  return `a ${expected}`;
}

function dedupe(issues: ProtocolIssue[]): ProtocolIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.path}\u0000${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

type AnySchema = { _zod: { def: Record<string, unknown> & { type: string } } } & {
  safeParse(v: unknown): { success: boolean };
};

/** Walks the value along the schema and reports object keys the schema does not know. */
function collectUnknownKeys(
  schema: AnySchema,
  value: unknown,
  path: PropertyKey[],
  out: ProtocolIssue[],
): void {
  const def = schema._zod.def;
  switch (def.type) {
    case 'optional':
    case 'default':
    case 'prefault':
    case 'nullable':
    case 'readonly':
    case 'nonoptional':
    case 'catch':
      collectUnknownKeys(def.innerType as AnySchema, value, path, out);
      return;
    case 'pipe':
      collectUnknownKeys(def.in as AnySchema, value, path, out);
      return;
    case 'array':
      if (Array.isArray(value))
        value.forEach((v, i) => collectUnknownKeys(def.element as AnySchema, v, [...path, i], out));
      return;
    case 'union': {
      const options = def.options as AnySchema[];
      const discriminator = def.discriminator as string | undefined;
      const match = options.find((o) =>
        discriminator && isObject(value)
          ? shapeOf(o)?.[discriminator]?.safeParse(value[discriminator]).success
          : o.safeParse(value).success,
      );
      if (match) collectUnknownKeys(match, value, path, out);
      return;
    }
    case 'object': {
      if (!isObject(value)) return;
      const shape = def.shape as Record<string, AnySchema>;
      for (const key of Object.keys(value)) {
        const child = shape[key];
        if (!child) {
          out.push({
            path: formatPath([...path, key]),
            message: `unknown field (expected one of: ${Object.keys(shape).join(', ')})`,
          });
        } else {
          collectUnknownKeys(child, value[key], [...path, key], out);
        }
      }
      return;
    }
    default:
      return;
  }
}

function shapeOf(schema: AnySchema): Record<string, AnySchema> | undefined {
  return schema._zod.def.type === 'object' ? (schema._zod.def.shape as Record<string, AnySchema>) : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every known version of every protocol: the shipped ones, their history, and any registered. */
let versions: Map<string, Map<number, Protocol>> | null = null;
/** The latest version of each, recomputed when a version is added. */
let latest: Readonly<Record<string, Protocol>> | null = null;

function versionTable(): Map<string, Map<number, Protocol>> {
  if (versions) return versions;
  const table = new Map<string, Map<number, Protocol>>();
  const add = (protocol: Protocol) => {
    const byVersion = table.get(protocol.id) ?? new Map<number, Protocol>();
    byVersion.set(protocol.version, deepFreeze(protocol));
    table.set(protocol.id, byVersion);
  };
  for (const [file, json] of Object.entries(SHIPPED_DEFINITIONS)) {
    const protocol = parseProtocol(json, file);
    if (`${protocol.id}.json` !== file) {
      throw new ProtocolValidationError(file, [
        { path: 'id', message: `must match the file name ("${file.replace(/\.json$/, '')}")` },
      ]);
    }
    add(protocol);
  }
  for (const [file, json] of Object.entries(SHIPPED_HISTORY)) {
    const protocol = parseProtocol(json, file);
    if (`${protocol.id}@${protocol.version}.json` !== file) {
      throw new ProtocolValidationError(file, [
        { path: 'id', message: `id and version must match the file name ("${file}")` },
      ]);
    }
    add(protocol);
  }
  versions = table;
  return table;
}

/**
 * All protocols by id, each in its latest version, validated and deep-frozen: a workflow pins a
 * definition at start and nothing may change it afterwards. Throws ProtocolValidationError if a
 * shipped file is broken (the protocols spec keeps that from being committed).
 */
export function protocolRegistry(): Readonly<Record<string, Protocol>> {
  if (latest) return latest;
  const byId: Record<string, Protocol> = {};
  for (const [id, byVersion] of versionTable()) {
    byId[id] = byVersion.get(Math.max(...byVersion.keys()))!;
  }
  latest = Object.freeze(byId);
  return latest;
}

/**
 * Adds a protocol written as data outside the product (a partnership's own file, read by
 * `@resolve/protocols/files`): a new id, or a new version of a known one, which new cases then
 * take. The same id and version again is accepted only with the same content, so a version a
 * case is pinned to can never change under it.
 */
export function registerProtocol(protocol: Protocol, sourceName: string): 'added' | 'known' {
  const table = versionTable();
  const existing = table.get(protocol.id)?.get(protocol.version);
  if (existing) {
    if (JSON.stringify(existing) === JSON.stringify(protocol)) return 'known';
    throw new ProtocolValidationError(sourceName, [
      {
        path: 'version',
        message: `${protocol.id} version ${protocol.version} is already known with other content; give the changed protocol a new version`,
      },
    ]);
  }
  const byVersion = table.get(protocol.id) ?? new Map<number, Protocol>();
  byVersion.set(protocol.version, deepFreeze(JSON.parse(JSON.stringify(protocol)) as Protocol));
  table.set(protocol.id, byVersion);
  latest = null;
  return 'added';
}

export function getProtocol(id: string): Protocol {
  const found = protocolRegistry()[id];
  if (!found) throw new UnknownProtocolError(id, Object.keys(protocolRegistry()).sort());
  return found;
}

/** The version a case was raised under (its records and forms use its words). */
export function getProtocolVersion(id: string, version: number): Protocol {
  const found = versionTable().get(id)?.get(version);
  if (!found) throw new UnknownProtocolError(`${id} v${version}`, Object.keys(protocolRegistry()).sort());
  return found;
}

/** Every protocol in its latest version, sorted by id. */
export function listProtocols(): Protocol[] {
  const all = protocolRegistry();
  return Object.keys(all)
    .sort()
    .map((id) => all[id]);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
