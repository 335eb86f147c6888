/** In-memory builders for the tests of the pure dispatch core (`src/core/dispatch-core.ts`). */
import {
  DispatchCore,
  type DispatchCoreOptions,
  type DispatchDecision,
} from '../../src/core/dispatch-core.js';
import type { InputResult } from '../../src/core/prediction.js';
import { splitBySize, type Split } from '../../src/core/splitting.js';

/** `n` input keys. */
export const keys = (n: number): string[] => Array.from({ length: n }, (_, i) => `img/${i}.jpg`);

/** A successful result for each key. */
export const ok = (ks: readonly string[]): InputResult[] => ks.map((key) => ({ key, top: [], error: null }));

/** A core over `inputs` inputs in splits of `splitSize`, with every decision recorded. */
export function core(
  inputs: number,
  splitSize: number,
  options: Partial<DispatchCoreOptions> & { workerSilentTimeoutMs?: number | null } = {},
) {
  const splits: Split[] = splitBySize(keys(inputs), splitSize);
  const c = new DispatchCore(splits, { mode: 'dynamic', workerSilentTimeoutMs: null, ...options });
  const decisions: DispatchDecision[] = [];
  c.onDecision((d) => decisions.push(d));
  const take = (): DispatchDecision[] => decisions.splice(0);
  /** Pulls one split (returning `finished`), and returns it. */
  const pull = (workerId: string, now: number, finished?: { splitId: string; keys: readonly string[] }) => {
    const returned = finished ? [{ splitId: finished.splitId, results: ok(finished.keys) }] : [];
    return c.pull(workerId, returned, 1, now);
  };
  return { core: c, take, pull };
}

/** The types of `ds`, in order. */
export const types = (ds: DispatchDecision[]): string[] => ds.map((d) => d.type);
