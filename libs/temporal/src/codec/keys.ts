import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The environment variable holding the payload codec's key ring. */
export const ENCRYPTION_KEYS_VARIABLE = 'RESOLVE_ENCRYPTION_KEYS';

/** One AES-256 key of the ring: `id` is written in each payload it encrypts. */
export interface EncryptionKey {
  id: string;
  key: Buffer;
}

/** A key ring that cannot be used. The message names the variable and never echoes a key. */
export class EncryptionKeyError extends Error {
  constructor(problem: string, variable = ENCRYPTION_KEYS_VARIABLE) {
    super(
      `${variable}: ${problem}. Expected comma-separated id:base64key entries, each key 32 random bytes in base64 ` +
        `(e.g. generate one with: node -e "console.log('k1:' + require('crypto').randomBytes(32).toString('base64'))"); ` +
        'the first key encrypts, every key decrypts',
    );
    this.name = 'EncryptionKeyError';
  }
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Parses `id:base64key,id:base64key,...`. The first key encrypts; all of them decrypt, so a key
 * is rotated by putting a new one first and keeping the old ones for as long as histories
 * encrypted with them may be read.
 */
export function parseEncryptionKeys(
  value: string | undefined,
  variable = ENCRYPTION_KEYS_VARIABLE,
): EncryptionKey[] {
  if (value === undefined || value.trim() === '') throw new EncryptionKeyError('not set', variable);
  const keys: EncryptionKey[] = [];
  const entries = value.split(',').map((e) => e.trim());
  entries.forEach((entry, i) => {
    const where = `entry ${i + 1}`;
    const colon = entry.indexOf(':');
    if (colon < 0) throw new EncryptionKeyError(`${where} has no "id:" before the key`, variable);
    const id = entry.slice(0, colon).trim();
    const encoded = entry.slice(colon + 1).trim();
    if (!KEY_ID.test(id))
      throw new EncryptionKeyError(
        `${where}: key id must be 1-64 letters, digits, ".", "_" or "-"`,
        variable,
      );
    if (!BASE64.test(encoded)) throw new EncryptionKeyError(`key "${id}" is not base64`, variable);
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== 32)
      throw new EncryptionKeyError(`key "${id}" is ${key.length} bytes; AES-256 needs 32`, variable);
    if (keys.some((k) => k.id === id)) throw new EncryptionKeyError(`key id "${id}" appears twice`, variable);
    keys.push({ id, key });
  });
  return keys;
}

/** The key ring from an environment (entry points only pass `process.env`). */
export function encryptionKeysFromEnv(env: Record<string, string | undefined>): EncryptionKey[] {
  return parseEncryptionKeys(env[ENCRYPTION_KEYS_VARIABLE]);
}

/** A fresh `id:base64key` entry. */
export function generateEncryptionKey(
  id = `k${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`,
): string {
  if (!KEY_ID.test(id)) throw new EncryptionKeyError(`key id "${id}" is not usable`);
  return `${id}:${randomBytes(32).toString('base64')}`;
}

/**
 * The embedded default's key ring: read from `file`, or generated there (mode 0600) on first
 * use, so that the Temporal data kept beside it stays readable across restarts.
 */
export function loadOrCreateEncryptionKeys(file: string): string {
  if (existsSync(file)) {
    const stored = readFileSync(file, 'utf8').trim();
    parseEncryptionKeys(stored, file);
    return stored;
  }
  const ring = generateEncryptionKey('embedded-1');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${ring}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return ring;
}
