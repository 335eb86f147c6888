/** The splits a worker holds, returns and hears about, as the dispatcher client hands them out. */
import type { InputResult } from '../core/prediction.js';
import type { AttemptKind } from '../core/split-state.js';
import { attemptKindFromWire, type WireSplitToRun } from './wire.js';

/** A split to process. */
export interface SplitAssignment {
  splitId: string;
  attempt: number;
  kind: AttemptKind;
  keys: string[];
  /** Aborted when the dispatcher says the split is no longer needed (another attempt won). */
  readonly signal: AbortSignal;
}

/** A split's results, to return with a pull. */
export interface FinishedSplit {
  splitId: string;
  results: readonly InputResult[];
}

/** What the dispatcher did with a split's results. */
export interface ResultReport {
  splitId: string;
  status: 'accepted' | 'duplicate' | 'rejected';
  /** Why the results were dropped or rejected. */
  detail: string;
}

/** A split this worker holds; its abort controller is made only when someone asks for the signal. */
export class HeldSplit implements SplitAssignment {
  private controller: AbortController | null = null;
  readonly kind: AttemptKind;
  readonly splitId: string;
  readonly attempt: number;
  readonly keys: string[];

  constructor(wire: WireSplitToRun) {
    this.splitId = wire.splitId;
    this.attempt = wire.attempt;
    this.kind = attemptKindFromWire(wire.kind);
    this.keys = wire.keys;
  }

  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    return this.controller.signal;
  }

  abort(reason: Error): void {
    this.controller ??= new AbortController();
    this.controller.abort(reason);
  }
}
