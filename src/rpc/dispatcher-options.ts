/** Options, hooks and counters of the split dispatcher, and which hook each decision of its core calls. */
import type { DispatchDecision } from '../core/dispatch-core.js';
import type { CopyDecision, SpeculationPolicy } from '../core/speculation.js';
import type { WorkerLostEvent } from '../core/dispatch-types.js';
import type { CompletedSplit, IdleWorkerPolicy } from '../core/split-state.js';
import type { DispatcherServerTls } from './dispatcher-tls.js';

export type { WorkerLostEvent };

/** What the job manager hears from the dispatcher. Hooks run synchronously; one that throws fails `whenFinished()`. */
export interface DispatcherHooks {
  /** A split is done, with one result per input (exactly once per split). */
  onSplitDone?(split: CompletedSplit): void;
  onWorkerLost?(event: WorkerLostEvent): void;
  /**
   * Workers should be invoked: `copy` for speculative copies (see `maxExtraWorkers`), `starved`
   * when splits were queued again but no worker is running or waiting to take them.
   */
  onWorkersWanted?(event: { count: number; reason: 'copy' | 'starved' }): void;
  /** A speculative copy was queued. */
  onCopy?(copy: CopyDecision): void;
  /** Every split is done. */
  onFinished?(): void;
}

/**
 * The hook a decision of the dispatch core calls, if any: a split done, a worker lost, a copy
 * queued, workers wanted (for copies, or splits queued again with nobody to take them), the end.
 */
export function hookOf(decision: DispatchDecision, hooks: DispatcherHooks): (() => void) | undefined {
  switch (decision.type) {
    case 'splitDone':
      return () => hooks.onSplitDone?.(decision.split);
    case 'workerLost':
      return () => hooks.onWorkerLost?.(decision.event);
    case 'copy':
      return () => hooks.onCopy?.(decision.copy);
    case 'invoke': {
      const { reason, workers } = decision;
      if (reason !== 'copy' && reason !== 'starved') return undefined;
      return () => hooks.onWorkersWanted?.({ count: workers.length, reason });
    }
    case 'finished':
      return () => hooks.onFinished?.();
    default:
      return undefined;
  }
}

/** Speculation settings; `false` or absent disables it. */
export type SpeculationOptions = Partial<SpeculationPolicy> & { intervalMs?: number };

/** Settings of a dispatcher; those of dispatch (retries, speculation...) apply when it makes its own core. */
export interface DispatcherServerOptions {
  /** Interface to bind; default 127.0.0.1. Cloud workers need an address they can reach. */
  host?: string;
  /** Default 0: an ephemeral port. */
  port?: number;
  /** TLS: the certificate (chain) and key to serve; absent, the dispatcher speaks clear text. */
  tls?: DispatcherServerTls;
  /** The job's secret; default a new random token. */
  token?: string;
  maxSplitRetries?: number;
  idleWorkers?: IdleWorkerPolicy;
  /** Give no more splits to a worker outpaced by a speculative copy (see `SplitStateOptions`). */
  stopOutpacedWorkers?: boolean;
  workerSilentTimeoutMs?: number;
  speculation?: SpeculationOptions | false;
  /** Largest message accepted or sent (default 8 MiB); larger ones are refused. */
  maxMessageBytes?: number;
  /** How often silent workers and speculation are checked (default 250 ms). */
  tickMs?: number;
  /** Time source (epoch ms); default the process's steady clock (`steadyClock`). */
  clock?: { now(): number };
  /** Run `tick()` on a timer (default true); tests may drive it by hand. */
  autoTick?: boolean;
  hooks?: DispatcherHooks;
}

/** Calls refused, by reason. */
export interface DispatcherCounters {
  streams: number;
  unauthenticated: number;
  invalidMetadata: number;
  malformed: number;
  protocolErrors: number;
}
