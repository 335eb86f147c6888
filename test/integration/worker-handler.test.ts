/**
 * The worker handler end to end on real files, real sharp decoding and real ONNX sessions in
 * inference threads (the `tiny` model): every input gets exactly one result in input order,
 * bad inputs become that input's error, bad payloads and models fail with messages that name
 * the field or file.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltinModel } from '../../src/models/cache.js';
import { defaultPipelineConfig } from '../../src/worker/defaults.js';
import { handle, type HandleOptions } from '../../src/worker/handler.js';
import { testDeployment } from '../support/function-access.js';
import { closeInferencePools } from '../../src/worker/inference-pool.js';
import type { PipelineConfig, WorkerPayload } from '../../src/protocol/invocation.js';
import {
  poolModel,
  rank2Model,
  twoInputModel,
  uint8InputModel,
  writeModel,
} from '../support/worker-models.js';

let dir: string;
let images: string;
let tinyModel: string;

/** The handler, deployed to read the test's folder only. */
function runHandler(p: WorkerPayload, options: HandleOptions = {}): ReturnType<typeof handle> {
  return handle(p, { deployment: testDeployment({ read: [dir] }), ...options });
}

const pipeline = (predict: Partial<PipelineConfig['predict']> = {}): PipelineConfig => {
  const config = defaultPipelineConfig(2);
  return {
    ...config,
    load: { concurrency: 4 },
    preprocess: { concurrency: 2 },
    predict: { ...config.predict, batchSize: 4, ...predict },
  };
};

function payload(
  keys: string[],
  extra: Partial<Extract<WorkerPayload, { kind: 'static' }>> = {},
): WorkerPayload {
  return {
    kind: 'static',
    jobId: 'job',
    workerId: 'w0',
    model: { uri: tinyModel },
    storage: { type: 'fs', root: images },
    pipeline: pipeline(),
    splits: [{ splitId: 's0', keys }],
    ...extra,
  };
}

/** A payload without its static splits (a dynamic payload has none: the schema refuses them). */
function withoutSplits(p: WorkerPayload): Omit<WorkerPayload, 'splits'> {
  const { splits: _splits, ...rest } = p as Extract<WorkerPayload, { kind: 'static' }>;
  return rest;
}

async function photo(width: number, height: number, seed: number): Promise<Sharp> {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (128 + 120 * Math.sin((x + seed * 13) / (7 + seed))) & 0xff;
      data[i + 1] = (128 + 120 * Math.cos((y * (seed + 1)) / 11)) & 0xff;
      data[i + 2] = ((x ^ y) * seed) & 0xff;
    }
  }
  return sharp(data, { raw: { width, height, channels: 3 } });
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-worker-'));
  images = path.join(dir, 'images');
  await fs.mkdir(path.join(images, 'fmt'), { recursive: true });
  tinyModel = await ensureBuiltinModel('tiny', { home: dir });
  for (let i = 0; i < 10; i++)
    await (
      await photo(320 + i * 17, 240 + i * 5, i + 1)
    )
      .jpeg({ quality: 90 })
      .toFile(path.join(images, `img${i}.jpg`));
  const base = await photo(300, 200, 3);
  const fmt = (name: string) => path.join(images, 'fmt', name);
  await base.clone().png().ensureAlpha(0.5).toFile(fmt('alpha.png'));
  await base.clone().grayscale().png().toFile(fmt('gray.png'));
  await base.clone().toColourspace('rgb16').png().toFile(fmt('deep.png'));
  await base.clone().toColourspace('cmyk').jpeg().toFile(fmt('cmyk.jpg'));
  await base.clone().webp().toFile(fmt('img.webp'));
  await base.clone().gif().toFile(fmt('img.gif'));
  await base.clone().tiff().toFile(fmt('img.tiff'));
  await base.clone().jpeg().withMetadata({ orientation: 8 }).toFile(fmt('rotated.jpg'));
  await (await photo(3, 3, 2)).png().toFile(fmt('tiny.png'));
  await (await photo(3000, 12, 4)).png().toFile(fmt('wide.png'));
  const jpeg = await fs.readFile(path.join(images, 'img0.jpg'));
  await fs.writeFile(path.join(images, 'truncated.jpg'), jpeg.subarray(0, jpeg.length >> 1));
  await fs.writeFile(path.join(images, 'empty.jpg'), Buffer.alloc(0));
  await fs.writeFile(path.join(images, 'notes.txt'), 'not an image\n');
  await fs.writeFile(
    path.join(images, 'corrupt.jpg'),
    Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2000, 0x55)]),
  );
});

afterAll(async () => {
  await closeInferencePools();
  await fs.rm(dir, { recursive: true, force: true });
});

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
    expect(errors['notes.txt']).toMatch(/cannot decode 'notes\.txt': .*not an image/);
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
    const keys = (await fs.readdir(path.join(images, 'fmt'))).sort().map((f) => `fmt/${f}`);
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

describe('handle with a bad model', () => {
  const withModel = (uri: string, labelsUri?: string) =>
    payload(['img0.jpg'], { model: labelsUri ? { uri, labelsUri } : { uri } });

  it('names a missing model file', async () => {
    await expect(runHandler(withModel(path.join(dir, 'nope.onnx')))).rejects.toThrow(
      `model file not found: ${path.join(dir, 'nope.onnx')}`,
    );
  });

  it('names a file that is not ONNX, or empty', async () => {
    const text = await writeModel(dir, 'readme.onnx', 'this is not a model');
    await expect(runHandler(withModel(text))).rejects.toThrow(
      new RegExp(`cannot load model ${text}: not a valid ONNX model`),
    );
    const empty = await writeModel(dir, 'empty.onnx', '');
    await expect(runHandler(withModel(empty))).rejects.toThrow(`model file is empty (0 bytes): ${empty}`);
  });

  it.each([
    [
      'rank2.onnx',
      rank2Model(),
      /expected an image batch float32 \[N, 3, 224, 224\] .*actual float32 \[batch, 10\] \(rank 2\)/,
    ],
    [
      'gray.onnx',
      poolModel(['batch', 1, 28, 28]),
      /actual float32 \[batch, 1, 28, 28\]: the model does not take 3-channel images/,
    ],
    ['two.onnx', twoInputModel(), /has 2 inputs \(a, b\)/],
    [
      'u8.onnx',
      uint8InputModel(),
      /input 'input': expected float32 \[N, 3, 224, 224\] .*actual uint8 \[batch, 3, 224, 224\]; declare dtype uint8/,
    ],
  ])('explains why %s has the wrong input', async (name, bytes, message) => {
    const file = await writeModel(dir, name, bytes);
    const error = await runHandler(withModel(file)).then(
      () => null,
      (err: unknown) => err as Error,
    );
    expect(error?.name).toBe('ModelError');
    expect(error?.message).toMatch(message);
    expect(error?.message).toContain(file);
  });

  it('checks the labels file against the model', async () => {
    const labels = await writeModel(dir, 'labels.txt', 'cat\ndog\n');
    await expect(runHandler(withModel(tinyModel, labels))).rejects.toThrow(
      /labels file .* has 2 names but model .* has 1000 classes/,
    );
    await expect(runHandler(withModel(tinyModel, path.join(dir, 'none.txt')))).rejects.toThrow(
      /labels file not found/,
    );
  });

  it('refuses a model in a bucket its deployment does not allow, before any request', async () => {
    await expect(runHandler(withModel('s3://bucket/model.onnx'))).rejects.toThrow(
      /model\.uri: bucket 'bucket' is not one this function's deployment lets it read/,
    );
  });
});
