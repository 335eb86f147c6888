/**
 * Two real jobs compared as a user compares them: the tiny model and its int8 version (made by
 * `obifaas model quantize`) run over the same synthetic images on local functions, and the tiny
 * model run again at another batch size; `obifaas report A --compare B` on each pair, its
 * `--json` checked against the jobs' own files, and the page opened from file:// in Debian's
 * Chromium, laid out without overflow at a laptop's width and a phone's, and whole in print.
 */
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InputResult } from '../../src/core/prediction.js';
import { generateDataset, type GeneratedDataset } from '../../src/dataset/generate.js';
import type { JobRecord } from '../../src/manager/types.js';
import type {
  ClassifyAgreement,
  EmbedAgreement,
  JobComparison,
} from '../../src/report/compare/job-comparison.js';
import { chromiumPath, openFile } from '../support/browser.js';
import { expectGoodLayout, SCREENSHOT_DIR } from '../support/page-layout.js';
import { obifaas as runObifaas, type CliRun } from '../support/obifaas-cli.js';

let dir: string;
let dataset: GeneratedDataset;

function obifaas(args: string[]): Promise<CliRun> {
  return runObifaas(args, { cwd: dir, env: { OBIFAAS_HOME: path.join(dir, 'home') } });
}

/** Runs the job over the dataset into `out` (a classify job, or an embed one) and returns its folder. */
async function runJob(out: string, model: string, batchSize: number, task = 'classify'): Promise<string> {
  const run = await obifaas([
    'run',
    ...['--input', 'data/manifest.txt', '--model', model, '--workers', '2', '--split-size', '6'],
    ...['--batch-size', String(batchSize), '--out', out, '--no-report'],
    ...(task === 'embed' ? ['--task', 'embed'] : ['--top-k', '5']),
  ]);
  expect(run.code, run.stderr).toBe(0);
  return path.join(dir, out);
}

/** `report A --compare B --json`, parsed. */
async function compare(a: string, b: string): Promise<{ file: string; comparison: JobComparison }> {
  const run = await obifaas(['report', a, '--compare', b, '--json']);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as { file: string; comparison: JobComparison };
}

