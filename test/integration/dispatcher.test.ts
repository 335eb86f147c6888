/**
 * The split dispatcher on loopback with real gRPC clients: draining, several splits per pull,
 * silent, disconnected and failed workers, copies of stragglers, a hand-driven clock, and an
 * unreachable dispatcher. What it refuses: dispatcher-guards.test.ts.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { InputResult } from '../../src/core/prediction.js';
import { DispatcherClient } from '../../src/rpc/dispatcher-client.js';
import { closedPort } from '../support/closed-port.js';
import {
  closeDispatcherJobs,
  connect,
  drain,
  expectEveryInputOnce,
  resultsFor,
  startJob,
} from '../support/dispatcher-job.js';
import { requireFreshDist } from '../support/obifaas-bin.js';
import { repoRoot } from '../support/repo-root.js';

afterEach(closeDispatcherJobs);

describe('dispatcher over loopback', () => {
  it('serves a job to many concurrent workers; every input gets exactly one result', async () => {
    const { server, done, address } = await startJob(1000, 7);
    const workers = await Promise.all(Array.from({ length: 24 }, (_, i) => connect(address, `w${i}`)));
    const counts = await Promise.all(workers.map((w, i) => drain(w, `w${i}`)));
    await server.whenFinished();
    expect(counts.reduce((a, b) => a + b, 0)).toBe(Math.ceil(1000 / 7));
    expect(done).toHaveLength(Math.ceil(1000 / 7));
    expectEveryInputOnce(done, 1000);
    expect(
      workers
        .map((w) => w.resultCounts)
        .reduce((a, b) => a + b.accepted + 10_000 * (b.duplicate + b.rejected), 0),
    ).toBe(Math.ceil(1000 / 7));
    expect(server.state.checkInvariants()).toEqual([]);
  });

  it('serves several splits per pull to workers that ask for them', async () => {
    const { server, done, address } = await startJob(500, 5);
    const workers = await Promise.all(Array.from({ length: 4 }, (_, i) => connect(address, `m${i}`)));
    const sizes: number[] = [];
    await Promise.all(
      workers.map(async (client, i) => {
        let finished: Array<{ splitId: string; results: InputResult[] }> = [];
        for (
          let batch = await client.pullMany([], 3);
          batch.length > 0;
          batch = await client.pullMany(finished, 3)
        ) {
          sizes.push(batch.length);
          finished = batch.map((split) => ({ splitId: split.splitId, results: resultsFor(split, `m${i}`) }));
        }
        expect(client.resultCounts).toMatchObject({ duplicate: 0, rejected: 0 });
      }),
    );
    await server.whenFinished();
    expectEveryInputOnce(done, 500);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(100);
    expect(Math.max(...sizes)).toBe(3);
    await expect(workers[0]?.pullMany([{ splitId: '0', results: [] }])).rejects.toMatchObject({
      code: 'protocol',
    });
  });

  it('reassigns the split of a worker that stops heartbeating, and drops its late result', async () => {
    const { server, done, lost, whenLost, address } = await startJob(20, 10, {
      workerSilentTimeoutMs: 400,
      tickMs: 50,
    });
    const quiet = await connect(address, 'quiet', 60_000); // heartbeats far too rarely
    const split = await quiet.pull();
    if (!split) throw new Error('expected a split');
    await whenLost();
    expect(lost).toMatchObject([{ workerId: 'quiet', kind: 'silent', requeued: [split.splitId] }]);
    const good = await connect(address, 'good');
    await drain(good, 'good');
    await server.whenFinished();
    await expect(
      quiet.pull({ splitId: split.splitId, results: resultsFor(split, 'late') }),
    ).resolves.toBeNull();
    expect(quiet.lastReports).toMatchObject([{ splitId: split.splitId, status: 'duplicate' }]);
    expectEveryInputOnce(done, 20);
    expect(done.flatMap((s) => s.results).every((r) => r.top?.[0]?.label === 'good')).toBe(true);
  });

  it('keeps a worker whose heartbeats came in while the job manager was busy', async () => {
    // A worker in a process of its own heartbeats every 100 ms and holds its first split for 5 s,
    // while this process (the job manager) is blocked for three times the silence timeout.
    await requireFreshDist();
    const client = pathToFileURL(path.join(repoRoot, 'dist', 'rpc', 'dispatcher-client.js')).href;
    const { server, done, lost, address } = await startJob(4, 2, { workerSilentTimeoutMs: 1000, tickMs: 50 });
    const script = `
      const { DispatcherClient } = await import(${JSON.stringify(client)});
      const [host, port, token] = process.argv.slice(1);
      const c = await DispatcherClient.connect({ host, port: Number(port), token }, { workerId: 'remote', keepAliveIntervalMs: 100 });
      let split = await c.pull();
      console.log('holding');
      await new Promise((r) => setTimeout(r, 5000));
      while (split) {
        const results = split.keys.map((key) => ({ key, top: [{ class: 1, score: 1 }], error: null }));
        split = await c.pull({ splitId: split.splitId, results });
      }
      c.close();`;
    const worker = spawn(
      process.execPath,
      ['--input-type=module', '-e', script, address.host, String(address.port), address.credential('remote')],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    await new Promise<void>((resolve) => worker.stdout.once('data', () => resolve()));
    const busyUntil = Date.now() + 3000;
    while (Date.now() < busyUntil); // a long synchronous step
    await server.whenFinished();
    await exited;
    expect(lost).toEqual([]);
    expectEveryInputOnce(done, 4);
    expect(server.state.records().map((r) => r.attempts.map((a) => [a.workerId, a.outcome]))).toEqual([
      [['remote', 'won']],
      [['remote', 'won']],
    ]);
  });

  it('retries at once the split of a worker whose connection closes mid-split', async () => {
    const { server, done, lost, whenLost, address } = await startJob(20, 10);
    const doomed = await connect(address, 'doomed');
    const split = await doomed.pull();
    doomed.close();
    await whenLost();
    expect(lost).toMatchObject([{ workerId: 'doomed', kind: 'disconnected', requeued: [split?.splitId] }]);
    await drain(await connect(address, 'good'), 'good');
    await server.whenFinished();
    expectEveryInputOnce(done, 20);
  });

  it('copies a straggler’s split, the copy wins, and the straggler is told to cancel', async () => {
    const wanted: number[] = [];
    const { server, done, address } = await startJob(50, 5, {
      tickMs: 20,
      idleWorkers: 'wait',
      speculation: { intervalMs: 20, quantile: 0.5, multiplier: 2 },
      hooks: { onWorkersWanted: (e) => wanted.push(e.count) },
    });
    const slow = await connect(address, 'slow');
    const fast = await connect(address, 'fast');
    const straggling = await slow.pull();
    if (!straggling) throw new Error('expected a split');
    const fastRun = drain(fast, 'fast', 10);
    await new Promise<void>((resolve) => straggling.signal.addEventListener('abort', () => resolve()));
    await fastRun;
    await server.whenFinished();
    expect(server.state.records()[0]).toMatchObject({
      winner: 1,
      attempts: [
        { workerId: 'slow', outcome: 'superseded' },
        { workerId: 'fast', kind: 'copy', outcome: 'won' },
      ],
    });
    await expect(
      slow.pull({ splitId: straggling.splitId, results: resultsFor(straggling, 'slow') }),
    ).resolves.toBeNull();
    expect(slow.lastReports[0]?.status).toBe('duplicate');
    expectEveryInputOnce(done, 50);
    expect(wanted).toEqual([1]); // one extra worker for the first copy, as the reference
  });

  it('fails a split whose retries are exhausted with an error entry per input', async () => {
    const { server, done, address } = await startJob(6, 3, { maxSplitRetries: 1 });
    for (const id of ['x1', 'x2']) {
      const w = await connect(address, id);
      await w.pull();
      server.workerFailed(id, 'exited with code 137');
    }
    await drain(await connect(address, 'good'), 'good');
    await server.whenFinished();
    expectEveryInputOnce(done, 6);
    const failed = done.find((s) => s.error !== null);
    expect(failed?.error).toMatch(/^split 0 failed 2 times: .*worker x1: exited with code 137.*worker x2/);
    expect(failed?.results.every((r) => r.error === failed.error && r.top === null)).toBe(true);
  });

  it('on a hand-driven clock: expires silent workers, asks for a worker when none is left, fails the job if a hook throws', async () => {
    let now = 1_000;
    const wanted: Array<{ count: number; reason: string }> = [];
    const { server, lost, address } = await startJob(4, 2, {
      autoTick: false,
      clock: { now: () => now },
      workerSilentTimeoutMs: 5_000,
      hooks: {
        onWorkersWanted: (e) => wanted.push(e),
        onSplitDone: () => {
          throw new Error('disk full');
        },
      },
    });
    const w = await connect(address, 'only', 60_000);
    await w.pull();
    now += 5_000;
    server.tick();
    expect(lost).toEqual([]);
    now += 1;
    server.tick();
    expect(lost).toMatchObject([{ workerId: 'only', kind: 'silent', requeued: ['0'] }]);
    expect(wanted).toEqual([{ count: 2, reason: 'starved' }]);
    const second = await connect(address, 'second');
    const split = await second.pull();
    if (!split) throw new Error('expected a split');
    await second.pull({ splitId: split.splitId, results: resultsFor(split, 'x') });
    await expect(server.whenFinished()).rejects.toThrow('disk full');
  });

  it('says clearly when the dispatcher cannot be reached', async () => {
    const port = await closedPort();
    const started = Date.now();
    const attempt = DispatcherClient.connect(
      { host: '127.0.0.1', port, token: 't' },
      { workerId: 'w', connectTimeoutMs: 500 },
    );
    await expect(attempt).rejects.toMatchObject({
      code: 'unreachable',
      message: expect.stringMatching(/cannot reach the dispatcher at 127\.0\.0\.1:\d+ within 0\.5 s/),
    });
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
