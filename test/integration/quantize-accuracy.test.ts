/**
 * int8 accuracy on real photos: the real float32 MobileNetV2 from the shared fixtures, quantized
 * by `quantizeModel` on calibration images made from the labelled photos (flipped, cropped and
 * rescaled, so not the test images themselves), then both models through the whole worker
 * (files in a store, handle(), predictions) on the 100 labelled photos.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../src/core/random.js';
import { readGraph } from '../../src/models/onnx-graph.js';
import { QUANTIZATION_METADATA_KEY } from '../../src/quantize/provenance.js';
import { quantizeModel } from '../../src/quantize/quantize-model.js';
import { defaultPipelineConfig } from '../../src/worker/defaults.js';
import { handle } from '../../src/worker/handler.js';
import { testDeployment } from '../support/function-access.js';
import { closeInferencePools } from '../../src/worker/inference-pools.js';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const fixtures = path.resolve(repoRoot, '..', 'shared', 'fixtures', 'imagenet');
const floatModel = path.join(fixtures, 'mobilenetv2-12-fp32-from-int8.onnx');
const present = fs.existsSync(floatModel);
if (!present) console.warn(`int8 accuracy test skipped: fixtures not found at ${fixtures}`);

let dir: string;

beforeAll(async () => {
  dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'obifaas-quantize-accuracy-'));
});

afterAll(async () => {
  await closeInferencePools();
  await fs.promises.rm(dir, { recursive: true, force: true });
});

/** A flipped, cropped and rescaled copy of every photo (seeded). */
async function writeCalibrationImages(photos: string[], outDir: string): Promise<void> {
  const rng = new Random(7);
  await fs.promises.mkdir(outDir, { recursive: true });
  for (const [i, photo] of photos.entries()) {
    const image = sharp(path.join(fixtures, 'images', photo)).rotate();
    const { width = 0, height = 0 } = await image.metadata();
    const cropW = Math.round(width * rng.uniform(0.7, 0.9));
    const cropH = Math.round(height * rng.uniform(0.7, 0.9));
    const left = rng.int(0, width - cropW);
    const top = rng.int(0, height - cropH);
    const short = rng.int(180, 420);
    const scale = short / Math.min(cropW, cropH);
    await image
      .extract({ left, top, width: cropW, height: cropH })
      .flop()
      .resize(Math.max(1, Math.round(cropW * scale)), Math.max(1, Math.round(cropH * scale)))
      .jpeg({ quality: 90 })
      .toFile(path.join(outDir, `variant-${String(i).padStart(3, '0')}.jpg`));
  }
}

async function classify(model: string, keys: string[]): Promise<number[]> {
  const pipeline = defaultPipelineConfig(2);
  const result = await handle(
    {
      kind: 'static',
      jobId: 'int8-accuracy',
      workerId: 'w',
      model: { uri: model },
      storage: { type: 'fs', root: path.join(fixtures, 'images') },
      pipeline: { ...pipeline, predict: { ...pipeline.predict, batchSize: 25 }, topK: 1 },
      splits: [{ splitId: 'all', keys }],
    },
    { deployment: testDeployment({ read: [fixtures, model] }) },
  );
  const results = result.splits[0]?.results ?? [];
  expect(results.map((r) => r.key)).toEqual(keys);
  return results.map((r) => {
    expect(r.error).toBeNull();
    return r.top?.[0]?.class ?? -1;
  });
}

describe.skipIf(!present)('int8 quantization of a real MobileNetV2, calibrated on real photos', () => {
  it('keeps top-1 within 2 points of float32 and agrees on at least 88 of 100 photos', async () => {
    const synsets = fs
      .readFileSync(path.join(fixtures, 'synset_words.txt'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.slice(0, 9));
    const photos = fs
      .readdirSync(path.join(fixtures, 'images'))
      .filter((f) => f.endsWith('.JPEG'))
      .sort();
    expect(photos).toHaveLength(100);
    const calibration = path.join(dir, 'calibration');
    await writeCalibrationImages(photos, calibration);
    const out = path.join(dir, 'mobilenetv2-int8.onnx');

    const report = await quantizeModel({ model: floatModel, out, calibration, images: 64, heldOut: 16 });
    expect(report.images).toMatchObject({ calibration: 64, heldOut: 16, skipped: 0 });
    // ONNX Runtime runs the convolutions, residual adds, pooling and classifier as int8 kernels.
    expect(
      report.runtime.operators['com.microsoft:QLinearConv'] ?? report.runtime.operators.QLinearConv,
    ).toBe(52);
    expect(report.runtime.int8Kernels).toBeGreaterThanOrEqual(60);
    expect(report.layers.length).toBeGreaterThanOrEqual(60);
    const settings = readGraph(fs.readFileSync(out)).metadata.find(
      (m) => m.key === QUANTIZATION_METADATA_KEY,
    );
    expect(JSON.parse(settings?.value ?? '{}')).toMatchObject({ method: 'entropy', calibrationImages: 64 });

    const truth = photos.map((p) => synsets.indexOf(p.slice(0, 9)));
    const float = await classify(floatModel, photos);
    const int8 = await classify(out, photos);
    const top1 = (pred: number[]): number => pred.filter((c, i) => c === truth[i]).length;
    const agree = float.filter((c, i) => c === int8[i]).length;
    console.info(
      `float32 top-1 ${top1(float)}/100, int8 top-1 ${top1(int8)}/100, agreement ${agree}/100 ` +
        `(held-out agreement ${report.agreement.top1Agreements}/${report.agreement.images}, ` +
        `max logit error ${report.agreement.maxLogitError.toFixed(2)})`,
    );
    expect(top1(float)).toBeGreaterThanOrEqual(80);
    expect(top1(int8)).toBeGreaterThanOrEqual(top1(float) - 2);
    expect(agree).toBeGreaterThanOrEqual(88);
  });
});
