import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { DataConverter, Payload, PayloadCodec, SerializationContext } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { parseEncryptionKeys, type EncryptionKey } from './keys';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
/**
 * The workflow a payload belongs to, in clear beside the ciphertext and authenticated with it:
 * what /codec checks the caller's partnership against (through the escalation's row).
 */
export const WORKFLOW_ID_METADATA = 'resolve-workflow-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | null | undefined) => (b ? Buffer.from(b).toString('utf8') : undefined);

/** A payload that cannot be decrypted: unknown key id, altered bytes, or the wrong key. */
export class PayloadDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadDecryptionError';
  }
}

/** The workflow a payload was tagged with when encrypted; null for payloads without a tag. */
export function payloadWorkflowId(payload: Payload): string | null {
  return text(payload.metadata?.[WORKFLOW_ID_METADATA]) ?? null;
}

/** The authenticated data: the key id, and the workflow tag when there is one (so it cannot be moved). */
const additionalData = (keyId: string, workflowId: string | undefined) =>
  Buffer.from(workflowId === undefined ? keyId : `${keyId}\u0000${workflowId}`, 'utf8');

/**
 * Encrypts every payload with AES-256-GCM before it leaves the process, so nothing Temporal
 * stores (inputs, results, update and signal arguments, memos, activity inputs) is readable
 * without a key. The whole original payload (metadata and data) is the plaintext; the key id
 * is authenticated as additional data. Search attributes and headers are not payloads the SDK
 * runs through codecs, so they must never carry personal data (they carry ids).
 *
 * Decoding passes through payloads that are not encrypted (written before encryption was on).
 */
export class EncryptionCodec implements PayloadCodec {
  private readonly keys: EncryptionKey[];

  constructor(keys: EncryptionKey[] | string) {
    this.keys = typeof keys === 'string' ? parseEncryptionKeys(keys) : keys;
    if (this.keys.length === 0) throw new Error('EncryptionCodec needs at least one key');
  }

  /** The id of the key that encrypts. */
  get encryptingKeyId(): string {
    return this.keys[0].id;
  }

  /**
   * The SDK passes the workflow a payload belongs to (its input, an update's arguments, an
   * activity it scheduled): the payload is tagged with it. Without one (the codec endpoint's
   * encode, a client call without context) it is left untagged.
   */
  async encode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    const { id, key } = this.keys[0];
    const workflowId = context?.workflowId || undefined;
    return payloads.map((payload) => {
      const plaintext = temporal.api.common.v1.Payload.encode(payload).finish();
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(additionalData(id, workflowId));
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return {
        metadata: {
          encoding: utf8(ENCRYPTED_ENCODING),
          [KEY_ID_METADATA]: utf8(id),
          ...(workflowId === undefined ? {} : { [WORKFLOW_ID_METADATA]: utf8(workflowId) }),
        },
        data: new Uint8Array(Buffer.concat([iv, body, cipher.getAuthTag()])),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
      const id = text(payload.metadata?.[KEY_ID_METADATA]);
      if (!id) throw new PayloadDecryptionError(`encrypted payload has no ${KEY_ID_METADATA} metadata`);
      const entry = this.keys.find((k) => k.id === id);
      if (!entry) {
        throw new PayloadDecryptionError(
          `payload was encrypted with key "${id}", which is not in the key ring (RESOLVE_ENCRYPTION_KEYS has: ${this.keys.map((k) => k.id).join(', ')})`,
        );
      }
      const data = Buffer.from(payload.data ?? new Uint8Array());
      if (data.length < IV_BYTES + TAG_BYTES)
        throw new PayloadDecryptionError(`encrypted payload (key "${id}") is truncated`);
      try {
        const decipher = createDecipheriv('aes-256-gcm', entry.key, data.subarray(0, IV_BYTES));
        decipher.setAAD(additionalData(id, text(payload.metadata?.[WORKFLOW_ID_METADATA])));
        decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
        const plaintext = Buffer.concat([
          decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
          decipher.final(),
        ]);
        return temporal.api.common.v1.Payload.decode(plaintext) as Payload;
      } catch {
        throw new PayloadDecryptionError(
          `payload encrypted with key "${id}" failed authentication: the ciphertext was altered or key "${id}" is not the key that encrypted it`,
        );
      }
    });
  }
}

/**
 * The module whose `failureConverter` encodes failure messages and stack traces into payloads,
 * so the codec encrypts them too. Clients and workers load it from here; the workflow bundle
 * (escalationWorkflowBundle) is built with it.
 */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

/** The data converter of every Temporal client and worker of Resolve. */
export function createDataConverter(keys: EncryptionKey[] | string | EncryptionCodec): DataConverter {
  return {
    payloadCodecs: [keys instanceof EncryptionCodec ? keys : new EncryptionCodec(keys)],
    failureConverterPath: FAILURE_CONVERTER_PATH,
  };
}
