/**
 * The contract of one function invocation: a payload in, a result out. The same shapes travel
 * over every backend (child-process IPC, Lambda Invoke, HTTP), so they are plain JSON.
 */
import type { WorkerFaults } from '../core/faults.js';
import type { InputResult } from '../core/prediction.js';
import type { Split } from '../core/splitting.js';
import type { StorageRef } from '../core/storage-ref.js';
import type { ResolvedPreprocess } from './preprocess.js';
import type { Task } from './task-schema.js';

/** Settings of the three pipeline stages, as in the reference's worker config. */
export interface PipelineConfig {
  load: { concurrency: number };
  preprocess: { concurrency: number };
  predict: {
    batchSize: number;
    intraOpThreads: number;
    interOpThreads: number;
    /** Concurrent sessions, each taking a slice of the batch (the reference's "forks"). */
    replicas: number;
  };
  /** How many classes to report per input. */
  topK: number;
}

/** Which model to run. `uri` is a local path or a storage URI such as `s3://bucket/key.onnx`. */
export interface ModelRef {
  uri: string;
  /** Optional labels file, one class name per line, line i = class i. */
  labelsUri?: string;
  /**
   * How image bytes become the model's input, as the job resolved it (flags, job spec, the
   * model's metadata, defaults). Absent: preset `imagenet` at the model's size.
   */
  preprocess?: ResolvedPreprocess;
  /**
   * The SHA-256 (hex) of the model file as the job started with it: a function refuses a model
   * whose bytes differ (the model changed since the job started). Absent: not checked.
   */
  sha256?: string;
  /**
   * The SHA-256 (hex) of the labels file as the job started with it: a function refuses labels
   * whose bytes differ, as it refuses such a model. Absent: not checked.
   */
  labelsSha256?: string;
}

/** Where a dynamic worker pulls splits from. */
export interface DispatcherRef {
  host: string;
  port: number;
  /** The job's secret; sent as call metadata, never logged. */
  token: string;
  keepAliveIntervalMs: number;
  /**
   * TLS: the dispatcher's certificate (PEM, never its key), which the worker pins: it trusts
   * this certificate only. Absent: the dispatcher speaks clear text (loopback, or by choice).
   */
  tls?: { cert: string };
}

/** What every payload that runs the pipeline carries, whichever way its worker gets splits. */
export interface WorkPayloadFields {
  jobId: string;
  workerId: string;
  model: ModelRef;
  storage: StorageRef;
  pipeline: PipelineConfig;
  /** What to compute from the model's output (absent: classify its first output). */
  task?: Task;
  faults?: WorkerFaults;
}

/** A split of a static payload, with which attempt of the split it is. */
export interface StaticSplit extends Split {
  /** 0 for the first attempt (also when absent). */
  attempt?: number;
}

/** What a function invocation receives. */
export type WorkerPayload =
  | { kind: 'ping' }
  | (WorkPayloadFields & { kind: 'static'; splits: StaticSplit[] })
  | (WorkPayloadFields & { kind: 'dynamic'; dispatcher: DispatcherRef });

/** Outcome of one split. */
export interface SplitResult {
  splitId: string;
  results: InputResult[];
  startedAt: number;
  endedAt: number;
}

/** Where a worker spent its time. */
export interface WorkerTimings {
  /** True when this invocation had to load the model (a new container/process). */
  cold: boolean;
  modelLoadMs: number;
  /** Time each stage was busy (summed over its concurrent tasks, so may exceed wall time). */
  stageBusyMs: { load: number; preprocess: number; predict: number };
  wallMs: number;
  images: number;
  /**
   * How the model file was checked against the payload's `model.sha256`: `hashed` in this
   * invocation, or `kept` (a digest this function computed before for the same unchanged file).
   * Absent when the payload carried no digest.
   */
  modelDigest?: 'hashed' | 'kept';
  /**
   * How the labels file's bytes were checked against the payload's `model.labelsSha256` as the
   * function read them: `hashed`, or `kept` (the digest kept for the same unchanged file).
   * Absent when the payload carried no labels digest.
   */
  labelsDigest?: 'hashed' | 'kept';
}

/** What a dynamic worker's splits became at the dispatcher. */
export interface DynamicWorkerReport {
  /** Splits the dispatcher assigned to this worker. */
  assigned: number;
  /** Results kept, dropped because another attempt had finished first, or refused. */
  accepted: number;
  duplicate: number;
  rejected: number;
  /** Splits given up mid-way because another attempt finished first. */
  cancelled: number;
}

/** What a function invocation returns. */
export interface WorkerResult {
  workerId: string;
  /**
   * Splits completed in this invocation (static: all of its payload's; dynamic: those it
   * pulled and finished, with empty `results`: their results went to the dispatcher).
   */
  splits: SplitResult[];
  timings: WorkerTimings;
  /** Process id and Node version of the runtime, for the record. */
  runtime: { pid: number; node: string; platform: string };
  /** Dynamic invocations only. */
  dispatch?: DynamicWorkerReport;
}
