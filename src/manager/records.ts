/** Split records for `job.json`, from the split state machine (pure). */
import type { SplitState } from '../core/split-state.js';
import type { SplitRecord } from './types.js';

export function splitRecords(state: SplitState): SplitRecord[] {
  return state.records().map((view) => {
    const done = state.result(view.splitId);
    const winner = view.winner === null ? undefined : view.attempts.find((a) => a.attempt === view.winner);
    const started = view.attempts.map((a) => a.startedAt);
    return {
      splitId: view.splitId,
      inputs: view.inputs,
      status: view.status,
      workerId: winner?.workerId ?? null,
      startedAt: started.length > 0 ? Math.min(...started) : null,
      endedAt: done?.endedAt ?? null,
      retries: Math.max(0, view.attempts.length - 1),
      error: done?.error ?? null,
      attempts: view.attempts,
    };
  });
}
