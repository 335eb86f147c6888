/**
 * A real static job: 64 generated images, the tiny model, 4 workers on local function
 * processes. Every input gets exactly one line, and the predictions equal one in-process run
 * of the worker on all the inputs at once.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset, type GeneratedDataset } from '../../src/dataset/generate.js';
import { runJob } from '../../src/manager/run-job.js';
import type { JobRecord } from '../../src/manager/types.js';
import { ensureBuiltinModel } from '../../src/models/cache.js';
import { compileJobSpec } from '../../src/spec/compile.js';
import { handle } from '../../src/worker/handler.js';
import { testDeployment } from '../support/function-access.js';
import type { InputResult } from '../../src/core/prediction.js';

let dir: string;
let dataset: GeneratedDataset;
let model: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-job-static-'));
  model = await ensureBuiltinModel('tiny', { home: dir });
  dataset = await generateDataset({ count: 64, outDir: path.join(dir, 'data'), seed: 11 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readLines(file: string): Promise<InputResult[]> {
  return (await readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as InputResult);
}

describe('a static job on the local backend', () => {
  it('gives every input exactly one line, equal to a single-process inference', async () => {
    const out = path.join(dir, 'out');
    const spec = compileJobSpec(
      {
        inputs: dataset.manifestPath,
        model,
        workers: 4,
        out,
        topK: 3,
        backend: { type: 'local', maxConcurrency: 2 },
      },
      { cores: os.availableParallelism(), now: new Date(), cwd: dir },
    );
    const progress: number[] = [];
    const t0 = Date.now();
    const { summary } = await runJob(spec, { onProgress: ({ progress: p }) => progress.push(p.done) });
    const seconds = (Date.now() - t0) / 1000;

    const lines = await readLines(path.join(out, 'results.jsonl'));
    expect(lines.map((l) => l.key).sort()).toEqual([...dataset.keys].sort());
    expect(new Set(lines.map((l) => l.key)).size).toBe(64);
    expect(lines.every((l) => l.error === null && l.top?.length === 3)).toBe(true);
    expect(summary).toMatchObject({
      status: 'completed',
      inputs: 64,
      ok: 64,
      errors: 0,
      workers: 4,
      invocations: 4,
      retries: 0,
    });
    expect(progress.at(-1)).toBe(64);

    const record = JSON.parse(await readFile(path.join(out, 'job.json'), 'utf8')) as JobRecord;
    expect(record.splits.map((s) => s.inputs)).toEqual([16, 16, 16, 16]);
    expect(record.invocations).toHaveLength(4);
    for (const inv of record.invocations) {
      expect(inv.ok).toBe(true);
      expect(inv.billedMs).toBe(Math.ceil(inv.durationMs));
      expect(inv.memoryMb).toBe(3008);
    }
    expect(record.invocations.filter((i) => i.cold)).toHaveLength(2);
    expect(summary.billedSeconds).toBeGreaterThan(0);
    expect(summary.costUsd).toBeGreaterThan(0);
    // Two functions at once share this machine's cores; the functions got that many threads.
    const threads = Math.max(1, Math.floor(os.availableParallelism() / 2));
    expect(record.functions).toMatchObject({
      backend: 'local',
      intraOpThreads: threads,
      threadsFrom: 'vcpus',
    });
    expect(record.pipeline.predict.intraOpThreads).toBe(threads);

    // The same model on the same inputs, in this process, as one split.
    const direct = await handle(
      {
        kind: 'static',
        jobId: 'direct',
        workerId: 'direct',
        model: { uri: model },
        storage: { type: 'fs', root: path.dirname(dataset.manifestPath) },
        pipeline: spec.pipeline,
        splits: [{ splitId: 'all', keys: dataset.keys }],
      },
      { deployment: testDeployment({ read: [path.dirname(dataset.manifestPath), model] }) },
    );
    const expected = new Map(direct.splits[0]!.results.map((r) => [r.key, r]));
    for (const line of lines) {
      const want = expected.get(line.key)!;
      expect(
        line.top!.map((t) => t.class),
        line.key,
      ).toEqual(want.top!.map((t) => t.class));
      line.top!.forEach((t, i) => expect(t.score).toBeCloseTo(want.top![i]!.score, 6));
    }
    console.log(
      `static job: 64 images, 4 workers, 2 processes: ${seconds.toFixed(1)} s, ${summary.imagesPerSecond?.toFixed(1)} images/s`,
    );
  });
});
