/**
 * Embeddings of real photos: the float32 MobileNetV2 of the shared fixtures with its pooled
 * features (1,280 values, the input of its classifier's MatMul) exposed as a second output by
 * our own ONNX tooling, an embed job over the 100 photos and a horizontally flipped copy of each,
 * and `embeddings.parquet` read back with DuckDB (not the library that wrote it). Its vectors
 * equal a direct ONNX Runtime run of the same tensors, and a flipped photo's nearest neighbour
 * (cosine) among the originals is itself for at least 90 of 100.
 */
import fs from 'node:fs';
import { mkdtemp, readFile, rm, writeFile, mkdir, copyFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalBackend } from '../../src/backends/local/local-backend.js';
import { runJob } from '../../src/manager/run-job.js';
import { editGraph, readGraph } from '../../src/models/onnx-graph.js';
import { compileJobSpec } from '../../src/spec/compile.js';
import { preprocessImage } from '../../src/worker/preprocess.js';
import { readResults } from '../support/job-output.js';
import { valueInfo } from '../support/worker-models.js';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const fixtures = path.resolve(repoRoot, '..', 'shared', 'fixtures', 'imagenet');
const modelFile = path.join(fixtures, 'mobilenetv2-12-fp32-from-int8.onnx');
const present = fs.existsSync(modelFile);
if (!present) console.warn(`embedding test skipped: fixtures not found at ${fixtures}`);

const FEATURES = 'features';
const DIMS = 1280;
let dir: string | undefined;

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The model with its classifier's input as a second graph output, `features` `[N, 1280]`. */
function withFeatures(bytes: Uint8Array): Uint8Array {
  const graph = readGraph(bytes);
  const logits = graph.outputs[0]?.name;
  const last = graph.nodes.find((n) => n.output.includes(logits ?? ''));
  const classifier = graph.nodes.find(
    (n) => n.opType === 'MatMul' && last?.input.includes(n.output[0] ?? ''),
  );
  const pooled = classifier?.input[0];
  if (!classifier || !pooled) throw new Error('no classifier MatMul found');
  const identity = {
    name: 'features_out',
    opType: 'Identity',
    input: [pooled],
    output: [FEATURES],
    attribute: [],
  };
  return editGraph(graph, {
    insertAfter: new Map([[classifier.index, [identity]]]),
    addOutputs: [valueInfo(FEATURES, 1, ['batch_size', DIMS])],
  });
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return dot / Math.sqrt(na * nb);
}

/** How many flipped photos have their original as nearest neighbour (cosine). */
function flipMatches(names: readonly string[], vectorOf: (key: string) => ArrayLike<number>): number {
  let matches = 0;
  for (const name of names) {
    const query = vectorOf(`flip/${name}.png`);
    let best = '';
    let bestScore = -Infinity;
    for (const candidate of names) {
      const score = cosine(query, vectorOf(`orig/${candidate}`));
      if (score > bestScore) [best, bestScore] = [candidate, score];
    }
    if (best === name) matches++;
  }
  return matches;
}

