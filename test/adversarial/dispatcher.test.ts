/**
 * The split dispatcher against workers that hold a credential and misuse it: taking another
 * worker's id, coming back after their invocation ended, returning results no function could
 * have produced (class ids out of range, NaN, infinite, negative or > 1 scores, oversized
 * labels and error messages, too many classes, a vector of NaN). Each is refused with its gRPC status, its
 * split runs again on an honest worker, every input ends with exactly one result, and nothing
 * of the hostile results is kept. Workers that ended are forgotten.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CompletedSplit } from '../../src/core/split-state.js';
import { splitBySize } from '../../src/core/splitting.js';
import type { ClassScore, InputResult } from '../../src/core/prediction.js';
import {
  MAX_CLASSES,
  MAX_LABEL_BYTES,
  MAX_RESULT_ERROR_CHARS,
  MAX_TOP_K,
} from '../../src/protocol/limits.js';
import { encodeVector } from '../../src/protocol/vector-encoding.js';
import { DispatcherClient, DispatcherError, type SplitAssignment } from '../../src/rpc/dispatcher-client.js';
import { DispatcherServer } from '../../src/rpc/dispatcher-server.js';

const keys = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `img/${String(i).padStart(3, '0')}.jpg`);

let servers: DispatcherServer[] = [];
let clients: DispatcherClient[] = [];
afterEach(async () => {
  for (const c of clients) c.close();
  for (const s of servers) await s.close();
  servers = [];
  clients = [];
});

async function startJob(inputs: number, splitSize: number) {
  const done: CompletedSplit[] = [];
  const server = new DispatcherServer(splitBySize(keys(inputs), splitSize), {
    hooks: { onSplitDone: (s) => done.push(s) },
  });
  servers.push(server);
  const { host, port } = await server.start();
  return { server, done, host, port };
}

type Job = Awaited<ReturnType<typeof startJob>>;

async function connect(
  job: Job,
  workerId: string,
  token = job.server.credentialFor(workerId),
): Promise<DispatcherClient> {
  const client = await DispatcherClient.connect(
    { host: job.host, port: job.port, token },
    { workerId, keepAliveIntervalMs: 200, connectTimeoutMs: 5_000 },
  );
  clients.push(client);
  return client;
}

const honest = (split: SplitAssignment): InputResult[] =>
  split.keys.map((key) => ({ key, top: [{ class: 3, label: 'cat', score: 0.75 }], error: null }));

async function drain(client: DispatcherClient): Promise<void> {
  let finished: { splitId: string; results: InputResult[] } | undefined;
  for (let split = await client.pull(); split; split = await client.pull(finished))
    finished = { splitId: split.splitId, results: honest(split) };
}

function expectEveryInputOnce(done: CompletedSplit[], inputs: number): void {
  expect(done.flatMap((s) => s.results.map((r) => r.key)).sort()).toEqual(keys(inputs));
}

/** The gRPC status a refused connect or pull ends with. */
async function refusal(promise: Promise<unknown>): Promise<DispatcherError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DispatcherError);
  return err as DispatcherError;
}

