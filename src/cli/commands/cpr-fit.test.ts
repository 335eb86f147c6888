/**
 * `obifaas cpr fit` on the reference's sampling output (a JSON array of jobs, its summary.json)
 * and on samples of two precisions, through the CLI's `main()`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureCli as run } from '../../../test/support/capture-cli.js';
import { expectRefusal } from '../../../test/support/cli-refusal.js';
import { parseCprModel, type CprModel } from '../../planning/cpr-model.js';
import { formatCprSample } from '../../planning/cpr-records.js';

const REFERENCE = fileURL('../../../test/data/reference-summary.json');

function fileURL(relative: string): string {
  return new URL(relative, import.meta.url).pathname;
}

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-cpr-fit-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

interface Report {
  samplesFile: string;
  layout: string;
  notes: string[];
  fits: { precision: string | null; samples: number; modelFile: string; model: CprModel }[];
}

describe("cpr fit: the reference's summary.json", () => {
  it('reads the 59 jobs of the JSON array from a folder, and says which layout it read', async () => {
    const folder = path.join(dir, 'reference');
    await fs.mkdir(folder);
    await fs.copyFile(REFERENCE, path.join(folder, 'summary.json'));
    const result = await run('cpr', 'fit', folder, '--json');
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.samplesFile).toBe(path.join(folder, 'summary.json'));
    expect(report.layout).toBe('reference-array');
    expect(report.notes[0]).toMatch(/taken as 3008 MB/);
    expect(report.fits).toHaveLength(1);
    expect(report.fits[0]!.samples).toBe(59);
    const model = parseCprModel(JSON.parse(await fs.readFile(report.fits[0]!.modelFile, 'utf8')));
    expect(model.memoryMb).toBe(3008);
    expect(model.compute.b2).toBeGreaterThan(0.7);

    const table = await run('cpr', 'fit', path.join(folder, 'summary.json'), '--memory', '3008');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^read as +the reference's JSON array of jobs \(summary\.json\)$/m);
    expect(table.stdout).not.toMatch(/^note/m);
    expect(table.stdout).toMatch(/^price +\$0\.0000490 per function-second$/m);
  });

  it('a malformed file gets one summarising message, whatever its length', async () => {
    const text = await fs.readFile(REFERENCE, 'utf8');
    const cut = path.join(dir, 'cut.json');
    await fs.writeFile(cut, text.slice(0, text.length / 2));
    expectRefusal(
      await run('cpr', 'fit', cut),
      /cut\.json: starts like a JSON array but is not valid JSON \(\d+ lines/,
    );
    const object = path.join(dir, 'object.json');
    await fs.writeFile(object, `{"jobs": ${text}}`);
    const result = await run('cpr', 'fit', object);
    expectRefusal(
      result,
      /read as JSON lines, 94\d lines are bad; the file is 94\d lines of a JSON object spread over several lines/,
    );
    expect(result.stderr.length).toBeLessThan(800);
  });

  it('refuses a samples file that is a FIFO at once, and a folder without samples', async () => {
    const fifo = path.join(dir, 'samples-fifo.jsonl');
    execFileSync('mkfifo', [fifo]);
    expectRefusal(
      await run('cpr', 'fit', fifo),
      /cannot read '.*samples-fifo\.jsonl': it is a FIFO \(named pipe\)$/,
    );
    const empty = await fs.mkdtemp(path.join(dir, 'empty-'));
    expectRefusal(
      await run('cpr', 'fit', empty),
      /: no samples\.jsonl \(nor the reference's summary\.json\) there \(run `obifaas cpr sample` first\)$/,
    );
  });
});

describe('cpr fit: samples of two precisions', () => {
  it('fits each precision apart, into its own model file', async () => {
    const folder = path.join(dir, 'precisions');
    await fs.mkdir(folder);
    const lines: string[] = [];
    for (const [precision, perImage] of [
      ['fp32', 0.08],
      ['int8', 0.03],
    ] as const)
      for (const [images, workers] of [
        [32, 1],
        [64, 2],
        [128, 1],
        [256, 4],
        [512, 2],
        [512, 8],
      ] as const)
        lines.push(
          formatCprSample({
            images,
            workers,
            computeSeconds: perImage * images + 0.3 * workers,
            initSeconds: 2 * workers,
            latencySeconds: (perImage * images) / workers + 2.5,
            memoryMb: 3008,
            precision,
          }),
        );
    await fs.writeFile(path.join(folder, 'samples.jsonl'), lines.join(''));
    const result = await run('cpr', 'fit', folder, '--json');
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.fits.map((f) => [f.precision, f.samples, path.basename(f.modelFile)])).toEqual([
      ['fp32', 6, 'cpr-model-fp32.json'],
      ['int8', 6, 'cpr-model-int8.json'],
    ]);
    const int8 = parseCprModel(JSON.parse(await fs.readFile(report.fits[1]!.modelFile, 'utf8')));
    expect(int8.precision).toBe('int8');

    const one = await run('cpr', 'fit', folder, '--precision', 'int8', '--json');
    expect((JSON.parse(one.stdout) as Report).fits.map((f) => path.basename(f.modelFile))).toEqual([
      'cpr-model.json',
    ]);
    expectRefusal(
      await run('cpr', 'fit', folder, '--precision', 'fp16'),
      /--precision: unknown precision 'fp16'/,
    );
  });
});
