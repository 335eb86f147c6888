/**
 * Two job folders compared: jobs run by the job manager on the scripted in-memory backend (so
 * their folders are what a job writes), one of them predicting other classes for a few inputs
 * and failing one, another over partly other inputs; then the refusals.
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scriptedVector } from '../../../test/support/scripted-backend.js';
import { runScriptedJob, type ScriptedJobOptions } from '../../../test/support/scripted-job.js';
import { exitCodeFor } from '../../cli/exit-codes.js';
import type { InputResult } from '../../core/prediction.js';
import { compareJobs } from './compare-jobs.js';
import type { ClassifyAgreement, EmbedAgreement } from './job-comparison.js';
import { jobComparisonHtml } from './compare-html.js';
import { comparedFigure } from './compare-figures.js';
import { cheaperVerdict, fasterVerdict, verdictLines } from './compare-verdicts.js';

let dir: string;
const KEYS = [...Array.from({ length: 10 }, (_, i) => `img${i}.jpg`), 'bad10.jpg', 'odd11.jpg'];

/** B's function: other classes for img3 and img7, an error for odd11, the default for the rest. */
function predictB(key: string): Pick<InputResult, 'top' | 'error'> {
  if (key.startsWith('odd')) return { top: null, error: 'cannot decode in B' };
  if (key === 'img3.jpg' || key === 'img7.jpg')
    return {
      top: [
        { class: 99, score: 0.9 },
        { class: key.length, score: 0.1 },
      ],
      error: null,
    };
  return { top: [{ class: key.length, score: 1 }], error: null };
}

const job = (name: string, keys: readonly string[], options: ScriptedJobOptions = {}): Promise<string> =>
  runScriptedJob(dir, name, keys, options);

const refusal = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => null,
    (err: unknown) => err,
  );

