/**
 * `obifaas run` refuses a pipeline setting over the limit every worker enforces before anything
 * starts: one line naming the field and its flag, exit code 2, no output folder, no function.
 * A misspelt model, a missing input and a missing labels file are reported together, and with
 * bad settings and an output folder in use too; two preprocessing flags are refused.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../dataset/generate.js';
import { MAX_BATCH_SIZE, MAX_TOP_K } from '../../protocol/limits.js';
import { captureCli } from '../../../test/support/capture-cli.js';
import { expectRefusal } from '../../../test/support/cli-refusal.js';
import { pathExists } from '../../util/paths.js';

let dir: string;
let manifest: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-run-limits-'));
  manifest = (await generateDataset({ count: 4, outDir: path.join(dir, 'data'), seed: 3 })).manifestPath;
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('obifaas run: pipeline limits', () => {
  it('refuses --batch-size 5000 before anything starts, naming the field', async () => {
    const out = path.join(dir, 'out-batch');
    const result = await captureCli(
      'run',
      '--input',
      manifest,
      '--model',
      'tiny',
      '--batch-size',
      '5000',
      '--out',
      out,
    );
    expectRefusal(
      result,
      new RegExp(
        `pipeline\\.predict\\.batchSize \\(from --batch-size\\): expected an integer from 1 to ${MAX_BATCH_SIZE}, got 5000`,
      ),
    );
    // The job never started: it creates its output folder before it invokes any function.
    expect(await pathExists(out)).toBe(false);
  });

  it('refuses --top-k over the limit the same way', async () => {
    const out = path.join(dir, 'out-topk');
    const over = String(MAX_TOP_K + 1);
    const result = await captureCli(
      'run',
      '--input',
      manifest,
      '--model',
      'tiny',
      '--top-k',
      over,
      '--out',
      out,
    );
    expectRefusal(
      result,
      new RegExp(`topK \\(from --top-k\\): expected an integer from 1 to ${MAX_TOP_K}, got ${over}`),
    );
    expect(await pathExists(out)).toBe(false);
  });
});

describe('obifaas run: a misspelt model', () => {
  it("suggests the builtin model's name", async () => {
    const out = path.join(dir, 'out-tiyn');
    const result = await captureCli('run', '--input', manifest, '--model', 'tiyn', '--out', out);
    expectRefusal(
      result,
      /unknown model 'tiyn': not a builtin model \(resnet50, tiny\) nor a file; did you mean 'tiny'\?/,
    );
    expect(await pathExists(out)).toBe(false);
  });

  it('is reported with a missing input, both at once, each under its field', async () => {
    const result = await captureCli('run', '--input', path.join(dir, 'nope'), '--model', 'tiyn');
    expectRefusal(
      result,
      /cannot start the job: inputs: input '.*nope' does not exist; model: unknown model 'tiyn'.*did you mean 'tiny'\?/,
    );
  });

  it('with a missing labels file too', async () => {
    const result = await captureCli(
      'run',
      '--input',
      path.join(dir, 'nope'),
      '--model',
      'resnet5',
      '--labels',
      path.join(dir, 'labels.txt'),
    );
    expectRefusal(result, /inputs: .*; model: .*did you mean 'resnet50'\?; labels: labels file not found/);
  });
});

describe('obifaas run: every mistake in one message', () => {
  it('a bad flag, a missing input folder, a missing model file and a non-empty --out, in one run', async () => {
    const out = path.join(dir, 'used');
    await fs.mkdir(out);
    await fs.writeFile(path.join(out, 'notes.txt'), 'x');
    const result = await captureCli(
      'run',
      '--workers',
      '0',
      '--input',
      path.join(dir, 'no-photos'),
      '--model',
      path.join(dir, 'no-model.onnx'),
      '--out',
      out,
    );
    expectRefusal(result, /^obifaas: invalid job spec: /);
    for (const named of [
      'workers (from --workers): expected an integer >= 1, got 0',
      `inputs: input '${path.join(dir, 'no-photos')}' does not exist`,
      `model: model file not found: ${path.join(dir, 'no-model.onnx')}`,
      `out: '${out}' is not empty (it holds notes.txt)`,
    ])
      expect(result.stderr).toContain(named);
    // Nothing written: the folder holds what it held.
    expect(await fs.readdir(out)).toEqual(['notes.txt']);
  });

  it('checks no place whose own setting is bad, and creates no output folder', async () => {
    const out = path.join(dir, 'out-never');
    const result = await captureCli(
      'run',
      '--top-k',
      '-1',
      '--input',
      manifest,
      '--model',
      'tiyn',
      '--labels',
      path.join(dir, 'no-labels.txt'),
      '--task',
      'embed',
      '--out',
      out,
    );
    expectRefusal(result, /^obifaas: invalid job spec: /);
    expect(result.stderr).toContain("model: unknown model 'tiyn'");
    // The labels setting is refused (an embed job has none): its file is not looked at.
    expect(result.stderr).toContain('labels (from --labels): class names are for classify tasks');
    expect(result.stderr).not.toContain('labels file not found');
    expect(result.stderr).not.toMatch(/inputs: /);
    expect(await pathExists(out)).toBe(false);
  });

  it('names s3:// places whose bucket name is not valid, with bad settings and with good ones', async () => {
    const out = path.join(dir, 'out-s3-names');
    const bad = await captureCli(
      'run',
      '--workers',
      '0',
      '--input',
      's3://Photo_Bucket/photos/',
      '--model',
      's3://ab/model.onnx',
      '--labels',
      path.join(dir, 'no-labels.txt'),
      '--out',
      out,
    );
    expectRefusal(bad, /^obifaas: invalid job spec: /);
    for (const named of [
      'workers (from --workers): expected an integer >= 1, got 0',
      "inputs (from --input): location 's3://Photo_Bucket/photos/': 'Photo_Bucket' is not a valid S3 bucket name",
      "model (from --model): location 's3://ab/model.onnx': 'ab' is not a valid S3 bucket name",
      'labels: labels file not found',
    ])
      expect(bad.stderr).toContain(named);
    // Remote functions get an s3:// model as it is: its bucket name is checked before they start.
    const remote = await captureCli(
      'run',
      '--input',
      manifest,
      '--model',
      's3://Models/m.onnx',
      '--backend',
      'http',
      '--url',
      'http://127.0.0.1:9/',
      '--out',
      out,
    );
    expectRefusal(
      remote,
      /model \(from --model\): location 's3:\/\/Models\/m\.onnx': 'Models' is not a valid S3 bucket name/,
    );
    expect(await pathExists(out)).toBe(false);
  });

  it('with good settings: a missing input and a non-empty --out together', async () => {
    const out = path.join(dir, 'used-too');
    await fs.mkdir(out);
    await fs.writeFile(path.join(out, 'a.txt'), 'x');
    const result = await captureCli(
      'run',
      '--input',
      path.join(dir, 'nope'),
      '--model',
      'tiny',
      '--out',
      out,
    );
    expectRefusal(
      result,
      /cannot start the job: inputs: input '.*nope' does not exist; out: '.*used-too' is not empty \(it holds a\.txt\)/,
    );
    expect(await fs.readdir(out)).toEqual(['a.txt']);
  });
});

describe('obifaas run --dry-run: the same problems as a run, in one message', () => {
  it('with bad settings and with good ones, the message of a run, and nothing written', async () => {
    const out = path.join(dir, 'used-dry');
    await fs.mkdir(out);
    await fs.writeFile(path.join(out, 'notes.txt'), 'x');
    const places = ['--input', path.join(dir, 'no-photos'), '--model', path.join(dir, 'no-model.onnx')];
    const bad = ['run', '--workers', '0', ...places, '--out', out];
    const good = ['run', ...places, '--labels', path.join(dir, 'no.txt'), '--out', out];
    const [badRun, badDry, goodRun, goodDry] = [
      await captureCli(...bad),
      await captureCli(...bad, '--dry-run'),
      await captureCli(...good),
      await captureCli(...good, '--dry-run'),
    ];
    expectRefusal(
      badDry,
      /^obifaas: invalid job spec: workers .*; inputs: .*; model: .*; out: .*is not empty/,
    );
    expect(badDry.stderr).toBe(badRun.stderr);
    expectRefusal(
      goodDry,
      /^obifaas: cannot start the job: inputs: .*does not exist; model: model file not found: .*; labels: labels file not found: .*; out: '.*used-dry' is not empty \(it holds notes\.txt\); a new job needs a new or empty folder$/,
    );
    expect(goodDry.stderr).toBe(goodRun.stderr);
    expect(await fs.readdir(out)).toEqual(['notes.txt']);
  });
});

describe('obifaas run: two preprocessing flags', () => {
  it('refuses --preprocess with --preprocess-file, as model inspect does', async () => {
    const file = path.join(dir, 'pre.yaml');
    await fs.writeFile(file, 'preset: imagenet\nlayout: NCHW\n');
    const out = path.join(dir, 'out-both');
    const args = ['--input', manifest, '--model', 'tiny', '--preprocess-file', file, '--preprocess', 'clip'];
    expectRefusal(
      await captureCli('run', ...args, '--out', out),
      /^obifaas: give --preprocess or --preprocess-file, not both \(a file may name a preset\)$/,
    );
    expect(await pathExists(out)).toBe(false);
  });
});
