/**
 * The worker handler end to end on real files, real sharp decoding and real ONNX sessions in
 * inference threads (the `tiny` model): every input gets exactly one result in input order,
 * bad inputs become that input's error, bad payloads and models fail with messages that name
 * the field or file.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WorkerPayload } from '../../src/protocol/invocation.js';
import {
  payload,
  pipeline,
  runHandler,
  useHandlerWorld,
  withoutSplits,
  world,
} from '../support/worker-handler.js';

useHandlerWorld();

describe('handle', () => {
  it('answers a ping with runtime info', async () => {
    const result = await runHandler({ kind: 'ping' });
    expect(result.runtime.pid).toBe(process.pid);
    expect(result.runtime.node).toBe(process.version);
    expect(result.splits).toEqual([]);
  });

  it('classifies every input once, in input order; bad inputs get their own error', async () => {
    const keys = [
      'img0.jpg',
      'missing.jpg',
      'img1.jpg',
      'truncated.jpg',
      'empty.jpg',
      'img2.jpg',
      'notes.txt',
      'corrupt.jpg',
      'img3.jpg',
      '../escape.jpg',
      'img4.jpg',
    ];
    const result = await runHandler(payload(keys, { pipeline: { ...pipeline(), topK: 3 } }));
    const results = result.splits[0]?.results ?? [];
    expect(results.map((r) => r.key)).toEqual(keys);
    const errors = Object.fromEntries(results.filter((r) => r.error).map((r) => [r.key, r.error]));
    expect(Object.keys(errors).sort()).toEqual([
      '../escape.jpg',
      'corrupt.jpg',
      'empty.jpg',
      'missing.jpg',
      'notes.txt',
      'truncated.jpg',
    ]);
    expect(errors['missing.jpg']).toMatch(/cannot load 'missing\.jpg'/);
    expect(errors['empty.jpg']).toMatch(/cannot decode 'empty\.jpg': empty file/);
    expect(errors['notes.txt']).toMatch(/^cannot decode 'notes\.txt': not an image/);
    expect(errors['truncated.jpg']).toMatch(/cannot decode 'truncated\.jpg'/);
    expect(errors['corrupt.jpg']).toMatch(/cannot decode 'corrupt\.jpg'/);
    expect(errors['../escape.jpg']).toMatch(/invalid key/);
    for (const r of results.filter((x) => !x.error)) {
      expect(r.top).toHaveLength(3);
      expect(r.top?.[0]?.score).toBeGreaterThan(0);
      expect(r.top?.[0]?.score).toBeGreaterThanOrEqual(r.top?.[1]?.score ?? 1);
    }
    expect(result.timings.images).toBe(keys.length);
    expect(result.timings.stageBusyMs.predict).toBeGreaterThan(0);
    expect(result.timings.stageBusyMs.preprocess).toBeGreaterThan(0);
  });

  it('classifies other formats, colour spaces, bit depths, orientations and extreme sizes', async () => {
    const keys = (await fs.readdir(path.join(world.images, 'fmt'))).sort().map((f) => `fmt/${f}`);
    expect(keys).toHaveLength(10);
    const result = await runHandler(payload(keys));
    for (const r of result.splits[0]?.results ?? [])
      expect({ key: r.key, error: r.error }).toEqual({ key: r.key, error: null });
  });

  it('keeps the model warm between invocations and reports timings', async () => {
    const config = pipeline({ batchSize: 3, replicas: 2, intraOpThreads: 1 });
    const first = await runHandler(payload(['img0.jpg', 'img1.jpg'], { pipeline: config }));
    const second = await runHandler(payload(['img0.jpg', 'img1.jpg'], { pipeline: config }));
    expect(first.timings.cold).toBe(true);
    expect(first.timings.modelLoadMs).toBeGreaterThan(0);
    expect(second.timings.cold).toBe(false);
    expect(second.timings.modelLoadMs).toBe(0);
    expect(second.splits[0]?.results).toEqual(first.splits[0]?.results);
    expect(second.timings.wallMs).toBeGreaterThan(0);
    expect((await runHandler({ kind: 'ping' })).timings.cold).toBe(false);
  });

  it('processes several splits and applies injected faults', async () => {
    const splits = [
      { splitId: 'a', keys: ['img0.jpg'] },
      { splitId: 'b', keys: ['img1.jpg', 'img2.jpg'] },
    ];
    const result = await runHandler({
      ...payload([]),
      splits,
      faults: { delayMsPerSplit: 30 },
    } as WorkerPayload);
    expect(result.splits.map((s) => [s.splitId, s.results.length])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(result.timings.wallMs).toBeGreaterThanOrEqual(60);
    await expect(
      runHandler({ ...payload([]), splits, faults: { failAfterFirstSplit: true } } as WorkerPayload),
    ).rejects.toThrow(/injected fault: worker w0 fails after its first split/);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(runHandler(payload(['img0.jpg']), { signal: controller.signal })).rejects.toThrow(/abort/i);
  });

  it('rejects nonsense settings naming the field, before any work', async () => {
    await expect(
      runHandler(
        payload(['img0.jpg'], {
          pipeline: { ...pipeline(), predict: { ...pipeline().predict, batchSize: 0 } },
        }),
      ),
    ).rejects.toThrow('pipeline.predict.batchSize: expected an integer from 1 to 4096, got 0');
    await expect(
      runHandler(payload(['img0.jpg'], { pipeline: { ...pipeline(), load: { concurrency: -1 } } })),
    ).rejects.toThrow('pipeline.load.concurrency');
    await expect(runHandler({ kind: 'nonsense' } as unknown as WorkerPayload)).rejects.toThrow(
      "kind: expected one of 'ping', 'static', 'dynamic', got 'nonsense'",
    );
    await expect(
      runHandler({
        ...withoutSplits(payload([])),
        kind: 'dynamic',
        dispatcher: { host: '127.0.0.1', port: 1, token: 't', keepAliveIntervalMs: 2000 },
      } as WorkerPayload),
    ).rejects.toThrow(/cannot reach the dispatcher at 127\.0\.0\.1:1/);
  });
});
