/**
 * Real accuracy: 100 labelled ImageNet photos and the pretrained MobileNetV2 int8 model from
 * the shared fixtures, through the whole worker (files in a store, handle(), predictions).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultPipelineConfig } from '../../src/worker/defaults.js';
import { handle } from '../../src/worker/handler.js';
import { testDeployment } from '../support/function-access.js';
import { closeInferencePools } from '../../src/worker/inference-pools.js';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const fixtures = path.resolve(repoRoot, '..', 'shared', 'fixtures', 'imagenet');
const present = fs.existsSync(path.join(fixtures, 'mobilenetv2-12-int8.onnx'));
if (!present) console.warn(`accuracy test skipped: fixtures not found at ${fixtures}`);

afterAll(async () => {
  await closeInferencePools();
});

describe.skipIf(!present)('accuracy on 100 labelled ImageNet photos (MobileNetV2 int8)', () => {
  it('reaches top-1 >= 78/100 and top-5 >= 93/100, with class names from the labels file', async () => {
    const labelsFile = path.join(fixtures, 'synset_words.txt');
    const synsets = fs
      .readFileSync(labelsFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.slice(0, 9));
    const keys = fs
      .readdirSync(path.join(fixtures, 'images'))
      .filter((f) => f.endsWith('.JPEG'))
      .sort();
    expect(keys).toHaveLength(100);
    const pipeline = defaultPipelineConfig(2);
    const result = await handle(
      {
        kind: 'static',
        jobId: 'accuracy',
        workerId: 'w',
        model: { uri: path.join(fixtures, 'mobilenetv2-12-int8.onnx'), labelsUri: labelsFile },
        storage: { type: 'fs', root: path.join(fixtures, 'images') },
        pipeline: { ...pipeline, predict: { ...pipeline.predict, batchSize: 25 }, topK: 5 },
        splits: [{ splitId: 'all', keys }],
      },
      { deployment: testDeployment({ read: [fixtures] }) },
    );
    const results = result.splits[0]?.results ?? [];
    expect(results.map((r) => r.key)).toEqual(keys);
    let top1 = 0;
    let top5 = 0;
    for (const r of results) {
      expect(r.error).toBeNull();
      const truth = synsets.indexOf(r.key.slice(0, 9));
      expect(truth).toBeGreaterThanOrEqual(0);
      const top = r.top ?? [];
      expect(top[0]?.label?.slice(0, 9)).toBe(synsets[top[0]?.class ?? -1]);
      if (top[0]?.class === truth) top1++;
      if (top.some((s) => s.class === truth)) top5++;
    }
    console.info(`accuracy: top-1 ${top1}/100, top-5 ${top5}/100`);
    expect(top1).toBeGreaterThanOrEqual(78);
    expect(top5).toBeGreaterThanOrEqual(93);
    const tench = results.find((r) => r.key.startsWith('n01440764'));
    expect(tench?.top?.[0]?.label).toBe('n01440764 tench, Tinca tinca');
  });
});
