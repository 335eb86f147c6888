/**
 * A scripted in-memory backend for the job manager's unit tests: a `ComputeBackend` whose
 * functions answer static payloads from a script instead of running a model. A key containing
 * `bad` gets an error result; the others get a prediction (class: the key's length), or for an
 * embed task the vector {@link scriptedVector} (NaN values for a key containing `nan`), unless
 * {@link ScriptedAnswers} say otherwise.
 */
import type { ComputeBackend, Invocation, InvokeOptions } from '../../src/backends/backend.js';
import type { FunctionCpus } from '../../src/core/function-cpus.js';
import type { InputResult } from '../../src/core/prediction.js';
import { BackendError } from '../../src/errors.js';
import type { WorkerPayload, WorkerTimings } from '../../src/protocol/invocation.js';
import { encodeVector } from '../../src/protocol/vector-encoding.js';

/** The vector a scripted embed function returns for `key`: `[length, 0.5, char codes...]`, 4 values. */
export function scriptedVector(key: string): Float32Array {
  if (key.includes('nan')) return Float32Array.of(NaN, 1, 2, 3);
  return Float32Array.of(key.length, 0.5, key.charCodeAt(0), key.charCodeAt(key.length - 1));
}

/** The timings a scripted function reports: a warm start that measured nothing. */
export function scriptedTimings(): WorkerTimings {
  return {
    cold: false,
    modelLoadMs: 0,
    stageBusyMs: { load: 0, preprocess: 0, predict: 0 },
    wallMs: 0,
    images: 0,
  };
}

/** What the function answers to its `call`-th invocation: results, results missing a key, or a failure. */
export type Script = (
  payload: Extract<WorkerPayload, { kind: 'static' }>,
  call: number,
  signal?: AbortSignal,
) => Promise<'ok' | 'wrong-keys' | BackendError>;

/** What a scripted function answers instead of the defaults. */
export interface ScriptedAnswers {
  /** A classify input's result. */
  predict?: (key: string) => Pick<InputResult, 'top' | 'error'>;
  /** An embed input's vector (default {@link scriptedVector}). */
  vector?: (key: string) => Float32Array;
  /** Whether the read of an input fails for a passing reason now (`errorKind: 'passing'`). */
  passing?: (key: string) => boolean;
}

export class ScriptedBackend implements ComputeBackend {
  readonly name = 'scripted';
  readonly memoryMb = 1024;
  readonly maxConcurrency = 4;
  readonly functionCpus: FunctionCpus = { kind: 'fixed', vcpus: 2, from: 'the test' };
  calls = 0;
  /**
   * `predict` and `vector`, when given, answer a classify or an embed input instead of the
   * defaults (a key containing `bad` still gets its error), so that two jobs can disagree.
   */
  constructor(
    private readonly script: Script,
    private readonly answers: ScriptedAnswers = {},
  ) {}
  async invoke(payload: WorkerPayload, options: InvokeOptions = {}): Promise<Invocation> {
    const submittedAt = Date.now();
    const call = this.calls++;
    if (payload.kind !== 'static') throw new Error('static payloads only');
    const answer = await this.script(payload, call, options.signal);
    const endedAt = Date.now();
    const stats = {
      invocationId: `i${call}`,
      submittedAt,
      startedAt: submittedAt,
      endedAt,
      durationMs: endedAt - submittedAt,
      billedMs: Math.ceil(endedAt - submittedAt) || 1,
      initMs: 0,
      cold: call === 0,
      memoryMb: this.memoryMb,
    };
    if (answer instanceof BackendError) return { ok: false, error: answer, stats };
    const splits = payload.splits.map((s) => ({
      splitId: s.splitId,
      startedAt: submittedAt,
      endedAt,
      results: (answer === 'wrong-keys' ? s.keys.slice(1) : s.keys).map((key): InputResult =>
        key.includes('bad')
          ? { key, top: null, error: 'cannot decode' }
          : this.answers.passing?.(key)
            ? { key, top: null, error: `cannot load '${key}': SlowDown`, errorKind: 'passing' }
            : payload.task?.kind === 'embed'
              ? {
                  key,
                  top: null,
                  error: null,
                  vector: encodeVector((this.answers.vector ?? scriptedVector)(key)),
                }
              : this.answers.predict
                ? { key, ...this.answers.predict(key) }
                : { key, top: [{ class: key.length, score: 1 }], error: null },
      ),
    }));
    return {
      ok: true,
      result: {
        workerId: payload.workerId,
        splits,
        timings: scriptedTimings(),
        runtime: { pid: 1, node: 'v20', platform: 'test' },
      },
      stats,
    };
  }
  async close(): Promise<void> {}
}
