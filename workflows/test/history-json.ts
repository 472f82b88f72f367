import path from 'node:path';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

/**
 * Workflow histories to and from Temporal's JSON form (what `temporal workflow show --output json`
 * writes and the Web UI downloads), for the replay fixtures.
 *
 * The SDK has `historyToJSON` / `historyFromJSON` in @temporalio/common/lib/proto-utils, and
 * `Worker.runReplayHistory` calls the latter for JSON input. In this repository's install they
 * throw "type must be a Type": @temporalio/common and @temporalio/proto each get their own copy
 * of protobufjs 8 (the hoisted one is 7, for @grpc/proto-loader), and protobufjs's JSON codec
 * checks `instanceof Type` against its own copy. These do the same with the protobufjs copy that
 * @temporalio/proto's message types were built with, so the check holds however npm lays the
 * packages out; the replay tests hand the Worker decoded History objects.
 */
type ProtoJson = {
  toJson(type: unknown, message: unknown, options?: object): unknown;
  fromJson(type: unknown, json: unknown, options?: object): unknown;
};
const protojson = require(
  require.resolve('protobufjs/ext/protojson', {
    paths: [path.dirname(require.resolve('@temporalio/proto/package.json'))],
  }),
) as ProtoJson;

type History = temporal.api.history.v1.History;
const HistoryMessage = temporal.api.history.v1.History;

const patched = patchProtobufRoot(require('@temporalio/proto')) as unknown as {
  lookupType(name: string): unknown;
};
const historyType = patched.lookupType('temporal.api.history.v1.History');

export function historyToJson(history: temporal.api.history.v1.IHistory): unknown {
  return protojson.toJson(historyType, HistoryMessage.fromObject(history));
}

/** Accepts the canonical JSON form (enum names such as EVENT_TYPE_WORKFLOW_EXECUTION_STARTED). */
export function historyFromJson(json: unknown): History {
  if (typeof json !== 'object' || json === null || !Array.isArray((json as { events?: unknown }).events)) {
    throw new TypeError('expected a history: an object with an array of events');
  }
  const history = protojson.fromJson(historyType, json, { ignoreUnknownFields: true }) as History | null;
  if (!history) throw new TypeError('invalid history JSON');
  return history;
}

type JsonPayload = { metadata?: Record<string, string>; data?: string };

const isPayload = (v: unknown): v is JsonPayload =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as JsonPayload).metadata === 'object' &&
  typeof (v as JsonPayload).metadata?.encoding === 'string';

/**
 * Runs every payload of a history (JSON form) through the codecs' `decode`, wherever it sits
 * (inputs, results, update arguments and outcomes, memos, failures), so a fixture holds plain
 * `json/plain` payloads a reviewer can read, not ciphertext only this test run's key opens.
 */
export async function decodeHistoryPayloads(
  json: unknown,
  codecs: readonly PayloadCodec[],
): Promise<unknown> {
  const visit = async (v: unknown): Promise<unknown> => {
    if (Array.isArray(v)) return Promise.all(v.map(visit));
    if (typeof v !== 'object' || v === null) return v;
    if (isPayload(v)) {
      let payload: Payload = {
        metadata: Object.fromEntries(
          Object.entries(v.metadata ?? {}).map(([k, b64]) => [k, Buffer.from(b64, 'base64')]),
        ),
        data: Buffer.from(v.data ?? '', 'base64'),
      };
      for (const codec of [...codecs].reverse()) [payload] = await codec.decode([payload]);
      return {
        metadata: Object.fromEntries(
          Object.entries(payload.metadata ?? {}).map(([k, b]) => [k, Buffer.from(b).toString('base64')]),
        ),
        ...(payload.data?.length ? { data: Buffer.from(payload.data).toString('base64') } : {}),
      };
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = await visit(x);
    return out;
  };
  return visit(json);
}
