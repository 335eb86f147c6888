/**
 * Real model, real photos: variants of the float32 MobileNetV2 (`../shared/fixtures/imagenet`)
 * built with our ONNX tooling (NHWC input, BGR input, 0-255 input, a softmax at the end), each
 * annotated with the preprocessing that feeds it, run as jobs on the local backend over the 100
 * labelled photos. Each gives the original's top-1 on every photo and top-5 >= 93/100; the same
 * variant without its declaration (the default preprocessing) does measurably worse, or is
 * refused before anything starts: the declaration is what makes it right.
 */
import fs from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelError, SpecError } from '../../src/errors.js';
import { runJob } from '../../src/manager/run-job.js';
import { annotateModel } from '../../src/models/annotate.js';
import { readGraph } from '../../src/models/onnx-graph.js';
import { compileJobSpec } from '../../src/spec/compile.js';
import { readRecord, readResults } from '../support/job-output.js';
import { buildVariant, VARIANT_PREPROCESS, type VariantKind } from '../support/model-variants.js';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const fixtures = path.resolve(repoRoot, '..', 'shared', 'fixtures', 'imagenet');
const floatModel = path.join(fixtures, 'mobilenetv2-12-fp32-from-int8.onnx');
const present = fs.existsSync(floatModel);
if (!present) console.warn(`model variant tests skipped: fixtures not found at ${fixtures}`);

let dir: string;
let synsets: string[];
let keys: string[];

beforeAll(async () => {
  if (!present) return;
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-model-variants-'));
  synsets = fs
    .readFileSync(path.join(fixtures, 'synset_words.txt'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.slice(0, 9));
  keys = fs
    .readdirSync(path.join(fixtures, 'images'))
    .filter((f) => f.endsWith('.JPEG'))
    .sort();
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Scored {
  /** Top-1 class of each photo, in key order. */
  top1: number[];
  correct1: number;
  correct5: number;
}

/** Runs a job of `model` over the 100 photos and scores it against their labels. */
async function score(model: string, name: string): Promise<Scored> {
  const out = path.join(dir, `out-${name}`);
  const spec = compileJobSpec(
    {
      inputs: path.join(fixtures, 'images'),
      model,
      workers: 1,
      splitSize: 100,
      topK: 5,
      out,
      backend: { type: 'local', maxConcurrency: 1 },
      pipeline: { predict: { batchSize: 25 } },
    },
    { cores: os.availableParallelism(), now: new Date(), cwd: dir },
  );
  const { summary } = await runJob(spec);
  expect(summary).toMatchObject({ status: 'completed', inputs: 100, ok: 100, errors: 0 });
  const byKey = new Map((await readResults(out)).map((r) => [r.key, r]));
  const top1: number[] = [];
  let correct1 = 0;
  let correct5 = 0;
  for (const key of keys) {
    const top = byKey.get(key)?.top ?? [];
    const truth = synsets.indexOf(key.slice(0, 9));
    top1.push(top[0]?.class ?? -1);
    if (top[0]?.class === truth) correct1++;
    if (top.some((s) => s.class === truth)) correct5++;
  }
  return { top1, correct1, correct5 };
}

async function variantFile(kind: VariantKind, annotated: boolean): Promise<string> {
  const bytes = buildVariant(new Uint8Array(await readFile(floatModel)), kind);
  const file = path.join(dir, `${kind}${annotated ? '-annotated' : ''}.onnx`);
  const written = annotated
    ? annotateModel(readGraph(bytes), file, { preprocess: { from: 'test', spec: VARIANT_PREPROCESS[kind] } })
        .bytes
    : bytes;
  await writeFile(file, written);
  return file;
}

describe.skipIf(!present)('variants of a real model, annotated, on 100 real photos', () => {
  let original: Scored;

  beforeAll(async () => {
    original = await score(floatModel, 'original');
    console.info(`original: top-1 ${original.correct1}/100, top-5 ${original.correct5}/100`);
  });

  it.each(['nhwc', 'bgr', 'pixels255', 'softmax'] as const)(
    '%s: the same top-1 on every photo as the original, top-5 >= 93/100',
    async (kind) => {
      const model = await variantFile(kind, true);
      const got = await score(model, kind);
      console.info(`${kind} annotated: top-1 ${got.correct1}/100, top-5 ${got.correct5}/100`);
      expect(got.top1).toEqual(original.top1);
      expect(got.correct5).toBeGreaterThanOrEqual(93);
      // The job took its preprocessing from the model's metadata, and recorded where it came from.
      const record = await readRecord(path.join(dir, `out-${kind}`));
      const declared = Object.keys(VARIANT_PREPROCESS[kind]).filter((k) => k !== 'preset');
      for (const field of declared)
        expect(record.contract?.from[`preprocess.${field}`]).toBe('model metadata (obifaas.preprocess)');
    },
  );

  it.each(['bgr', 'pixels255'] as const)(
    '%s without its declaration scores measurably worse',
    async (kind) => {
      const model = await variantFile(kind, false);
      const got = await score(model, `${kind}-default`);
      console.info(
        `${kind} with the default preprocessing: top-1 ${got.correct1}/100, top-5 ${got.correct5}/100`,
      );
      expect(got.correct1).toBeLessThanOrEqual(original.correct1 - 8);
      expect(got.top1.filter((c, i) => c !== original.top1[i]).length).toBeGreaterThanOrEqual(10);
    },
  );

  it('nhwc without its declaration is refused before anything starts', async () => {
    const model = await variantFile('nhwc', false);
    const out = path.join(dir, 'out-nhwc-default');
    const spec = compileJobSpec(
      { inputs: path.join(fixtures, 'images'), model, workers: 1, out },
      { cores: os.availableParallelism(), now: new Date(), cwd: dir },
    );
    const error = await runJob(spec).then(
      () => null,
      (err: unknown) => err as Error,
    );
    // A failed start-up check: a SpecError under `model`, the model's own error its cause.
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).issues.map((i) => i.path)).toEqual(['model']);
    expect(error?.cause).toBeInstanceOf(ModelError);
    expect(error?.message).toMatch(
      /input 'input_nhwc': expected float32 \[N, 3, 224, 224\] .*actual float32 \[batch_size, 224, 224, 3\]: the model takes NHWC input/,
    );
    expect(fs.existsSync(out)).toBe(false);
  });
});
