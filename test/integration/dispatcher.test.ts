/**
 * The split dispatcher on loopback with real gRPC clients: draining, auth, malformed and
 * oversized messages, random bytes on the port, silent and disconnected workers, copies.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { Random } from '../../src/core/random.js';
import type { CompletedSplit } from '../../src/core/split-state.js';
import { splitBySize } from '../../src/core/splitting.js';
import { DispatcherClient, DispatcherError, type SplitAssignment } from '../../src/rpc/dispatcher-client.js';
import {
  DispatcherServer,
  type DispatcherServerOptions,
  type WorkerLostEvent,
} from '../../src/rpc/dispatcher-server.js';
import { dispatcherService } from '../../src/rpc/wire.js';
import type { InputResult } from '../../src/core/prediction.js';
import { closedPort } from '../support/closed-port.js';
import { requireFreshDist } from '../support/obifaas-bin.js';
import { repoRoot } from '../support/repo-root.js';

const keys = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `img/${String(i).padStart(4, '0')}.jpg`);
const resultsFor = (split: SplitAssignment, label: string): InputResult[] =>
  split.keys.map((key, i) => ({ key, top: [{ class: i % 1000, label, score: 0.5 }], error: null }));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let servers: DispatcherServer[] = [];
let clients: DispatcherClient[] = [];
afterEach(async () => {
  for (const c of clients) c.close();
  for (const s of servers) await s.close();
  servers = [];
  clients = [];
});

/** A dispatcher plus a record of everything it reported. */
async function startJob(inputs: number, splitSize: number, options: DispatcherServerOptions = {}) {
  const done: CompletedSplit[] = [];
  const lost: WorkerLostEvent[] = [];
  const onLost: Array<() => void> = [];
  const onWorkerLost = (e: WorkerLostEvent): void => {
    lost.push(e);
    for (const notify of onLost.splice(0)) notify();
  };
  const server = new DispatcherServer(splitBySize(keys(inputs), splitSize), {
    ...options,
    hooks: { onSplitDone: (s) => done.push(s), onWorkerLost, ...options.hooks },
  });
  servers.push(server);
  const { host, port } = await server.start();
  // Each worker gets its own credential, as the job manager gives each invocation.
  const credential = (workerId: string): string => server.credentialFor(workerId);
  /** Resolves once a worker has been given up (an event, however long the machine takes to get there). */
  const whenLost = (): Promise<void> =>
    lost.length > 0 ? Promise.resolve() : new Promise((resolve) => onLost.push(resolve));
  return { server, done, lost, whenLost, address: { host, port, credential } };
}

interface JobAddress {
  host: string;
  port: number;
  credential(workerId: string): string;
}

async function connect(address: JobAddress, workerId: string, keepAliveIntervalMs = 200) {
  const { host, port } = address;
  const client = await DispatcherClient.connect(
    { host, port, token: address.credential(workerId) },
    {
      workerId,
      keepAliveIntervalMs,
      connectTimeoutMs: 3000,
    },
  );
  clients.push(client);
  return client;
}

/** A worker that pulls until stopped, taking `workMs` per split. */
async function drain(client: DispatcherClient, label: string, workMs = 0): Promise<number> {
  let finished: { splitId: string; results: InputResult[] } | undefined;
  let count = 0;
  for (let split = await client.pull(); split; split = await client.pull(finished)) {
    if (workMs > 0) await sleep(workMs);
    finished = { splitId: split.splitId, results: resultsFor(split, label) };
    count++;
  }
  return count;
}