describe('workers holding a credential', () => {
  it("cannot take another worker's id, nor use the job token itself", async () => {
    const job = await startJob(30, 5);
    const alice = await connect(job, 'alice');
    const aliceCredential = job.server.credentialFor('alice');
    job.server.credentialFor('bob');
    const impostor = await refusal(connect(job, 'bob', aliceCredential));
    expect(impostor.message).toMatch(/wrong credential for worker bob/);
    const withJobToken = await refusal(connect(job, 'carol', job.server.token));
    expect(withJobToken.message).toMatch(/wrong credential/);
    // Alice's own stream was not replaced by the impostor: she finishes the job.
    await drain(alice);
    await job.server.whenFinished();
    expectEveryInputOnce(job.done, 30);
    expect(job.server.counters.unauthenticated).toBe(2);
  });

  it('cannot come back once its invocation has ended, and is forgotten', async () => {
    const job = await startJob(20, 5);
    const credential = job.server.credentialFor('early');
    const early = await connect(job, 'early', credential);
    const split = await early.pull();
    if (!split) throw new Error('expected a split');
    await early.pull({ splitId: split.splitId, results: honest(split) });
    job.server.workerFailed('early', 'its invocation ended');
    job.server.workerEnded('early');
    expect(job.server.state.worker('early')).toBeUndefined();
    const again = await refusal(connect(job, 'early', credential));
    expect(again.message).toMatch(/worker early has ended/);
    await drain(await connect(job, 'late'));
    await job.server.whenFinished();
    expectEveryInputOnce(job.done, 20);
    job.server.workerEnded('late');
    expect(job.server.state.worker('late')).toBeUndefined();
  });

  it('leaves nothing behind after many short invocations', async () => {
    const job = await startJob(200, 1);
    for (let i = 0; i < 50; i++) {
      const id = `short-${i}`;
      const w = await connect(job, id);
      const split = await w.pull();
      if (split) await w.pull({ splitId: split.splitId, results: honest(split) });
      w.close();
      job.server.workerFailed(id, 'ended');
      job.server.workerEnded(id);
    }
    for (let i = 0; i < 50; i++) expect(job.server.state.worker(`short-${i}`)).toBeUndefined();
    await drain(await connect(job, 'finisher'));
    await job.server.whenFinished();
    expectEveryInputOnce(job.done, 200);
  });
});

const top = (c: Partial<ClassScore>): ClassScore[] => [{ class: 1, score: 0.5, ...c }];
const HOSTILE_RESULTS: Array<[string, (key: string) => InputResult]> = [
  ['a class id out of range', (key) => ({ key, top: top({ class: MAX_CLASSES }), error: null })],
  ['the largest uint32 class id', (key) => ({ key, top: top({ class: 0xffffffff }), error: null })],
  ['a NaN score', (key) => ({ key, top: top({ score: Number.NaN }), error: null })],
  ['an infinite score', (key) => ({ key, top: top({ score: Number.POSITIVE_INFINITY }), error: null })],
  ['a negative score', (key) => ({ key, top: top({ score: -0.5 }), error: null })],
  ['a score above 1', (key) => ({ key, top: top({ score: 7 }), error: null })],
  [
    'an oversized label',
    (key) => ({ key, top: top({ label: 'x'.repeat(MAX_LABEL_BYTES + 1) }), error: null }),
  ],
  [
    'too many classes',
    (key) => ({
      key,
      top: Array.from({ length: MAX_TOP_K + 1 }, (_, i) => ({ class: i, score: 0 })),
      error: null,
    }),
  ],
  [
    'a vector with NaN values',
    (key) => ({ key, top: null, error: null, vector: encodeVector(Float32Array.of(0.5, Number.NaN)) }),
  ],
  [
    'an oversized error message',
    (key) => ({ key, top: null, error: 'e'.repeat(MAX_RESULT_ERROR_CHARS + 1) }),
  ],
];

describe('results no function could have produced', () => {
  it.each(HOSTILE_RESULTS)(
    'refuses %s with INVALID_ARGUMENT and runs the split again',
    async (_name, make) => {
      const job = await startJob(12, 4);
      const liar = await connect(job, 'liar');
      const split = await liar.pull();
      if (!split) throw new Error('expected a split');
      const err = await refusal(liar.pull({ splitId: split.splitId, results: split.keys.map(make) }));
      expect(err.code).toBe('refused');
      expect(err.message).toMatch(/refused this worker: split \S+: results\[0\]: input "img\/\d+\.jpg": /);
      expect(job.server.counters.malformed).toBe(1);
      await drain(await connect(job, 'honest'));
      await job.server.whenFinished();
      expectEveryInputOnce(job.done, 12);
      const kept = job.done.find((s) => s.splitId === split.splitId);
      expect(kept?.results.every((r) => r.top?.[0]?.label === 'cat')).toBe(true);
    },
  );
});
