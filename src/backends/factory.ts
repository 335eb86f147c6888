/** The backend a resolved spec names. Each backend type adds its case here. */
import type { ResolvedBackend } from '../spec/types.js';
import type { ComputeBackend } from './backend.js';
import type { LogSink } from './local/function-process.js';
import { LocalBackend } from './local/local-backend.js';

export interface CreateBackendOptions {
  /** Where function output goes (local processes' stdout and stderr). */
  log?: LogSink;
}

export function createBackend(spec: ResolvedBackend, options: CreateBackendOptions = {}): ComputeBackend {
  switch (spec.type) {
    case 'local':
      return new LocalBackend({
        maxConcurrency: spec.maxConcurrency,
        memoryMb: spec.memoryMb,
        timeoutMs: spec.timeoutMs,
        ...(options.log ? { log: options.log } : {}),
      });
  }
}
