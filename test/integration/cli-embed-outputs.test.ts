/**
 * An embed job's outputs as a user reads them, through the installed CLI (`bin/obifaas.js` over
 * `dist/`, child processes): `--top-k` and `--labels` are refused for an embed job; `results
 * --format csv` says where each input's vector is in `embeddings.parquet`; `report` shows the
 * task, the preprocessing with where it came from, and the vectors file; a misspelt `--output`
 * gets a suggestion.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InputResult } from '../../src/core/prediction.js';
import { generateDataset, type GeneratedDataset } from '../../src/dataset/generate.js';
import { expectRefusal } from '../support/cli-refusal.js';
import { obifaasBin, requireFreshDist, type BinRun } from '../support/obifaas-bin.js';
import { twoOutputModel } from '../support/task-models.js';

let dir: string;
let dataset: GeneratedDataset;
let model: string;

beforeAll(async () => {
  await requireFreshDist();
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-cli-embed-'));
  dataset = await generateDataset({ count: 6, outDir: path.join(dir, 'data'), seed: 3 });
  model = path.join(dir, 'two.onnx');
  await writeFile(model, twoOutputModel());
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const cli = (args: string[]): Promise<BinRun> =>
  obifaasBin(args, { cwd: dir, env: { OBIFAAS_HOME: path.join(dir, 'home') } });
const embed = (extra: string[]): Promise<BinRun> =>
  cli(['run', '--input', dataset.manifestPath, '--model', model, '--task', 'embed', ...extra]);

describe('an embed job through the CLI', () => {
  it('refuses --top-k, which only a classify job reads', async () => {
    const out = path.join(dir, 'refused-top-k');
    expectRefusal(
      await embed(['--top-k', '3', '--out', out]),
      /topK \(from --top-k\): a setting of classify tasks; this task is embed/,
    );
  });

  it('refuses --labels, which only a classify job reads', async () => {
    const labels = path.join(dir, 'labels.txt');
    await writeFile(labels, 'a\nb\nc\n');
    expectRefusal(
      await embed(['--labels', labels, '--out', path.join(dir, 'refused-labels')]),
      /labels \(from --labels\): class names are for classify tasks; this task is embed/,
    );
  });

  it('suggests the output meant by a misspelt --output', async () => {
    expectRefusal(
      await embed(['--output', 'feature', '--out', path.join(dir, 'refused-output')]),
      /has no output 'feature' \(task embed\); did you mean 'features'\? its outputs: 'logits'/,
    );
  });

  it("exports each input's vector row, and reports the task and the vectors file", async () => {
    const out = path.join(dir, 'job');
    const run = await embed(['--output', 'features', '--workers', '2', '--out', out]);
    expect(run.code, run.stderr).toBe(0);

    const lines = (await readFile(path.join(out, 'results.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as InputResult);
    const csv = await cli(['results', out, '--format', 'csv', '--out', '-']);
    expect(csv.code, csv.stderr).toBe(0);
    const rows = csv.stdout.trim().split('\r\n');
    expect(rows[0]).toBe('key,error,embedding_row,embedding_dims');
    expect(rows.slice(1)).toEqual(
      lines.map((l) => `${l.key},,${l.embedding?.row ?? ''},${l.embedding?.dims ?? ''}`),
    );
    expect(new Set(lines.map((l) => l.embedding?.row))).toEqual(new Set([0, 1, 2, 3, 4, 5]));

    const report = await cli(['report', out]);
    expect(report.code, report.stderr).toBe(0);
    const html = await readFile(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('<th>Task</th><td>embed, output &apos;features&apos;, not normalised</td>');
    expect(html).toMatch(
      /<th>Preprocessing<\/th><td>224x224, shorter-side .*\(from default \(preset imagenet\)\)<\/td>/,
    );
    expect(html).toContain(
      `<th>Vectors</th><td>${path.join(out, 'embeddings.parquet')}: 6 rows x 12 float32</td>`,
    );
  });
});