function expectEveryInputOnce(done: CompletedSplit[], inputs: number): void {
  expect(done.flatMap((s) => s.results.map((r) => r.key)).sort()).toEqual(keys(inputs));
}

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

  it('refuses calls without the token or with a wrong one, while a legitimate worker finishes', async () => {
    const { server, done, address } = await startJob(200, 10);
    const legit = await connect(address, 'legit');
    const running = drain(legit, 'legit', 5);
    const { host, port } = address;
    const wrong = DispatcherClient.connect({ host, port, token: 'not-the-token' }, { workerId: 'intruder' });
    await expect(wrong).rejects.toMatchObject({
      code: 'refused',
      message: expect.stringMatching(/wrong credential for worker intruder/),
    });
    // A raw call with no metadata at all.
    const Client = grpc.makeGenericClientConstructor(dispatcherService().service, 'Dispatcher');
    const raw = new Client(`${address.host}:${address.port}`, grpc.credentials.createInsecure());
    const status = await new Promise<grpc.StatusObject>((resolve) => {
      const call = (raw as unknown as { Work(): grpc.ClientDuplexStream<object, object> }).Work();
      call.on('status', resolve);
      call.on('error', () => undefined);
      call.write({ pull: { requestId: 1 } });
    });
    raw.close();
    expect(status.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(status.details).not.toContain(server.token);
    await expect(running).resolves.toBe(20);
    await server.whenFinished();
    expectEveryInputOnce(done, 200);
    expect(server.counters.unauthenticated).toBe(2);
  });

  it('refuses malformed and oversized messages and retries the sender’s split elsewhere', async () => {
    const { server, done, lost, address } = await startJob(40, 4, { maxMessageBytes: 16 * 1024 });
    const garbage = await rawStream(address, 'garbage');
    garbage.write(Buffer.from([0xff, 0xff, 0xff, 0x01, 0x02])); // not protobuf
    expect((await garbage.status).code).toBe(grpc.status.INVALID_ARGUMENT);
    const empty = await rawStream(address, 'empty');
    empty.write(Buffer.alloc(0)); // decodes, but is neither a pull nor a heartbeat
    expect((await empty.status).details).toMatch(/neither a pull nor a heartbeat/);
    const greedy = await rawStream(address, 'greedy');
    greedy.write(
      dispatcherService().service.Work!.requestSerialize({
        pull: { requestId: 1, finished: [], maxSplits: 100_000 },
      }),
    );
    expect((await greedy.status).details).toMatch(/max_splits 100000 is above 256/);

    const big = await connect(address, 'big');
    const split = await big.pull();
    if (!split) throw new Error('expected a split');
    const huge = split.keys.map((key) => ({ key, top: null, error: 'x'.repeat(10_000) }));
    await expect(big.pull({ splitId: split.splitId, results: huge })).rejects.toBeInstanceOf(DispatcherError);

    const good = await connect(address, 'good');
    await drain(good, 'good');
    await server.whenFinished();
    expectEveryInputOnce(done, 40);
    expect(lost.map((e) => [e.workerId, e.kind, e.requeued])).toEqual([
      ['big', 'disconnected', [split.splitId]],
    ]);
    expect(
      server.state
        .records()
        .find((r) => r.splitId === split.splitId)
        ?.attempts.map((a) => a.outcome),
    ).toEqual(['failed', 'won']);
    expect(server.counters.malformed).toBe(3);
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

  it('keeps serving while random bytes are thrown at its port', async () => {
    const { server, done, address } = await startJob(300, 3);
    const rng = new Random(42);
    const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    const fuzz = Array.from({ length: 60 }, async (_, i) => {
      const noise = Buffer.from(Array.from({ length: rng.int(1, 4096) }, () => rng.int(0, 255)));
      const payload = i % 2 === 0 ? Buffer.concat([preface, noise]) : noise;
      await new Promise<void>((resolve) => {
        const socket = net.connect(address.port, address.host, () => socket.end(payload));
        socket.on('error', () => resolve());
        socket.on('close', () => resolve());
        socket.on('data', () => undefined);
        socket.setTimeout(2000, () => socket.destroy());
      });
    });
    const workers = await Promise.all([connect(address, 'a'), connect(address, 'b')]);
    await Promise.all([...fuzz, ...workers.map((w) => drain(w, 'x', 1))]);
    await server.whenFinished();
    expectEveryInputOnce(done, 300);
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

/** An authorised stream that sends raw bytes (bypassing our encoder). */
async function rawStream(address: JobAddress, workerId: string) {
  const Raw = grpc.makeGenericClientConstructor(
    {
      Work: {
        path: '/obifaas.dispatcher.v1.Dispatcher/Work',
        requestStream: true,
        responseStream: true,
        requestSerialize: (b: Buffer) => b,
        requestDeserialize: (b: Buffer) => b,
        responseSerialize: (b: Buffer) => b,
        responseDeserialize: (b: Buffer) => b,
      },
    },
    'Dispatcher',
  );
  const client = new Raw(`${address.host}:${address.port}`, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${address.credential(workerId)}`);
  metadata.set('x-obifaas-worker-id', workerId);
  const call = (
    client as unknown as { Work(m: grpc.Metadata): grpc.ClientDuplexStream<Buffer, Buffer> }
  ).Work(metadata);
  call.on('error', () => undefined);
  const status = new Promise<grpc.StatusObject>((resolve) =>
    call.on('status', (s) => (client.close(), resolve(s))),
  );
  return { write: (b: Buffer) => call.write(b), status };
}
