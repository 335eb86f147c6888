/**
 * A backend over the local one that keeps every payload it is given, as given, and sends each
 * one as `sent` makes it (unchanged by default): to look at what a job manager sends its
 * functions, or to change it on the way.
 */
import type { ComputeBackend, Invocation, InvokeOptions } from '../../src/backends/backend.js';
import type { LocalBackend } from '../../src/backends/local/local-backend.js';
import type { FunctionCpus } from '../../src/core/function-cpus.js';
import type { FunctionAccess } from '../../src/protocol/function-access.js';
import type { WorkerPayload } from '../../src/protocol/invocation.js';

export class PayloadLog implements ComputeBackend {
  readonly payloads: WorkerPayload[] = [];
  constructor(
    private readonly inner: LocalBackend,
    private readonly sent: (payload: WorkerPayload) => WorkerPayload = (payload) => payload,
  ) {}
  get name(): string {
    return this.inner.name;
  }
  get memoryMb(): number {
    return this.inner.memoryMb;
  }
  get maxConcurrency(): number {
    return this.inner.maxConcurrency;
  }
  get functionCpus(): FunctionCpus {
    return this.inner.functionCpus;
  }
  invoke(payload: WorkerPayload, options?: InvokeOptions): Promise<Invocation> {
    this.payloads.push(payload);
    return this.inner.invoke(this.sent(payload), options);
  }
  allowFunctions(access: FunctionAccess): void {
    this.inner.allowFunctions(access);
  }
  /** The local backend is the test's: it closes it. */
  async close(): Promise<void> {}
}
