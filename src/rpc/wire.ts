/**
 * The dispatcher's wire format: `proto/dispatcher.proto` (read from the package root, so the
 * same code runs from `src` and `dist`), its gRPC service definition, and the mapping of its
 * messages to our core types. Messages are decoded by protobuf only; nothing received is ever
 * evaluated.
 *
 * Messages are encoded and decoded with protobufjs directly rather than through
 * `@grpc/proto-loader`'s object conversion (`fromObject`/`toObject` on every message), which
 * roughly halves the codec's share of each assignment.
 */
import { fileURLToPath } from 'node:url';
import type * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import type { AssignedSplit, ReturnedStatus } from '../core/dispatch-core.js';
import type { AttemptKind } from '../core/split-state.js';
import { ERROR_KIND_RULE, INPUT_ERROR_KINDS, type InputResult } from '../core/prediction.js';
import { resultBoundsProblem } from '../protocol/result-bounds.js';
import { isVectorText } from '../protocol/vector-encoding.js';

/** Path of the `.proto` file: `<package root>/proto/dispatcher.proto`. */
export const DISPATCHER_PROTO_PATH = fileURLToPath(new URL('../../proto/dispatcher.proto', import.meta.url));

const PACKAGE = 'obifaas.dispatcher.v1';

/** Most splits one Pull may ask for. */
export const MAX_SPLITS_PER_PULL = 256;

export interface WireClassScore {
  classIndex: number;
  label: string;
  score: number;
}

/**
 * As decoded, `outcome` names the member set; when encoding, set `predictions`, `vector` (the
 * float32 values' little-endian bytes) or `error`.
 */
export interface WireInputResult {
  key: string;
  outcome?: 'predictions' | 'error' | 'vector';
  predictions?: { top: WireClassScore[] } | null;
  error?: string;
  vector?: Uint8Array;
  /** proto `ErrorKind`: 0 not said, then {@link ERROR_KINDS}' order from 1. */
  errorKind?: number;
}

/** proto `ErrorKind` from 1 (0: not said). */
const ERROR_KINDS = INPUT_ERROR_KINDS;

export interface WireFinishedSplit {
  splitId: string;
  attempt: number;
  results: WireInputResult[];
}

/** proto `ResultStatus`. */
export const ResultStatus = { accepted: 1, duplicate: 2, rejected: 3 } as const;
/** proto `AttemptKind`. */
const ATTEMPT_KINDS: readonly AttemptKind[] = ['first', 'retry', 'copy'];

export interface WireSplitToRun {
  splitId: string;
  attempt: number;
  kind: number;
  keys: string[];
}

export interface WireFinishedStatus {
  splitId: string;
  status: number;
  detail: string;
}

export interface WireAssignment {
  requestId: number;
  splits: WireSplitToRun[];
  finished: WireFinishedStatus[];
}

export interface WireCancel {
  splitId: string;
  attempt: number;
  reason: string;
}

/** What a worker sends (as decoded, `kind` names the member set). */
export interface WireWorkerMessage {
  kind?: 'pull' | 'heartbeat';
  pull?: { requestId: number; finished: WireFinishedSplit[]; maxSplits: number } | null;
  heartbeat?: object | null;
  /** Set by our decoder when the bytes were not a valid message. */
  malformed?: string;
}

/** What the dispatcher sends (as decoded). */
export interface WireDispatcherMessage {
  kind?: 'assignment' | 'cancel';
  assignment?: WireAssignment | null;
  cancel?: WireCancel | null;
  malformed?: string;
}

/** A finished split as the dispatcher understands it. */
export interface FinishedSplitRequest {
  splitId: string;
  attempt: number;
  results: InputResult[];
}

/** A worker message as the dispatcher understands it. */
export type WorkerRequest =
  | { type: 'pull'; requestId: number; maxSplits: number; finished: FinishedSplitRequest[] }
  | { type: 'heartbeat' }
  | { type: 'malformed'; problem: string };

