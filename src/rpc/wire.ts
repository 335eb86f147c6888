/**
 * The dispatcher's wire format: loads `proto/dispatcher.proto` (from the package root, so the
 * same code runs from `src` and `dist`) and maps its messages to and from our core types.
 * Messages are decoded by protobuf only; nothing received is ever evaluated.
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { AttemptKind } from '../core/split-state.js';
import type { InputResult } from '../worker/types.js';

/** Path of the `.proto` file: `<package root>/proto/dispatcher.proto`. */
export const DISPATCHER_PROTO_PATH = fileURLToPath(new URL('../../proto/dispatcher.proto', import.meta.url));

const SERVICE_NAME = 'obifaas.dispatcher.v1.Dispatcher';

export interface WireClassScore {
  classIndex: number;
  label: string;
  score: number;
}

export interface WireInputResult {
  key: string;
  outcome?: 'predictions' | 'error';
  predictions?: { top: WireClassScore[] } | null;
  error?: string;
}

export interface WireFinishedSplit {
  splitId: string;
  attempt: number;
  results: WireInputResult[];
}

export type WireResultStatus =
  'RESULT_STATUS_NONE' | 'RESULT_STATUS_ACCEPTED' | 'RESULT_STATUS_DUPLICATE' | 'RESULT_STATUS_REJECTED';

export type WireAttemptKind = 'ATTEMPT_KIND_FIRST' | 'ATTEMPT_KIND_RETRY' | 'ATTEMPT_KIND_COPY';

export interface WireAssignment {
  requestId: number;
  splitId: string;
  attempt: number;
  kind: WireAttemptKind;
  keys: string[];
  finishedStatus: WireResultStatus;
  finishedDetail: string;
}

export interface WireCancel {
  splitId: string;
  attempt: number;
  reason: string;
}

/** What a worker sends (as decoded; `kind` names the member set). */
export interface WireWorkerMessage {
  kind?: 'pull' | 'heartbeat';
  pull?: { requestId: number; finished: WireFinishedSplit | null } | null;
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

/** A Pull as the dispatcher understands it. */
export type WorkerRequest =
  | {
      type: 'pull';
      requestId: number;
      finished: { splitId: string; attempt: number; results: InputResult[] } | null;
    }
  | { type: 'heartbeat' }
  | { type: 'malformed'; problem: string };

/**
 * Wraps a decoder so that bytes which are not a valid message become `{malformed: why}` for the
 * handler to refuse, instead of an exception inside the gRPC library.
 */
function tolerant<T>(decode: (buf: Buffer) => T): (buf: Buffer) => T | { malformed: string } {
  return (buf) => {
    try {
      return decode(buf);
    } catch (err) {
      return { malformed: err instanceof Error ? err.message : String(err) };
    }
  };
}

let loaded: { service: grpc.ServiceDefinition; Client: grpc.ServiceClientConstructor } | null = null;

/** The Dispatcher service definition and client constructor (loaded once). */
export function dispatcherService(): {
  service: grpc.ServiceDefinition;
  Client: grpc.ServiceClientConstructor;
} {
  if (loaded) return loaded;
  const definition = protoLoader.loadSync(DISPATCHER_PROTO_PATH, {
    keepCase: false,
    longs: Number,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const methods = definition[SERVICE_NAME] as protoLoader.ServiceDefinition;
  const work = methods.Work as protoLoader.MethodDefinition<object, object>;
  work.requestDeserialize = tolerant(work.requestDeserialize);
  work.responseDeserialize = tolerant(work.responseDeserialize);
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    obifaas: { dispatcher: { v1: { Dispatcher: grpc.ServiceClientConstructor } } };
  };
  const Client = pkg.obifaas.dispatcher.v1.Dispatcher;
  loaded = { service: Client.service, Client };
  return loaded;
}

/** Core results to wire results. */
export function toWireResults(results: readonly InputResult[]): WireInputResult[] {
  return results.map((r) =>
    r.error !== null
      ? { key: r.key, error: r.error }
      : {
          key: r.key,
          predictions: {
            top: (r.top ?? []).map((c) => ({ classIndex: c.class, label: c.label ?? '', score: c.score })),
          },
        },
  );
}

/** Wire results to core results, or why they are not acceptable. */
export function fromWireResults(wire: readonly WireInputResult[]): InputResult[] | { problem: string } {
  const results: InputResult[] = [];
  for (const [i, r] of wire.entries()) {
    if (r.outcome === 'error' && typeof r.error === 'string') {
      results.push({ key: r.key, top: null, error: r.error });
    } else if (r.outcome === 'predictions' && r.predictions) {
      const top = r.predictions.top.map((c) =>
        c.label === ''
          ? { class: c.classIndex, score: c.score }
          : { class: c.classIndex, label: c.label, score: c.score },
      );
      results.push({ key: r.key, top, error: null });
    } else {
      return { problem: `results[${i}] (key ${JSON.stringify(r.key)}) has neither predictions nor an error` };
    }
  }
  return results;
}

/** Interprets a decoded WorkerMessage. */
export function parseWorkerMessage(message: WireWorkerMessage): WorkerRequest {
  if (message.malformed !== undefined)
    return { type: 'malformed', problem: `undecodable message: ${message.malformed}` };
  if (message.kind === 'heartbeat') return { type: 'heartbeat' };
  if (message.kind !== 'pull' || !message.pull)
    return { type: 'malformed', problem: 'message is neither a pull nor a heartbeat' };
  const { requestId, finished } = message.pull;
  if (!finished) return { type: 'pull', requestId, finished: null };
  const results = fromWireResults(finished.results);
  if (!Array.isArray(results)) return { type: 'malformed', problem: results.problem };
  return {
    type: 'pull',
    requestId,
    finished: { splitId: finished.splitId, attempt: finished.attempt, results },
  };
}

const KIND_TO_WIRE: Record<AttemptKind, WireAttemptKind> = {
  first: 'ATTEMPT_KIND_FIRST',
  retry: 'ATTEMPT_KIND_RETRY',
  copy: 'ATTEMPT_KIND_COPY',
};

export function attemptKindToWire(kind: AttemptKind): WireAttemptKind {
  return KIND_TO_WIRE[kind];
}

export function attemptKindFromWire(kind: WireAttemptKind): AttemptKind {
  return kind === 'ATTEMPT_KIND_RETRY' ? 'retry' : kind === 'ATTEMPT_KIND_COPY' ? 'copy' : 'first';
}
