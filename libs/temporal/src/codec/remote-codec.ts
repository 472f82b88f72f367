import type { Payload } from '@temporalio/common';

/**
 * The Temporal remote codec protocol's body: `{ payloads: [{ metadata: { key: base64 }, data: base64 }] }`
 * (Payloads in protobuf JSON), as the Web UI and the CLI send to `<endpoint>/decode` and `/encode`.
 */
export interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

export class RemoteCodecBodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RemoteCodecBodyError';
  }
}

const BASE64 = /^[A-Za-z0-9+/\-_]*={0,2}$/;
const MAX_PAYLOADS = 1000;

function bytes(value: unknown, where: string): Uint8Array {
  if (typeof value !== 'string' || !BASE64.test(value))
    throw new RemoteCodecBodyError(`${where} must be a base64 string`);
  return new Uint8Array(Buffer.from(value, 'base64'));
}

/** Reads a request body into payloads, or throws RemoteCodecBodyError saying what is wrong. */
export function payloadsFromJson(body: unknown): Payload[] {
  const list = (body as { payloads?: unknown } | null)?.payloads;
  if (!body || typeof body !== 'object' || !Array.isArray(list))
    throw new RemoteCodecBodyError('body must be {"payloads": [...]}');
  if (list.length > MAX_PAYLOADS)
    throw new RemoteCodecBodyError(`at most ${MAX_PAYLOADS} payloads per request`);
  return list.map((p: unknown, i) => {
    if (!p || typeof p !== 'object') throw new RemoteCodecBodyError(`payloads[${i}] must be an object`);
    const { metadata, data } = p as { metadata?: unknown; data?: unknown };
    if (
      metadata !== undefined &&
      (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))
    ) {
      throw new RemoteCodecBodyError(`payloads[${i}].metadata must be an object of base64 strings`);
    }
    const meta: Record<string, Uint8Array> = {};
    for (const [k, v] of Object.entries((metadata ?? {}) as Record<string, unknown>))
      meta[k] = bytes(v, `payloads[${i}].metadata.${k}`);
    return {
      metadata: meta,
      data: data === undefined || data === null ? new Uint8Array() : bytes(data, `payloads[${i}].data`),
    };
  });
}

/** Payloads as the protocol's JSON. */
export function payloadsToJson(payloads: Payload[]): { payloads: JsonPayload[] } {
  return {
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(
        Object.entries(p.metadata ?? {}).map(([k, v]) => [
          k,
          Buffer.from(v ?? new Uint8Array()).toString('base64'),
        ]),
      ),
      data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
    })),
  };
}