/** Encoder and decoder of one message type; decoding never throws. */
function codec<T>(type: protobuf.Type): {
  encode: (m: T) => Buffer;
  decode: (b: Buffer) => T | { malformed: string };
} {
  return {
    encode: (message) => {
      const bytes = type.encode(message as object).finish();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
    decode: (buf) => {
      try {
        return type.decode(buf) as unknown as T;
      } catch (err) {
        return { malformed: err instanceof Error ? err.message : String(err) };
      }
    },
  };
}

let loaded: { service: grpc.ServiceDefinition; path: string } | null = null;

/** The gRPC definition of the Dispatcher service (loaded once from the `.proto`). */
export function dispatcherService(): { service: grpc.ServiceDefinition; path: string } {
  if (loaded) return loaded;
  const root = protobuf.loadSync(DISPATCHER_PROTO_PATH);
  const work = root.lookupService(`${PACKAGE}.Dispatcher`).methods.Work;
  if (!work?.requestStream || !work.responseStream)
    throw new Error(`${DISPATCHER_PROTO_PATH}: Work must be a bidirectional stream`);
  const request = codec<WireWorkerMessage>(root.lookupType(`${PACKAGE}.${work.requestType}`));
  const response = codec<WireDispatcherMessage>(root.lookupType(`${PACKAGE}.${work.responseType}`));
  const path = `/${PACKAGE}.Dispatcher/Work`;
  const service: grpc.ServiceDefinition = {
    Work: {
      path,
      requestStream: true,
      responseStream: true,
      requestSerialize: request.encode,
      requestDeserialize: request.decode,
      responseSerialize: response.encode,
      responseDeserialize: response.decode,
    },
  };
  loaded = { service, path };
  return loaded;
}

/** Core results to wire results (a vector travels as its bytes, not as base64 text). */
export function toWireResults(results: readonly InputResult[]): WireInputResult[] {
  return results.map((r) => {
    if (r.error !== null)
      return r.errorKind === undefined
        ? { key: r.key, error: r.error }
        : { key: r.key, error: r.error, errorKind: ERROR_KINDS.indexOf(r.errorKind) + 1 };
    if (r.vector !== undefined) return { key: r.key, vector: Buffer.from(r.vector, 'base64') };
    return {
      key: r.key,
      predictions: {
        top: (r.top ?? []).map((c) => ({ classIndex: c.class, label: c.label ?? '', score: c.score })),
      },
    };
  });
}

/** A decoded vector as core results carry it, or null when it is not whole float32 values. */
function vectorText(bytes: Uint8Array): string | null {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  return isVectorText(text) ? text : null;
}

/**
 * Wire results to core results, or why they are not acceptable: each must be a result a
 * function could have produced (`protocol/result-bounds.ts`).
 */
export function fromWireResults(wire: readonly WireInputResult[]): InputResult[] | { problem: string } {
  const results: InputResult[] = new Array(wire.length);
  for (let i = 0; i < wire.length; i++) {
    const r = wire[i] as WireInputResult;
    if (r.outcome === 'error' && typeof r.error === 'string') {
      const errorKind = ERROR_KINDS[(r.errorKind ?? 0) - 1];
      // As over HTTP, a kind no function sends is refused, not taken as permanent.
      if (errorKind === undefined && (r.errorKind ?? 0) !== 0)
        return {
          problem: `results[${i}] (key ${JSON.stringify(r.key)}): ${ERROR_KIND_RULE} (ErrorKind ${r.errorKind})`,
        };
      results[i] = errorKind
        ? { key: r.key, top: null, error: r.error, errorKind }
        : { key: r.key, top: null, error: r.error };
    } else if (r.outcome === 'vector' && r.vector) {
      const vector = vectorText(r.vector);
      if (vector === null)
        return {
          problem: `results[${i}] (key ${JSON.stringify(r.key)}): a vector of ${r.vector.byteLength} bytes is not float32 values`,
        };
      results[i] = { key: r.key, top: null, error: null, vector };
    } else if (r.outcome === 'predictions' && r.predictions) {
      const top = r.predictions.top.map((c) =>
        c.label === ''
          ? { class: c.classIndex, score: c.score }
          : { class: c.classIndex, label: c.label, score: c.score },
      );
      results[i] = { key: r.key, top, error: null };
    } else {
      return { problem: `results[${i}] (key ${JSON.stringify(r.key)}) has no predictions, vector or error` };
    }
    const problem = resultBoundsProblem(results[i] as InputResult);
    if (problem !== undefined) return { problem: `results[${i}]: ${problem}` };
  }
  return results;
}

/** Interprets a decoded WorkerMessage. */
export function parseWorkerMessage(message: WireWorkerMessage): WorkerRequest {
  if (message.malformed !== undefined)
    return { type: 'malformed', problem: `undecodable message: ${message.malformed}` };
  if (message.kind === 'heartbeat') return { type: 'heartbeat' };
  if (message.kind !== 'pull' || !message.pull) {
    return { type: 'malformed', problem: 'message is neither a pull nor a heartbeat' };
  }
  const { requestId, maxSplits } = message.pull;
  if (maxSplits > MAX_SPLITS_PER_PULL) {
    return { type: 'malformed', problem: `max_splits ${maxSplits} is above ${MAX_SPLITS_PER_PULL}` };
  }
  const finished: FinishedSplitRequest[] = [];
  for (const split of message.pull.finished) {
    const results = fromWireResults(split.results);
    if (!Array.isArray(results))
      return { type: 'malformed', problem: `split ${split.splitId}: ${results.problem}` };
    finished.push({ splitId: split.splitId, attempt: split.attempt, results });
  }
  return { type: 'pull', requestId, maxSplits: Math.max(1, maxSplits), finished };
}

export function attemptKindToWire(kind: AttemptKind): number {
  return ATTEMPT_KINDS.indexOf(kind);
}

export function attemptKindFromWire(kind: number): AttemptKind {
  return ATTEMPT_KINDS[kind] ?? 'first';
}

/** A split's status as the dispatcher returns it to the worker that finished it. */
export const toWireStatus = (s: ReturnedStatus): WireFinishedStatus => ({
  splitId: s.splitId,
  status: ResultStatus[s.status],
  detail: s.detail,
});

/** Splits assigned to a worker, as the dispatcher sends them. */
export const toWireSplits = (splits: readonly AssignedSplit[]): WireSplitToRun[] =>
  splits.map(({ splitId, attempt, kind, keys }) => ({
    splitId,
    attempt,
    kind: attemptKindToWire(kind),
    keys: keys as string[],
  }));
