/**
 * Tasks end to end on loopback, with small real ONNX models (`test/support/task-models.ts`):
 * an embed job gives the same vectors in static mode, in dynamic mode over the gRPC dispatcher
 * and on the http backend's `serve-function` processes; NaN outputs become each input's error
 * with the job's counts right; a model ending in a softmax gives the same top-1 as its logits;
 * and a function refuses a task its model's output cannot serve.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readVectorsByKey } from '../support/parquet.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpBackend } from '../../src/backends/http/http-backend.js';
import { LocalBackend } from '../../src/backends/local/local-backend.js';
import { generateDataset, type GeneratedDataset } from '../../src/dataset/generate.js';
import { runJob } from '../../src/manager/run-job.js';
import { compileJobSpec } from '../../src/spec/compile.js';
import { resultJsonBytes } from '../../src/protocol/reply-size.js';
import { decodeVector } from '../../src/protocol/vector-encoding.js';
import { handler as lambdaHandler } from '../../src/worker/entry/lambda.js';
import { handle } from '../../src/worker/handler.js';
import { closeInferencePools } from '../../src/worker/inference-pools.js';
import {
  startFunctionServerProcess,
  stopFunctionServerProcess,
  type FunctionServerProcess,
} from '../support/function-servers.js';
import { expectEveryInputOnce, readRecord, readResults, readSplitLog } from '../support/job-output.js';
import { featureMapModel, nanOutputModel, softmaxModel, twoOutputModel } from '../support/task-models.js';
import { poolModel } from '../support/worker-models.js';
import { testAccessEnv, testDeployment } from '../support/function-access.js';

const TOKEN = 'task-jobs-token-0123456789';
let dir: string;
let data: GeneratedDataset;
let local: LocalBackend;
let servers: FunctionServerProcess[] = [];
const file = (name: string): string => path.join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-task-jobs-'));
  // The Lambda entry called in this process reads its deployment's access from the environment.
  Object.assign(process.env, testAccessEnv({ read: [dir] }));
  data = await generateDataset({ count: 20, outDir: file('data'), seed: 5 });
  await writeFile(file('two.onnx'), twoOutputModel());
  await writeFile(file('nan.onnx'), nanOutputModel());
  await writeFile(file('softmax.onnx'), softmaxModel());
  await writeFile(file('pool.onnx'), poolModel());
  await writeFile(file('map.onnx'), featureMapModel());
  local = new LocalBackend({ maxConcurrency: 2, log: { write: () => true } });
  servers = await Promise.all(
    [0, 1].map(() => startFunctionServerProcess(['--allow-read', dir], { OBIFAAS_FUNCTION_TOKEN: TOKEN })),
  );
});
afterAll(async () => {
  await local?.close();
  await Promise.all(servers.map((s) => stopFunctionServerProcess(s)));
  await closeInferencePools();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const compile = (options: Record<string, unknown>) =>
  compileJobSpec({ inputs: data.manifestPath, ...options }, { cores: 2, now: new Date(), cwd: dir });

describe('an embed job', () => {
  const task = { kind: 'embed', output: 'features', normalize: true };

  it('gives the same vectors statically, dynamically over the dispatcher, and on http functions', async () => {
    const jobs: Array<[string, Record<string, unknown>, LocalBackend | HttpBackend]> = [
      ['static', { workers: 3 }, local],
      ['dynamic', { mode: 'dynamic', splitSize: 4, workers: 2 }, local],
      ['http-static', { workers: 4 }, new HttpBackend({ urls: servers.map((s) => s.url), token: TOKEN })],
      [
        'http-dynamic',
        { mode: 'dynamic', splitSize: 3, workers: 2 },
        new HttpBackend({ urls: servers.map((s) => s.url), token: TOKEN }),
      ],
    ];
    const found = new Map<string, Map<string, number[]>>();
    for (const [name, options, backend] of jobs) {
      const out = file(`embed-${name}`);
      const { summary, record } = await runJob(compile({ model: file('two.onnx'), task, out, ...options }), {
        backend,
      });
      if (backend instanceof HttpBackend) await backend.close();
      expect(summary, name).toMatchObject({ status: 'completed', ok: 20, errors: 0 });
      expect(record.embeddings).toMatchObject({ rows: 20, dims: 12 });
      const lines = await readResults(out);
      expect(lines.map((l) => l.key)).toEqual(data.keys);
      const byKey = await readVectorsByKey(out);
      for (const line of lines)
        expect(line).toEqual({
          key: line.key,
          top: null,
          error: null,
          embedding: { dims: 12, row: expect.any(Number) },
        });
      found.set(name, byKey);
    }
    const reference = found.get('static') as Map<string, number[]>;
    expect([...reference.keys()].sort()).toEqual([...data.keys].sort());
    for (const vector of reference.values()) {
      expect(vector).toHaveLength(12);
      expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
    }
    for (const [name, byKey] of found) {
      let maxDiff = 0;
      for (const [key, vector] of reference) {
        const other = byKey.get(key) ?? [];
        expect(other, `${name} ${key}`).toHaveLength(12);
        vector.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - (other[i] as number)))));
      }
      expect(maxDiff, name).toBeLessThanOrEqual(1e-6);
    }
  });
});

describe('NaN outputs', () => {
  it('are each input’s error, counted as errors', async () => {
    for (const [name, extra] of [
      ['classify', {}],
      ['embed', { task: { kind: 'embed' } }],
    ] as const) {
      const out = file(`nan-${name}`);
      const { summary, record } = await runJob(
        compile({ model: file('nan.onnx'), workers: 2, out, ...extra }),
        { backend: local },
      );
      expect(summary).toMatchObject({ status: 'completed', inputs: 20, ok: 0, errors: 20 });
      const lines = await readResults(out);
      expectEveryInputOnce(lines, data.keys);
      for (const line of lines) {
        expect(line.top).toBeNull();
        expect(line.error).toBe(
          `output 'nan' for '${line.key}' has 3 of 3 values NaN or infinite; no ${name === 'embed' ? 'vector' : 'prediction'}`,
        );
      }
      const splits = await readSplitLog(out);
      expect(splits.reduce((a, s) => a + s.ok, 0)).toBe(0);
      expect(splits.reduce((a, s) => a + s.errors, 0)).toBe(20);
      if (name === 'embed') expect(record.embeddings).toMatchObject({ rows: 0 });
    }
  });
});

describe('a model ending in a softmax', () => {
  it('gives the top-1 of its logits, with the probabilities as they are', async () => {
    let runs = 0;
    const run = async (model: string, extra: Record<string, unknown> = {}) => {
      const out = file(`top-${runs++}`);
      await runJob(compile({ model: file(model), workers: 2, topK: 3, out, ...extra }), { backend: local });
      return new Map((await readResults(out)).map((l) => [l.key, l.top ?? []]));
    };
    const logits = await run('pool.onnx');
    const probs = await run('softmax.onnx');
    const declared = await run('softmax.onnx', { task: { kind: 'classify', activation: 'none' } });
    const resoftmaxed = await run('softmax.onnx', { task: { kind: 'classify', activation: 'softmax' } });
    for (const key of data.keys) {
      const a = logits.get(key) ?? [];
      const b = probs.get(key) ?? [];
      expect(
        b.map((s) => s.class),
        key,
      ).toEqual(a.map((s) => s.class));
      b.forEach((s, i) => expect(s.score).toBeCloseTo(a[i]?.score as number, 6));
      expect(b.reduce((sum, s) => sum + s.score, 0)).toBeCloseTo(1, 5);
      expect(declared.get(key)).toEqual(b);
      // Soft-maxing probabilities again flattens them towards 1/3: the detection is what keeps them.
      expect(Math.abs((resoftmaxed.get(key)?.[0]?.score ?? 0) - 1 / 3)).toBeLessThan(
        Math.abs((b[0]?.score ?? 0) - 1 / 3),
      );
    }
    expect((await readRecord(file('top-1'))).task).toEqual({
      kind: 'classify',
      output: 'probs',
      activation: 'auto',
      threshold: null,
    });
  });
});

describe('the function', () => {
  it('on Lambda, turns the vectors that would take its reply over 6 MB into errors', async () => {
    // The image itself as the vector: 150,528 float32 values, about 800 KB of base64 each.
    const splits = [
      { splitId: 'a', keys: data.keys.slice(0, 5) },
      { splitId: 'b', keys: data.keys.slice(5, 10) },
    ];
    const result = await lambdaHandler({
      kind: 'static',
      jobId: 'j',
      workerId: 'w',
      model: { uri: file('map.onnx') },
      storage: { type: 'fs', root: path.dirname(data.manifestPath) },
      task: { kind: 'embed' },
      splits,
    });
    const [a, b] = result.splits;
    expect(a?.results.map((r) => r.key)).toEqual(splits[0]?.keys);
    for (const r of a?.results ?? []) expect(decodeVector(r.vector ?? '')).toHaveLength(3 * 224 * 224);
    expect(b?.results.map((r) => r.key)).toEqual(splits[1]?.keys);
    for (const r of b?.results ?? []) {
      expect(r.vector).toBeUndefined();
      expect(r.error).toMatch(
        /^the vectors of split b \(5 inputs, 3\.8 MB\) do not fit in Lambda's 6 MB response limit; use fewer inputs per invocation/,
      );
    }
    expect(Buffer.byteLength(JSON.stringify(result))).toBeLessThan(6 * 1024 * 1024);
    expect((a?.results ?? []).reduce((n, r) => n + resultJsonBytes(r), 0)).toBeGreaterThan(3 * 1024 * 1024);
  });

  it('refuses a task its model cannot serve, naming the tensor and the shapes', async () => {
    await expect(
      handle(
        {
          kind: 'static',
          jobId: 'j',
          workerId: 'w',
          model: { uri: file('map.onnx') },
          storage: { type: 'fs', root: path.dirname(data.manifestPath) },
          task: { kind: 'classify' },
          splits: [{ splitId: '0', keys: data.keys.slice(0, 2) }],
        } as Parameters<typeof handle>[0],
        { deployment: testDeployment({ read: [dir] }) },
      ),
    ).rejects.toMatchObject({
      name: 'ModelError',
      message: expect.stringMatching(
        /output 'image' has shape \[batch, 3, height, width\]; task classify needs \[N, C\]/,
      ),
    });
  });
});