const readJson = async <T>(file: string): Promise<T> => JSON.parse(await readFile(file, 'utf8')) as T;
const results = async (job: string): Promise<InputResult[]> =>
  (await readFile(path.join(job, 'results.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as InputResult);

let float32: string;
let float32Again: string;
let int8: string;
beforeAll(async () => {
  chromiumPath(); // fails first, and loudly, where there is no browser
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-report-compare-'));
  dataset = await generateDataset({ count: 24, outDir: path.join(dir, 'data'), seed: 5 });
  const build = await obifaas(['model', 'build', 'tiny', '--out', 'tiny.onnx']);
  expect(build.code, build.stderr).toBe(0);
  const quantize = await obifaas([
    ...['model', 'quantize', 'tiny.onnx', '--calibration', 'data/images'],
    ...['--images', '12', '--held-out', '4', '--out', 'tiny-int8.onnx'],
  ]);
  expect(quantize.code, quantize.stderr).toBe(0);
  float32 = await runJob('float32', 'tiny.onnx', 4);
  float32Again = await runJob('float32-batch2', 'tiny.onnx', 2);
  int8 = await runJob('int8', 'tiny-int8.onnx', 4);
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('report --compare on two real jobs', () => {
  it('finds the same model at another batch size in full agreement, with the figures of job.json', async () => {
    const { comparison: c } = await compare(float32, float32Again);
    const [a, b] = [
      await readJson<JobRecord>(path.join(float32, 'job.json')),
      await readJson<JobRecord>(path.join(float32Again, 'job.json')),
    ];
    expect(c.keys).toEqual({ common: dataset.keys.length, onlyA: 0, onlyB: 0 });
    expect(c.predictions).toMatchObject({
      compared: a.summary.ok,
      top1Agree: a.summary.ok,
      top1AgreePercent: 100,
      differing: [],
      oneSidedErrors: [],
    });
    expect((c.predictions as ClassifyAgreement).top5Overlap).toBeCloseTo(1, 12);
    expect(c.figures.images).toMatchObject({ a: dataset.keys.length, b: dataset.keys.length, ratio: 1 });
    expect(c.figures.costUsd).toMatchObject({ a: a.summary.costUsd, b: b.summary.costUsd });
    expect(c.figures.invocations).toMatchObject({ a: a.summary.invocations, b: b.summary.invocations });
    expect([c.a.batchSize, c.b.batchSize]).toEqual([4, 2]);
    expect(c.a.model).toMatchObject({ quantized: false, sha256: c.b.model.sha256 });
  });

  it("sets the int8 model against the float32 one, its counts consistent with both jobs' results", async () => {
    const { file, comparison: c } = await compare(float32, int8);
    expect(file).toBe(path.join(float32, 'compare-int8.html'));
    expect([c.a.model.quantized, c.b.model.quantized]).toEqual([false, true]);
    expect(c.a.model.sha256).not.toBe(c.b.model.sha256);
    const [ra, rb] = [await results(float32), await results(int8)];
    const top1 = new Map(ra.map((r) => [r.key, r.top?.[0]?.class]));
    const agree = rb.filter((r) => r.top?.[0]?.class === top1.get(r.key)).length;
    const p = c.predictions as ClassifyAgreement;
    expect(p.compared).toBe(dataset.keys.length);
    expect(p.top1Agree).toBe(agree);
    expect(p.differing.length + p.differingNotShown).toBe(p.compared - p.top1Agree);
    expect(p.top1AgreePercent).toBeCloseTo((100 * agree) / p.compared, 10);

    const opened = await openFile(file);
    try {
      const { page } = opened;
      const card = (field: string) => page.locator(`.card[data-field="${field}"]`);
      expect(Number(await card('top1AgreePercent').getAttribute('data-value'))).toBeCloseTo(
        p.top1AgreePercent!,
        10,
      );
      expect(await card('compared').getAttribute('data-value')).toBe(String(p.compared));
      // The tiles always give the ratio of the whole jobs, however sure the verdict is.
      const speed = c.figures.imagesPerSecond.ratio!;
      const fasterTile = (await card('faster').locator('.v').textContent())!;
      if (Math.abs(speed - 1) >= 0.005)
        expect(fasterTile).toContain(`${(speed > 1 ? speed : 1 / speed).toFixed(2)}×`);
      expect(fasterTile).not.toContain('about the same');
      expect(await page.locator('[data-field="precision"]').allTextContents()).toEqual([
        'not quantized',
        'int8 (quantized)',
      ]);
      expect(await page.locator('tr[data-differs] th').allTextContents()).toEqual([
        'model (differs)',
        'model file (differs)',
        'precision (differs)',
        'model SHA-256 (differs)',
      ]);
      expect(await page.locator('.differing tr').count()).toBe(
        p.differing.length === 0 ? 0 : p.differing.length + 1,
      );
      expect(await page.locator('figure svg').count()).toBe(2);
      await expectGoodLayout(page, 'report-compare');
      await copyFile(file, path.join(SCREENSHOT_DIR, 'report-compare.html'));
      expect(opened.errors).toEqual([]);
    } finally {
      await opened.close();
    }
  });

  it("sets the int8 model's vectors against the float32 ones by cosine similarity", async () => {
    const [embedA, embedB] = [
      await runJob('embed-float32', 'tiny.onnx', 4, 'embed'),
      await runJob('embed-int8', 'tiny-int8.onnx', 4, 'embed'),
    ];
    const { file, comparison: c } = await compare(embedA, embedB);
    expect(c.task).toBe('embed');
    const p = c.predictions as EmbedAgreement;
    const withVector = async (job: string): Promise<Set<string>> =>
      new Set((await results(job)).filter((r) => r.embedding).map((r) => r.key));
    const [va, vb] = [await withVector(embedA), await withVector(embedB)];
    expect(p.compared).toBe([...va].filter((k) => vb.has(k)).length);
    expect(p.compared).toBe(dataset.keys.length);
    const cosine = p.cosine!;
    expect(cosine.min).toBeLessThanOrEqual(cosine.median);
    expect(cosine.median).toBeLessThanOrEqual(1);
    expect(p.lowest).toHaveLength(Math.min(20, p.compared));
    expect(p.lowest[0]?.cosine).toBe(cosine.min);

    const opened = await openFile(file);
    try {
      const { page } = opened;
      expect(Number(await page.locator('.card[data-field="medianCosine"]').getAttribute('data-value'))).toBe(
        cosine.median,
      );
      expect(await page.locator('.lowest tr').count()).toBe(p.lowest.length + 1);
      await expectGoodLayout(page, 'report-compare-embed');
      expect(opened.errors).toEqual([]);
    } finally {
      await opened.close();
    }
  });
});