describe.skipIf(!present)('embeddings of 100 ImageNet photos (MobileNetV2 float32, pooled features)', () => {
  it('writes vectors equal to ONNX Runtime, read back with DuckDB, that find flipped copies', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-embed-imagenet-'));
    const features = path.join(dir, 'mobilenetv2-features.onnx');
    await writeFile(features, withFeatures(await readFile(modelFile)));

    const names = fs
      .readdirSync(path.join(fixtures, 'images'))
      .filter((f) => f.endsWith('.JPEG'))
      .sort();
    expect(names).toHaveLength(100);
    const data = path.join(dir, 'data');
    await mkdir(path.join(data, 'orig'), { recursive: true });
    await mkdir(path.join(data, 'flip'), { recursive: true });
    for (const name of names) {
      const source = path.join(fixtures, 'images', name);
      await copyFile(source, path.join(data, 'orig', name));
      // Mirrored pixels, stored losslessly (EXIF orientation applied first).
      await sharp(source)
        .rotate()
        .flop()
        .png()
        .toFile(path.join(data, 'flip', `${name}.png`));
    }
    const keys = [...names.map((n) => `orig/${n}`), ...names.map((n) => `flip/${n}.png`)];
    await writeFile(path.join(data, 'manifest.txt'), `${keys.join('\n')}\n`);

    const out = path.join(dir, 'job');
    const spec = compileJobSpec(
      {
        inputs: path.join(data, 'manifest.txt'),
        model: features,
        task: { kind: 'embed', output: FEATURES },
        workers: 4,
        pipeline: { predict: { batchSize: 25 } },
        out,
      },
      { cores: 2, now: new Date(), cwd: dir },
    );
    const backend = new LocalBackend({ maxConcurrency: 2, log: { write: () => true } });
    let outcome;
    try {
      outcome = await runJob(spec, { backend });
    } finally {
      await backend.close();
    }
    expect(outcome.summary).toMatchObject({ status: 'completed', ok: 200, errors: 0 });
    expect(outcome.record.embeddings).toMatchObject({ rows: 200, dims: DIMS });
    const lines = await readResults(out);
    expect(lines.map((l) => l.key)).toEqual(keys);

    // Read back with DuckDB: one row per ok input, key and a FLOAT[] vector.
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    const parquet = path.join(out, 'embeddings.parquet').replace(/'/g, "''");
    const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${parquet}')`);
    expect(described.getRowObjectsJson().map((r) => [r.column_name, r.column_type])).toEqual([
      ['key', 'VARCHAR'],
      ['vector', 'FLOAT[]'],
    ]);
    const reader = await connection.runAndReadAll(`SELECT key, vector FROM read_parquet('${parquet}')`);
    const rows = reader.getRowObjectsJson() as unknown as Array<{ key: string; vector: number[] }>;
    connection.closeSync();
    expect(rows).toHaveLength(200);
    const ours = new Map(rows.map((r) => [r.key, r.vector]));
    for (const line of lines) expect(rows[line.embedding?.row ?? -1]?.key).toBe(line.key);

    // A direct ONNX Runtime run of the same tensors.
    const session = await ort.InferenceSession.create(features, { intraOpNumThreads: 2 });
    const direct = new Map<string, Float32Array>();
    const size = { height: 224, width: 224 };
    for (let start = 0; start < keys.length; start += 20) {
      const batch = keys.slice(start, start + 20);
      const tensors = await Promise.all(
        batch.map(async (k) => preprocessImage(await readFile(path.join(data, k)), size)),
      );
      const input = new Float32Array(batch.length * 3 * 224 * 224);
      tensors.forEach((t, i) => input.set(t, i * t.length));
      const result = await session.run(
        { input: new ort.Tensor('float32', input, [batch.length, 3, 224, 224]) },
        [FEATURES],
      );
      const values = result[FEATURES]?.data as Float32Array;
      batch.forEach((k, i) => direct.set(k, values.slice(i * DIMS, (i + 1) * DIMS)));
    }
    await session.release();
    let maxDiff = 0;
    for (const key of keys) {
      const a = ours.get(key) ?? [];
      const b = direct.get(key) as Float32Array;
      expect(a).toHaveLength(DIMS);
      for (let i = 0; i < DIMS; i++)
        maxDiff = Math.max(maxDiff, Math.abs((a[i] as number) - (b[i] as number)));
    }
    const matches = flipMatches(names, (k) => ours.get(k) ?? []);
    const reference = flipMatches(names, (k) => direct.get(k) as Float32Array);
    console.info(
      `embeddings: max |ours - onnxruntime| = ${maxDiff}; flipped copies found: ${matches}/100 (direct run: ${reference}/100)`,
    );
    expect(maxDiff).toBeLessThanOrEqual(1e-4);
    expect(matches).toBeGreaterThanOrEqual(90);
  });
});
