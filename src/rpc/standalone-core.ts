/**
 * The dispatch core of a dispatcher that stands alone (tests, benchmarks): its settings from the
 * server's options, each with its default.
 */
import { DispatchCore } from '../core/dispatch-core.js';
import { DEFAULT_SPECULATION_INTERVAL_MS, speculationPolicy } from '../core/speculation.js';
import { DEFAULT_MAX_SPLIT_RETRIES } from '../core/split-state.js';
import type { Split } from '../core/splitting.js';
import { DEFAULT_TICK_MS, DEFAULT_WORKER_SILENT_TIMEOUT_MS } from './defaults.js';
import type { DispatcherServerOptions } from './dispatcher-options.js';

/** A core for a dispatcher that stands alone: workers connect by themselves, nobody is invoked at the start. */
export function standaloneCore(splits: readonly Split[], options: DispatcherServerOptions): DispatchCore {
  const maxSplitRetries = options.maxSplitRetries ?? DEFAULT_MAX_SPLIT_RETRIES;
  const spec = options.speculation;
  return new DispatchCore(splits, {
    mode: 'dynamic',
    maxSplitRetries,
    idleWorkers: options.idleWorkers,
    stopOutpacedWorkers: options.stopOutpacedWorkers,
    workerSilentTimeoutMs: options.workerSilentTimeoutMs ?? DEFAULT_WORKER_SILENT_TIMEOUT_MS,
    speculation: spec
      ? {
          ...speculationPolicy(maxSplitRetries, spec),
          intervalMs: spec.intervalMs ?? DEFAULT_SPECULATION_INTERVAL_MS,
        }
      : null,
    tickMs: options.tickMs ?? DEFAULT_TICK_MS,
  });
}
