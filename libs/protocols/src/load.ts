/**
 * Reading protocol files from disk, for the CLI, tests and tooling. Uses `fs`, so it is NOT
 * exported from index.ts: the Temporal workflow bundle imports index.ts and must not pull in
 * Node built-ins. Import it as `@resolve/protocols/files` (an alias in tsconfig.base.json).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseProtocol, ProtocolValidationError, registerProtocol } from './registry';
import type { Protocol } from './schema';

export { parseProtocol, ProtocolValidationError, type ProtocolIssue } from './registry';

/** The directory holding the shipped definitions (libs/protocols/definitions). */
export const DEFINITIONS_DIR = resolve(__dirname, '..', 'definitions');

/** The file could not be read at all (missing, a directory, no permission). */
export class ProtocolFileError extends Error {
  readonly code = 'protocol-file-unreadable';
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: cannot read: ${reason}`);
    this.name = 'ProtocolFileError';
  }
}

/**
 * Reads and validates one protocol file. Errors name the file by its base name, as in
 * `sefton-sscp.json: tiers[1].timescale.amount: must be a positive integer`.
 */
export function loadProtocolFile(path: string): Protocol {
  const name = basename(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new ProtocolFileError(
      name,
      err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : err.message,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ProtocolValidationError(name, [
      { path: '(root)', message: `not valid JSON: ${(e as Error).message}` },
    ]);
  }
  return parseProtocol(json, name);
}

/** Every `*.json` in a directory (default: the shipped definitions), sorted by name. */
export function protocolFilesIn(dir: string = DEFINITIONS_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => join(dir, f));
}

/**
 * A partnership's own protocol folder (PROTOCOLS_DIR): every `*.json` in it is validated and
 * offered to new cases, with no code change or rebuild. `refresh` reads the folder again and
 * registers files that are new or changed since the last read; a file that does not validate is
 * reported (with every bad field) and not offered, and the others still are.
 */
export class ProtocolFolder {
  private seen = new Map<string, number>();
  private lastRead = 0;

  constructor(
    readonly dir: string,
    /** Reads at most this often; every call in between answers from the last read. */
    private readonly minIntervalMs = 1000,
  ) {}

  refresh(now = Date.now()): { added: string[]; errors: Error[] } {
    const added: string[] = [];
    const errors: Error[] = [];
    if (now - this.lastRead < this.minIntervalMs) return { added, errors };
    this.lastRead = now;
    let files: string[];
    try {
      files = protocolFilesIn(this.dir);
    } catch (e) {
      return { added, errors: [new ProtocolFileError(this.dir, (e as Error).message)] };
    }
    for (const file of files) {
      let mtime: number;
      try {
        mtime = statSync(file).mtimeMs;
      } catch {
        continue; // removed between the listing and now
      }
      if (this.seen.get(file) === mtime) continue;
      try {
        const protocol = loadProtocolFile(file);
        if (registerProtocol(protocol, basename(file)) === 'added')
          added.push(`${protocol.id} v${protocol.version}`);
        this.seen.set(file, mtime);
      } catch (e) {
        errors.push(e as Error);
        this.seen.set(file, mtime); // reported once; a corrected file has a new mtime
      }
    }
    return { added, errors };
  }
}
