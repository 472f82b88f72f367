import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { protocolSchema } from './schema';

/**
 * Issue 12: "every field in the schema is read by something". A field a partnership fills in that
 * no code reads is a promise the product silently breaks, so each key of the protocol schema must
 * be named somewhere in the source that runs (libs, services, workflows; not the schema itself,
 * not tests, not the definition files).
 *
 * The check is by name: a key also used elsewhere for something else (`email`, `title`) passes
 * whether or not the protocol's field is read. It catches the distinctive settings, which are the
 * ones that went unread.
 */

const ROOT = path.resolve(__dirname, '../../..');
const SEARCHED = ['libs', 'services', 'workflows'];
const SCHEMA_FILE = path.join(ROOT, 'libs/protocols/src/schema.ts');
const SOURCE = /\.(ts|njk|html|hbs|mjml|txt)$/;
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'test', 'tests', '__fixtures__', 'history']);

/**
 * Fields stored and not yet read, each with why it stays and where it would be read. Shrink this
 * list; never grow it. The test fails when a field here starts being read (take it off the list)
 * and when a field outside it is not read (read it, or remove it from the schema).
 */
const KNOWN_UNREAD: Readonly<Record<string, string>> = {
  timezone:
    "a literal ('Europe/London'): the one zone the engine implements; a file naming another is refused by the schema",
  workingDayEnds:
    "a literal ('close-of-business'): the one reading the engine implements; a file naming another is refused by the schema",
  hoursWrittenWithDays:
    'a summary of how the file writes "48 hours (2 working days)"; each tier\'s timescale unit is what the engine reads',
  furtherDaysFrom:
    'a summary of "a further N working days"; each tier\'s timescale.from (previous-deadline or tier-start) is what the engine reads',
};

/** Every object key of a zod (v4) schema, however deeply nested in arrays, unions and wrappers. */
function schemaKeys(schema: unknown, into = new Set<string>(), seen = new Set<unknown>()): Set<string> {
  if (!schema || typeof schema !== 'object' || seen.has(schema)) return into;
  seen.add(schema);
  const def = (schema as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
  if (!def) return into;
  const shape = def.shape as Record<string, unknown> | undefined;
  if (shape) {
    for (const [key, child] of Object.entries(shape)) {
      into.add(key);
      schemaKeys(child, into, seen);
    }
  }
  for (const inner of ['element', 'innerType', 'in', 'out', 'valueType', 'left', 'right', 'catchall']) {
    schemaKeys(def[inner], into, seen);
  }
  for (const list of ['options', 'items']) {
    const members = def[list];
    if (Array.isArray(members)) members.forEach((m) => schemaKeys(m, into, seen));
  }
  return into;
}

function sourceFiles(dir: string, into: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) {
      if (!SKIPPED_DIRS.has(name) && !name.startsWith('.')) sourceFiles(full, into);
    } else if (SOURCE.test(name) && !/\.(int-)?spec\.ts$/.test(name) && full !== SCHEMA_FILE) {
      into.push(full);
    }
  }
  return into;
}

describe('protocol schema fields', () => {
  const keys = [...schemaKeys(protocolSchema)].sort();
  const source = SEARCHED.flatMap((d) => sourceFiles(path.join(ROOT, d)))
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  const read = (key: string) => new RegExp(`\\b${key}\\b`).test(source);

  it('finds the schema’s keys, nested ones included', () => {
    expect(keys).toEqual(
      expect.arrayContaining(['tiers', 'timescale', 'channels', 'finalDecision', 'panelSize']),
    );
  });

  it('has every field read by the code outside the schema, but for the known list', () => {
    const unread = keys.filter((k) => !read(k) && !(k in KNOWN_UNREAD));
    expect(unread).toEqual([]);
  });

  it('keeps the known-unread list honest: a field read now comes off it, a field gone too', () => {
    const stale = Object.keys(KNOWN_UNREAD).filter((k) => read(k) || !keys.includes(k));
    expect(stale).toEqual([]);
  });
});
