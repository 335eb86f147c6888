/**
 * A backend whose implementation is imported on first use, so that a job on another backend
 * never loads its SDK (the Lambda client takes a noticeable time to import).
 */
import type { FunctionCpus } from '../core/function-cpus.js';
import { BackendError } from '../errors.js';
import type { WorkerPayload } from '../protocol/invocation.js';
import type { ComputeBackend, Invocation, InvokeOptions } from './backend.js';
import { steadyNow } from '../util/steady-clock.js';

/** A backend that imports its implementation on its first call. */
export class LazyBackend implements ComputeBackend {
  private backend: Promise<ComputeBackend> | undefined;
  private closed = false;

  constructor(
    readonly name: string,
    readonly memoryMb: number,
    readonly maxConcurrency: number,
    readonly functionCpus: FunctionCpus,
    private readonly load: () => Promise<ComputeBackend>,
  ) {}

  async invoke(payload: WorkerPayload, options?: InvokeOptions): Promise<Invocation> {
    const now = steadyNow();
    const failed = (message: string, cause?: unknown): Invocation => ({
      ok: false,
      error: new BackendError(message, false, 0, cause === undefined ? undefined : { cause }),
      stats: {
        invocationId: 'not-started',
        submittedAt: now,
        startedAt: now,
        endedAt: steadyNow(),
        durationMs: 0,
        billedMs: 0,
        initMs: 0,
        cold: false,
        memoryMb: this.memoryMb,
      },
    });
    if (this.closed) return failed('backend closed');
    let backend: ComputeBackend;
    try {
      backend = await (this.backend ??= this.load());
    } catch (err) {
      return failed(`the ${this.name} backend could not be loaded: ${(err as Error).message}`, err);
    }
    return backend.invoke(payload, options);
  }

  async close(): Promise<void> {
    this.closed = true;
    const backend = await this.backend?.catch(() => undefined);
    await backend?.close();
  }
}
