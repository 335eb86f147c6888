import { describe, expect, it } from 'vitest';
import type { ComputeBackend } from '../backends/backend.js';
import type { WorkerPayload } from '../protocol/invocation.js';
import { countingBackend } from './counting-backend.js';

/** A backend that admits `limit` invocations at once, as the real ones do, and ends them on demand. */
function gatedBackend(limit: number): { backend: ComputeBackend; release: () => void } {
  const waiting: (() => void)[] = [];
  let active = 0;
  const queued: (() => void)[] = [];
  const admit = (): Promise<void> =>
    active < limit ? ((active += 1), Promise.resolve()) : new Promise((r) => queued.push(r));
  const backend = {
    name: 'gated',
    memoryMb: 1024,
    maxConcurrency: limit,
    functionCpus: 1,
    async invoke() {
      await admit();
      await new Promise<void>((r) => waiting.push(r));
      const next = queued.shift();
      if (next) next();
      else active -= 1;
      return {};
    },
    close: async () => undefined,
  } as unknown as ComputeBackend;
  return { backend, release: () => waiting.shift()?.() };
}

describe('countingBackend', () => {
  it('counts as running only what the backend runs, not invocations queued behind maxConcurrency', async () => {
    const { backend, release } = gatedBackend(2);
    const seen: number[] = [];
    const counted = countingBackend(backend, {
      started: (_payload, _reason, running) => seen.push(running),
      ended: (running) => seen.push(running),
    });
    const ping = { kind: 'ping' } as unknown as WorkerPayload;
    const calls = Array.from({ length: 6 }, () => counted.invoke(ping, { reason: 'planned' }));
    expect(seen).toEqual([1, 2, 2, 2, 2, 2]);
    for (let i = 0; i < 6; i += 1) {
      await new Promise((r) => setImmediate(r));
      release();
    }
    await Promise.all(calls);
    expect(seen.slice(6)).toEqual([2, 2, 2, 2, 1, 0]);
  });
});
