import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import {
  createDataConverter,
  dataConverterPlugin,
  ENCRYPTED_ENCODING,
  EncryptionCodec,
  FAILURE_CONVERTER_PATH,
  EncryptionKeyError,
  generateEncryptionKey,
  KEY_ID_METADATA,
  loadOrCreateEncryptionKeys,
  parseEncryptionKeys,
  payloadsFromJson,
  payloadsToJson,
  PayloadDecryptionError,
  payloadWorkflowId,
  WORKFLOW_ID_METADATA,
} from './index';

const text = (b?: Uint8Array | null) => Buffer.from(b ?? []).toString('utf8');
const toPayload = (v: unknown) => defaultPayloadConverter.toPayload(v) as Payload;
const fromPayload = (p: Payload) => defaultPayloadConverter.fromPayload(p);
const SECRET = { child: 'Keziah Blackwood', dateOfBirth: '2014-07-19', mosaicId: 'MOS-88317702' };

describe('EncryptionCodec', () => {
  const old = generateEncryptionKey('old');
  const next = generateEncryptionKey('new');

  it('round trip: every payload encrypted (binary/encrypted, key id), nothing readable, decoded back exactly', async () => {
    const codec = new EncryptionCodec(old);
    const originals = [
      toPayload(SECRET),
      toPayload(null),
      toPayload('x'.repeat(10_000)),
      toPayload(new Uint8Array([0, 1, 2])),
    ];
    const encoded = await codec.encode(originals);
    expect(encoded).toHaveLength(originals.length);
    for (const p of encoded) {
      expect(text(p.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
      expect(text(p.metadata![KEY_ID_METADATA])).toBe('old');
      expect(Object.keys(p.metadata!).sort()).toEqual(['encoding', KEY_ID_METADATA]);
      expect(text(p.data)).not.toMatch(/Keziah|2014-07-19|MOS-88317702|json/i);
    }
    // A fresh IV each time: the same value never encrypts to the same bytes.
    const [again] = await codec.encode([originals[0]]);
    expect(Buffer.from(again.data!).equals(Buffer.from(encoded[0].data!))).toBe(false);

    const decoded = await codec.decode(encoded);
    expect(decoded.map(fromPayload)).toEqual([SECRET, null, 'x'.repeat(10_000), new Uint8Array([0, 1, 2])]);
    expect(text(decoded[0].metadata!.encoding)).toBe('json/plain');
    expect(await codec.decode([])).toEqual([]);
  });

  it('tags a payload with the workflow it belongs to, authenticated: moved to another workflow it no longer decrypts', async () => {
    const codec = new EncryptionCodec(old);
    const context = { type: 'workflow', namespace: 'default', workflowId: 'escalation-a' } as const;
    const [tagged] = await codec.encode([toPayload(SECRET)], context);
    expect(payloadWorkflowId(tagged)).toBe('escalation-a');
    expect(fromPayload((await codec.decode([tagged]))[0])).toEqual(SECRET);
    const moved = {
      ...tagged,
      metadata: { ...tagged.metadata, [WORKFLOW_ID_METADATA]: Buffer.from('escalation-b') },
    };
    await expect(codec.decode([moved])).rejects.toThrow(PayloadDecryptionError);
    const { [WORKFLOW_ID_METADATA]: _, ...untaggedMetadata } = tagged.metadata!;
    await expect(codec.decode([{ ...tagged, metadata: untaggedMetadata }])).rejects.toThrow(
      PayloadDecryptionError,
    );
    // Without a context (the codec endpoint's encode), untagged as before.
    const [plain] = await codec.encode([toPayload(SECRET)]);
    expect(payloadWorkflowId(plain)).toBeNull();
  });

  it('rotation: a payload encrypted with the old key decrypts after a new key is put first; new payloads use the new key', async () => {
    const [written] = await new EncryptionCodec(old).encode([toPayload(SECRET)]);
    const rotated = new EncryptionCodec(`${next},${old}`);
    expect(rotated.encryptingKeyId).toBe('new');
    expect(fromPayload((await rotated.decode([written]))[0])).toEqual(SECRET);
    const [fresh] = await rotated.encode([toPayload(1)]);
    expect(text(fresh.metadata![KEY_ID_METADATA])).toBe('new');
    // Dropping the old key too early is a clear error, naming the key and the variable.
    await expect(new EncryptionCodec(next).decode([written])).rejects.toThrow(
      /encrypted with key "old", which is not in the key ring \(RESOLVE_ENCRYPTION_KEYS has: new\)/,
    );
  });

  it('tampered ciphertext, tag or key id fails authentication', async () => {
    const codec = new EncryptionCodec(`${old},${next}`);
    const [p] = await codec.encode([toPayload(SECRET)]);
    for (const index of [0, 12, 20, p.data!.length - 1]) {
      const data = Buffer.from(p.data!);
      data[index] ^= 0x01;
      await expect(codec.decode([{ ...p, data }])).rejects.toThrow(
        /failed authentication: the ciphertext was altered/,
      );
    }
    // The key id is authenticated: relabelling the payload with another key of the ring fails.
    const relabelled = { ...p, metadata: { ...p.metadata, [KEY_ID_METADATA]: Buffer.from('new') } };
    await expect(codec.decode([relabelled])).rejects.toThrow(PayloadDecryptionError);
    await expect(codec.decode([{ ...p, data: p.data!.subarray(0, 10) }])).rejects.toThrow(/truncated/);
  });

  it('a key with the right id but the wrong bytes fails clearly', async () => {
    const [p] = await new EncryptionCodec(old).encode([toPayload(SECRET)]);
    const impostor = new EncryptionCodec(generateEncryptionKey('old'));
    await expect(impostor.decode([p])).rejects.toThrow(
      /key "old" failed authentication.*not the key that encrypted it/,
    );
    const noId = { ...p, metadata: { encoding: p.metadata!.encoding } };
    await expect(impostor.decode([noId])).rejects.toThrow(/no encryption-key-id metadata/);
  });

  it('passes through payloads that were never encrypted', async () => {
    const plain = toPayload({ a: 1 });
    expect(await new EncryptionCodec(old).decode([plain])).toEqual([plain]);
  });

  it('createDataConverter gives one codec; the plugin adds it only where no codec is set', () => {
    const converter = createDataConverter(old);
    expect(converter.payloadCodecs).toHaveLength(1);
    expect(converter.payloadCodecs![0]).toBeInstanceOf(EncryptionCodec);
    // Failure messages and stack traces go through the codec too.
    expect(converter.failureConverterPath).toBe(FAILURE_CONVERTER_PATH);
    expect(require(FAILURE_CONVERTER_PATH).failureConverter.options.encodeCommonAttributes).toBe(true);
    const plugin = dataConverterPlugin(converter);
    expect(plugin.configureClient!({ namespace: 'x' }).dataConverter?.payloadCodecs).toBe(
      converter.payloadCodecs,
    );
    const own = { payloadCodecs: [new EncryptionCodec(next)] };
    expect(plugin.configureClient!({ dataConverter: own }).dataConverter).toBe(own);
  });
});

describe('RESOLVE_ENCRYPTION_KEYS', () => {
  const key = Buffer.alloc(32, 7).toString('base64');

  it('parses id:base64 entries, first encrypts', () => {
    const keys = parseEncryptionKeys(` a:${key} , b.2:${Buffer.alloc(32, 9).toString('base64')}`);
    expect(keys.map((k) => k.id)).toEqual(['a', 'b.2']);
    expect(keys[0].key).toEqual(Buffer.alloc(32, 7));
  });

  it.each([
    [undefined, /RESOLVE_ENCRYPTION_KEYS: not set/],
    ['', /RESOLVE_ENCRYPTION_KEYS: not set/],
    [key, /RESOLVE_ENCRYPTION_KEYS: entry 1 has no "id:"/],
    [
      `a:${Buffer.alloc(16).toString('base64')}`,
      /RESOLVE_ENCRYPTION_KEYS: key "a" is 16 bytes; AES-256 needs 32/,
    ],
    ['a:not base64!', /RESOLVE_ENCRYPTION_KEYS: key "a" is not base64/],
    [`a b:${key}`, /RESOLVE_ENCRYPTION_KEYS: entry 1: key id must be/],
    [`a:${key},a:${key}`, /RESOLVE_ENCRYPTION_KEYS: key id "a" appears twice/],
    ['validate-placeholder-not-a-key', /RESOLVE_ENCRYPTION_KEYS/],
  ])('refuses %p with a message naming the variable', (value, message) => {
    expect(() => parseEncryptionKeys(value)).toThrow(EncryptionKeyError);
    expect(() => parseEncryptionKeys(value)).toThrow(message);
  });

  it('never echoes key material in errors', () => {
    const secret = Buffer.alloc(20, 1).toString('base64');
    expect(() => parseEncryptionKeys(`a:${secret}`)).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(secret) }),
    );
  });

  it('the embedded key file is created once (mode 0600) and reused', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'resolve-keys-')), 'sub', 'encryption-keys');
    const first = loadOrCreateEncryptionKeys(file);
    expect(parseEncryptionKeys(first)).toHaveLength(1);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateEncryptionKeys(file)).toBe(first);
    expect(readFileSync(file, 'utf8').trim()).toBe(first);
  });
});

describe('remote codec JSON', () => {
  it('round trips payloads through the protocol JSON', async () => {
    const codec = new EncryptionCodec(generateEncryptionKey('k'));
    const encoded = await codec.encode([toPayload(SECRET)]);
    const json = JSON.parse(JSON.stringify(payloadsToJson(encoded)));
    expect(json.payloads[0].metadata.encoding).toBe(Buffer.from(ENCRYPTED_ENCODING).toString('base64'));
    const decoded = await codec.decode(payloadsFromJson(json));
    expect(fromPayload(decoded[0])).toEqual(SECRET);
  });

  it.each([
    [null],
    [{}],
    [{ payloads: {} }],
    [{ payloads: [1] }],
    [{ payloads: [{ metadata: { a: 1 } }] }],
    [{ payloads: [{ data: 'ä' }] }],
  ])('refuses %p', (body) => {
    expect(() => payloadsFromJson(body)).toThrow(/payloads/);
  });
});