let a: string;
let same: string;
let b: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-compare-'));
  a = await job('a', KEYS);
  same = await job('same', KEYS);
  b = await job('b', KEYS, { predict: predictB });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('compareJobs', () => {
  it('finds two runs of the same model on the same inputs in full agreement', async () => {
    const c = await compareJobs(a, same);
    expect(c.task).toBe('classify');
    expect(c.keys).toEqual({ common: KEYS.length, onlyA: 0, onlyB: 0 });
    expect(c.predictions).toMatchObject({
      compared: 11,
      top1Agree: 11,
      top1AgreePercent: 100,
      top5Overlap: 1,
      differing: [],
      differingNotShown: 0,
      oneSidedErrors: [],
      errorsInBoth: 1,
    });
    expect(c.figures.images).toEqual({ a: 12, b: 12, ratio: 1, difference: 0 });
    expect(c.figures.errors).toMatchObject({ a: 1, b: 1 });
    // Both loaded the same file: one digest, as each job.json recorded it when the job started.
    expect(c.a.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(c.b.model.sha256).toBe(c.a.model.sha256);
    expect(c.a.model.sha256From).toBe('record');
    expect(c.sameModel).toBe(true);
    expect(verdictLines(c)[3]).toBe(`same model (SHA-256 ${c.a.model.sha256!.slice(0, 12)})`);
    expect(c.a.model.quantized).toBeNull();
    expect(c.a.batchSize).toBe(c.b.batchSize);
    // Every setting the same: none marked as differing.
    expect(jobComparisonHtml(c, { generatedAt: 'now' })).not.toContain('data-differs');
  });

  it('lists the inputs whose top-1 differs and those that are an error in one job only', async () => {
    const c = await compareJobs(a, b);
    const p = c.predictions as ClassifyAgreement;
    expect(p.kind).toBe('classify');
    expect(p).toMatchObject({ compared: 10, top1Agree: 8, top1AgreePercent: 80, errorsInBoth: 1 });
    // Eight inputs with B's one class among A's, two with half of B's top in A's.
    expect(p.top5Overlap).toBeCloseTo((8 + 2 * 0.5) / 10, 10);
    expect(p.differing).toEqual([
      { key: 'img3.jpg', a: { class: 8, label: null, score: 1 }, b: { class: 99, label: null, score: 0.9 } },
      { key: 'img7.jpg', a: { class: 8, label: null, score: 1 }, b: { class: 99, label: null, score: 0.9 } },
    ]);
    expect(p.oneSidedErrors).toEqual([
      {
        key: 'odd11.jpg',
        errorIn: 'b',
        error: 'cannot decode in B',
        prediction: { class: 9, label: null, score: 1 },
      },
    ]);
    expect(c.figures.errors).toMatchObject({ a: 1, b: 2, difference: 1, ratio: 2 });
    expect(c.figures.predictions).toMatchObject({ a: 11, b: 10 });
    // The other way round, the error is A's.
    expect((await compareJobs(b, a)).predictions.oneSidedErrors[0]).toMatchObject({ errorIn: 'a' });

    const lines = verdictLines(c);
    expect(lines[2]).toBe('top-1 agrees on 80.0 % of the inputs both predicted (8 of 10)');
    expect(lines[4]).toBe('both jobs have the same 12 inputs');
    const html = jobComparisonHtml(c, { generatedAt: 'now' });
    // The subtitle says where each side's folder is, not the title's names again.
    expect(html).toContain(`A: <code>${a}</code>, B: <code>${b}</code>; classify jobs; report made now`);
    expect(html).toContain('data-field="top1AgreePercent" data-value="80"');
    expect(html).toContain('data-field="differing" data-value="2"');
    expect(html).toContain('<code>img3.jpg</code>');
    expect(html.match(/(?:src|href)="(?!#|data:)[^"]*"/g)).toBeNull();
  });

  it('says which is cheaper per image and by how much, and which is faster, on the first screen', async () => {
    const measured = await compareJobs(a, b);
    const c = {
      ...measured,
      figures: {
        ...measured.figures,
        costPerImageUsd: comparedFigure(0.002, 0.0015),
        imagesPerSecond: comparedFigure(10, 16),
      },
      intervals: {
        costPerImageUsd: { invocations: { a: 6, b: 6 }, low: 0.7, high: 0.8 },
        imagesPerSecond: { invocations: { a: 6, b: 6 }, low: 1.5, high: 1.7 },
      },
    };
    expect(cheaperVerdict(c)).toEqual({
      winner: 'b',
      amount: '25 % less',
      judged: 'clear',
      text: 'B (b) is 25 % cheaper per image ($0.00150 against $0.00200 per image; B / A 0.70 to 0.80 over resampled invocations (95 %))',
    });
    expect(fasterVerdict(c)).toEqual({
      winner: 'b',
      amount: '1.60×',
      judged: 'clear',
      text: 'B (b) is 1.60× as fast (16.0 against 10.0 images/s; B / A 1.50 to 1.70 over resampled invocations (95 %))',
    });
    const html = jobComparisonHtml(c, { generatedAt: 'now' });
    expect(html).toContain('data-field="cheaper" data-value="b"><div class="v">B, 25 % less</div>');
    expect(html).toContain('data-field="faster" data-value="b"><div class="v">B, 1.60×</div>');
    const reversed = { ...c, figures: { ...c.figures, costPerImageUsd: comparedFigure(0.001, 0.004) } };
    expect(cheaperVerdict(reversed)).toMatchObject({ winner: 'a', amount: '75 % less' });
    // The side named first has its figure first, whichever side it is.
    expect(cheaperVerdict(reversed).text).toMatch(
      /^A \(a\) is 75 % cheaper per image \(\$0\.00100 against \$0\.00400 per image;/,
    );
    const slowerB = { ...c, figures: { ...c.figures, imagesPerSecond: comparedFigure(20, 10) } };
    expect(fasterVerdict(slowerB).text).toMatch(
      /^A \(a\) is 2\.00× as fast \(20\.0 against 10\.0 images\/s;/,
    );
    const same = { ...c, figures: { ...c.figures, imagesPerSecond: comparedFigure(10, 10.01) } };
    expect(fasterVerdict(same)).toMatchObject({ winner: 'same', amount: null });
    const none = { ...c, figures: { ...c.figures, imagesPerSecond: comparedFigure(null, 10) } };
    expect(fasterVerdict(none).winner).toBe('unknown');
  });

  it('tells same from different models by the digests the records keep, and an older record by its file now', async () => {
    /** A copy of job `same` whose job.json's model fields are `edit`ed. */
    const edited = async (name: string, edit: (model: Record<string, unknown>) => void): Promise<string> => {
      const copy = path.join(dir, name);
      await cp(same, copy, { recursive: true });
      const file = path.join(copy, 'job.json');
      const record = JSON.parse(await readFile(file, 'utf8')) as { model: Record<string, unknown> };
      edit(record.model);
      await writeFile(file, JSON.stringify(record));
      return copy;
    };
    const other = await edited('other-model', (m) => (m.sha256 = 'f'.repeat(64)));
    const differs = await compareJobs(a, other);
    expect(differs.sameModel).toBe(false);
    expect(verdictLines(differs)[3]).toBe(
      `different models (SHA-256 A ${differs.a.model.sha256!.slice(0, 12)}, B ffffffffffff)`,
    );
    expect(jobComparisonHtml(differs, { generatedAt: 'now' })).toContain('data-differs');
    const older = await edited('older', (m) => {
      delete m.sha256;
      delete m.bytes;
    });
    const c = await compareJobs(a, older);
    expect(c.b.model).toMatchObject({ sha256: c.a.model.sha256, sha256From: 'file' });
    expect(c.sameModel).toBe(true);
    expect(verdictLines(c)[3]).toContain('read from the model file now for a job.json that records none');
    expect(jobComparisonHtml(c, { generatedAt: 'now' })).toContain(
      '(of the file now: not recorded by the job)',
    );
  });

  it('compares jobs over partly the same inputs on the keys both have, and says how many are alone', async () => {
    const part = await job('part', [...KEYS.slice(5, 10), 'new0.jpg', 'new1.jpg', 'new2.jpg']);
    const c = await compareJobs(a, part);
    expect(c.keys).toEqual({ common: 5, onlyA: 7, onlyB: 3 });
    expect(c.predictions).toMatchObject({ compared: 5, top1Agree: 5 });
    expect(verdictLines(c)[4]).toBe('compared on the 5 inputs both have; 7 only in A, 3 only in B');
  });

  it('refuses jobs with no input in common, and jobs of another task, with exit 2', async () => {
    const other = await job('other', ['z0.jpg', 'z1.jpg']);
    const disjoint = await refusal(compareJobs(a, other));
    expect(exitCodeFor(disjoint)).toBe(2);
    expect((disjoint as Error).message).toBe(
      `--compare: '${a}' (12 inputs) and '${other}' (2 inputs) have no input in common; compare two runs over the same inputs`,
    );
    const embed = await job('embed', KEYS, { embed: true });
    const tasks = await refusal(compareJobs(a, embed));
    expect(exitCodeFor(tasks)).toBe(2);
    expect((tasks as Error).message).toMatch(/'.*a' is a classify job and '.*embed' is an embed job/);
    const short = await job('embed-short', KEYS, { embed: true, vector: () => Float32Array.of(1, 2) });
    const lengths = await refusal(compareJobs(embed, short));
    expect(exitCodeFor(lengths)).toBe(2);
    expect((lengths as Error).message).toMatch(
      /the vectors of '.*embed' have 4 values and those of '.*embed-short' 2; only vectors of one length compare$/,
    );
  });

  it("compares embed jobs' vectors by cosine similarity and lists the least alike", async () => {
    const embedA = await job('embed-a', KEYS, { embed: true });
    const embedSame = await job('embed-same', KEYS, { embed: true });
    const alike = await compareJobs(embedA, embedSame);
    expect(alike.task).toBe('embed');
    expect(alike.predictions).toMatchObject({
      kind: 'embed',
      compared: 11,
      dims: 4,
      cosine: { min: 1, median: 1, mean: 1 },
      oneSidedErrors: [],
      errorsInBoth: 1,
    });

    // B: img3's vector twice as long (as alike), img7's reversed, odd11's NaN (an error in B).
    const embedB = await job('embed-b', KEYS, {
      embed: true,
      vector: (key) => {
        const v = scriptedVector(key);
        if (key === 'img3.jpg') return v.map((x) => 2 * x);
        if (key === 'img7.jpg') return v.map((x) => -x);
        return key.startsWith('odd') ? Float32Array.of(NaN, 0, 0, 0) : v;
      },
    });
    const c = await compareJobs(embedA, embedB);
    const p = c.predictions as EmbedAgreement;
    expect(p).toMatchObject({ kind: 'embed', compared: 10, dims: 4, errorsInBoth: 1 });
    expect(p.cosine?.min).toBeCloseTo(-1, 6);
    expect(p.cosine?.median).toBeCloseTo(1, 6);
    expect(p.cosine?.mean).toBeCloseTo((9 - 1) / 10, 6);
    expect(p.lowest).toHaveLength(10);
    expect(p.lowest[0]?.key).toBe('img7.jpg');
    expect(p.oneSidedErrors).toEqual([
      {
        key: 'odd11.jpg',
        errorIn: 'b',
        error: 'the vector returned has 1 of 4 values NaN or infinite',
        prediction: null,
      },
    ]);
    expect(verdictLines(c)[2]).toMatch(
      /^the vectors' cosine similarity: median 1\.0000, mean 0\.8000, min -1\.0000 over the 10 inputs both embedded$/,
    );
    const html = jobComparisonHtml(c, { generatedAt: 'now' });
    expect(html).toMatch(/data-field="medianCosine" data-value="1"/);
    expect(html).toContain('<div class="lowest">');
    expect(html.indexOf('<code>img7.jpg</code>')).toBeLessThan(html.indexOf('<code>img0.jpg</code>'));
  });

  it('refuses a damaged folder with the one-line errors of the job report and `results`', async () => {
    const damaged = await mkdtemp(path.join(dir, 'damaged-'));
    const record = path.join(damaged, 'job.json');
    await writeFile(record, JSON.stringify({ version: 1, summary: { inputs: -1 } }));
    const bad = await refusal(compareJobs(a, damaged));
    expect(exitCodeFor(bad)).toBe(2);
    expect((bad as Error).message).toMatch(`invalid job record ${record}: jobId: missing`);
    expect((bad as Error).message).not.toContain('\n');

    const badLine = await job('bad-line', KEYS);
    await writeFile(path.join(badLine, 'results.jsonl'), '{"key": 1}\n');
    const line = await refusal(compareJobs(a, badLine));
    expect(exitCodeFor(line)).toBe(2);
    expect((line as Error).message).toMatch(/results\.jsonl:1: key: expected a string/);
  });

  it('hashes only a regular file where a job.json names its model, never a device or a pipe', async () => {
    const fifo = path.join(dir, 'model.fifo');
    execFileSync('mkfifo', [fifo]);
    for (const model of ['/dev/zero', fifo]) {
      const other = await job(`model-${path.basename(model)}`, KEYS);
      const record = path.join(other, 'job.json');
      const json = JSON.parse(await readFile(record, 'utf8')) as { model: { path: string; sha256?: string } };
      // A record of an earlier version (no digest), so that the file at the path is read.
      const { sha256: _recorded, ...older } = json.model;
      await writeFile(record, JSON.stringify({ ...json, model: { ...older, path: model } }));
      const c = await compareJobs(a, other);
      expect(c.b.model.sha256).toBeNull();
      expect(c.a.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
  });
});
