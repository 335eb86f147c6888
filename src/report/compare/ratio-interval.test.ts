/**
 * The verdicts judged by resampling each job's own invocations: job folders as the job manager
 * writes them, whose `job.json` is then given crafted invocations (cold ones that loaded the
 * model and warm ones, their run and billed times, their images) and whole-job figures. A clear
 * 1.75× gap over 4 noisy invocations a side names a winner; two runs of one job, with noise, do
 * not; too few invocations say so, and the ratio is given in every case.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScriptedJob } from '../../../test/support/scripted-job.js';
import type { JobRecord } from '../../manager/types.js';
import { jobComparisonHtml } from './compare-html.js';
import { compareJobs } from './compare-jobs.js';
import { cheaperVerdict, fasterVerdict } from './compare-verdicts.js';

let dir: string;
let base: string;
const KEYS = Array.from({ length: 12 }, (_, i) => `img${i}.jpg`);

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-ratio-interval-'));
  base = await runScriptedJob(dir, 'base', KEYS);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** One crafted invocation: whether it loaded the model, and how long it ran over 10 images. */
type Crafted = { cold: boolean; ms: number };
const cold = (ms: number): Crafted => ({ cold: true, ms });
const warm = (ms: number): Crafted => ({ cold: false, ms });

/**
 * A copy of the base job named `name` whose invocations are `invocations` (10 images each,
 * billed as long as they ran), and whose summary has the figures of the whole job that they make.
 */
async function crafted(name: string, invocations: readonly Crafted[]): Promise<string> {
  const copy = path.join(dir, name);
  await cp(base, copy, { recursive: true });
  const file = path.join(copy, 'job.json');
  const record = JSON.parse(await readFile(file, 'utf8')) as JobRecord;
  const first = record.invocations[0]!;
  record.invocations = invocations.map((inv, i) => ({
    ...first,
    invocationId: `${name}-${i}`,
    workerId: `w${i % 2}`,
    cold: inv.cold,
    billedMs: inv.ms,
    durationMs: inv.ms,
    initMs: 0,
    timings: { ...first.timings!, images: 10 },
  }));
  const images = invocations.length * 10;
  const seconds = invocations.reduce((n, inv) => n + inv.ms, 0) / 1000;
  // Cost follows the billed time: 1 USD per 1,000 billed seconds, as a figure to compare.
  Object.assign(record.summary, {
    costPerMillionImagesUsd: ((seconds / 1000) * 1e6) / images,
    imagesPerSecond: images / seconds,
  });
  await writeFile(file, JSON.stringify(record));
  return copy;
}

/** float32: two invocations that load the model, two warm ones, ±10 % noise. */
const FP32 = [cold(3000), cold(2500), warm(1100), warm(900)];
/** int8, 1.75× as fast, with noise of its own. */
const INT8 = [cold(1560), cold(1510), warm(690), warm(526)];
/** float32 again: the same job, other noise. */
const FP32_AGAIN = [cold(2700), cold(3000), warm(1000), warm(1100)];

/** One worker each: the invocation that loaded the model, then 5 warm ones (int8: 1.75× as fast). */
const ONE_WORKER_FP32 = [cold(2800), warm(1000), warm(1100), warm(900), warm(1050), warm(950)];
const ONE_WORKER_INT8 = [cold(1600), warm(570), warm(630), warm(510), warm(600), warm(546)];

describe('a verdict judged by resampling the invocations', () => {
  it('names int8 the winner of a clear 1.75× gap over 4 noisy invocations a side', async () => {
    const c = await compareJobs(await crafted('fp32', FP32), await crafted('int8', INT8));
    expect(c.figures.imagesPerSecond.ratio).toBeCloseTo(1.75, 1);
    expect(c.intervals.imagesPerSecond).toMatchObject({ invocations: { a: 4, b: 4 } });
    expect(c.intervals.imagesPerSecond.low!).toBeGreaterThan(1);
    const faster = fasterVerdict(c);
    expect(faster).toMatchObject({ winner: 'b', amount: '1.75×', judged: 'clear' });
    expect(faster.text).toMatch(
      /^B \(int8\) is 1\.75× as fast \(.* images\/s; B \/ A 1\.\d\d to \d\.\d\d over resampled invocations \(95 %\)\)$/,
    );
    expect(cheaperVerdict(c)).toMatchObject({ winner: 'b', amount: '43 % less', judged: 'clear' });
    const html = jobComparisonHtml(c, { generatedAt: 'now' });
    expect(html).toContain('data-field="faster" data-value="b"><div class="v">B, 1.75×</div>');
    expect(html).not.toContain('about the same');
    // Deterministic: the same folders give the same interval.
    const again = await compareJobs(c.a.dir, c.b.dir);
    expect(again.intervals).toEqual(c.intervals);
  });

  it('declares no winner between two runs of the same job with noise, still giving the ratio', async () => {
    const c = await compareJobs(await crafted('run1', FP32), await crafted('run2', FP32_AGAIN));
    const interval = c.intervals.imagesPerSecond;
    expect(interval.low!).toBeLessThan(1);
    expect(interval.high!).toBeGreaterThan(1);
    const faster = fasterVerdict(c);
    expect(faster).toMatchObject({ winner: 'a', judged: 'within-noise' });
    expect(faster.amount).toMatch(/^1\.0\d×$/);
    expect(faster.text).toMatch(
      /^no clear winner in speed: A \(run1\) is 1\.0\d× as fast, within the invocations' spread \(/,
    );
    expect(cheaperVerdict(c)).toMatchObject({ winner: 'a', judged: 'within-noise' });
    const html = jobComparisonHtml(c, { generatedAt: 'now' });
    expect(html).toMatch(
      /data-field="faster" data-value="unclear"><div class="v">no clear winner \(A, 1\.0\d×\)<\/div>/,
    );
  });

  it('says there are not enough invocations to judge, and still gives the ratio', async () => {
    // A single warm invocation's variation cannot be seen.
    const c = await compareJobs(
      await crafted('few-a', [cold(3000), cold(2500), cold(2800), warm(1000)]),
      await crafted('few-b', INT8),
    );
    expect(c.intervals.costPerImageUsd).toEqual({ invocations: { a: 4, b: 4 }, low: null, high: null });
    const faster = fasterVerdict(c);
    expect(faster).toMatchObject({ winner: 'b', judged: 'not-judged' });
    expect(faster.text).toContain(
      'not enough invocations to judge the spread (A 4 and B 4 that predicted images; needed: 4 a side, and as many beside a lone cold or warm one)',
    );
    expect(jobComparisonHtml(c, { generatedAt: 'now' })).toMatch(
      /data-field="faster" data-value="b"><div class="v">B, \d\.\d\d× \(spread not judged\)<\/div>/,
    );
  });

  it('judges one worker a side by its warm invocations, holding the one that loaded the model', async () => {
    const c = await compareJobs(
      await crafted('one-fp32', ONE_WORKER_FP32),
      await crafted('one-int8', ONE_WORKER_INT8),
    );
    expect(c.intervals.imagesPerSecond.low!).toBeGreaterThan(1);
    expect(fasterVerdict(c)).toMatchObject({ winner: 'b', amount: '1.75×', judged: 'clear' });
  });
});
