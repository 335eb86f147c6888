/**
 * `obifaas run` as a user runs it: the real CLI as installed (`bin/obifaas.js` over a fresh
 * `dist/`) in a child process. Mistakes give one clear line on
 * stderr and exit code 2, every one of a run's mistakes in it; a job with some unreadable inputs still runs and exits 0.
 */
import type { ChildProcess } from 'node:child_process';
import { access, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset, type GeneratedDataset } from '../../src/dataset/generate.js';
import type { InputResult } from '../../src/core/prediction.js';
import { obifaas as runObifaas, type CliRun } from '../support/obifaas-cli.js';
import { expectRefusal as expectUserError } from '../support/cli-refusal.js';

let dir: string;
let dataset: GeneratedDataset;

/** The CLI run in the test folder, with its own OBIFAAS_HOME. */
function obifaas(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  onSpawn?: (child: ChildProcess) => void,
): Promise<CliRun> {
  return runObifaas(args, { cwd: dir, env: { OBIFAAS_HOME: path.join(dir, 'home'), ...env }, onSpawn });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-cli-run-'));
  dataset = await generateDataset({ count: 6, outDir: path.join(dir, 'data'), seed: 2 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('obifaas run: mistakes', () => {
  it('an empty manifest', async () => {
    await writeFile(path.join(dir, 'empty.txt'), '# nothing here\n\n');
    expectUserError(
      await obifaas(['run', '--input', 'empty.txt', '--model', 'tiny']),
      /manifest '.*empty\.txt' lists no keys/,
    );
  });

  it('--workers 0', async () => {
    expectUserError(
      await obifaas(['run', '--input', dataset.manifestPath, '--model', 'tiny', '--workers', '0']),
      /workers \(from --workers\): expected an integer >= 1, got 0/,
    );
  });

  it('an unknown backend', async () => {
    expectUserError(
      await obifaas(['run', '--input', dataset.manifestPath, '--model', 'tiny', '--backend', 'lamda']),
      /backend\.type \(from --backend\): unknown backend 'lamda'.*expected one of: local/,
    );
  });

  it('a config file with a typo in a key', async () => {
    await writeFile(
      path.join(dir, 'job.yaml'),
      `inputs: ${dataset.manifestPath}\nmodel: tiny\nsplitsize: 8\n`,
    );
    expectUserError(
      await obifaas(['run', '--config', 'job.yaml']),
      /invalid config file job\.yaml: splitsize \(line 3\): unknown key; did you mean 'splitSize'\?/,
    );
  });

  it('an output folder that is a file', async () => {
    await writeFile(path.join(dir, 'taken'), 'x');
    expectUserError(
      await obifaas(['run', '--input', dataset.manifestPath, '--model', 'tiny', '--out', 'taken']),
      /out: '.*taken' is a file, not a folder/,
    );
  });

  it('a missing model and a missing input', async () => {
    expectUserError(
      await obifaas(['run', '--input', dataset.manifestPath, '--model', 'no/such.onnx']),
      /model file not found: .*no\/such\.onnx/,
    );
    expectUserError(
      await obifaas(['run', '--input', 'nowhere', '--model', 'tiny']),
      /input '.*nowhere' does not exist/,
    );
  });

  it('a bad flag, a missing input folder, a missing model file and a non-empty --out, in one run', async () => {
    await mkdir(path.join(dir, 'used'));
    await writeFile(path.join(dir, 'used', 'notes.txt'), 'x');
    const run = await obifaas([
      'run',
      '--split-size',
      'abc',
      '--input',
      'no-photos',
      '--model',
      'no/model.onnx',
      '--out',
      'used',
    ]);
    expectUserError(run, /^obifaas: invalid job spec: /);
    for (const named of [
      "--split-size: expected an integer, got 'abc'",
      `inputs: input '${path.join(dir, 'no-photos')}' does not exist`,
      `model: model file not found: ${path.join(dir, 'no/model.onnx')}`,
      `out: '${path.join(dir, 'used')}' is not empty (it holds notes.txt)`,
    ])
      expect(run.stderr).toContain(named);
    expect(await readdir(path.join(dir, 'used'))).toEqual(['notes.txt']);
  });

  it('a model that is not ONNX (a labels file given as the model): refused before anything runs', async () => {
    await writeFile(path.join(dir, 'classes.txt'), 'cat\ndog\n');
    const run = await obifaas([
      'run',
      '--input',
      dataset.manifestPath,
      '--model',
      'classes.txt',
      '--out',
      'not-onnx-out',
    ]);
    expectUserError(run, /model .*classes\.txt: not an ONNX model/);
    await expect(access(path.join(dir, 'not-onnx-out'))).rejects.toThrow();
  });

  it('an s3:// location with credentials before the bucket: refused, the secret never printed', async () => {
    const run = await obifaas([
      'run',
      '--input',
      's3://AKIAEXAMPLE:hunter2secret@photos/images/',
      '--model',
      'tiny',
    ]);
    expectUserError(
      run,
      /inputs \(from --input\): location 's3:\/\/\*\*\*@photos\/images\/' holds credentials/,
    );
    expect(run.stderr).not.toMatch(/hunter2secret|AKIAEXAMPLE/);
  });

  it('several mistakes at once, from flags and the environment', async () => {
    const run = await obifaas(['run', '--split-size', '0', '--top-k', 'x'], { OBIFAAS_MODE: 'dynamik' });
    expectUserError(run, /--top-k: expected an integer, got 'x'/);
    const run2 = await obifaas(['run', '--split-size', '0'], { OBIFAAS_MODE: 'dynamik' });
    expectUserError(
      run2,
      /splitSize \(from --split-size\).*inputs: missing.*model: missing.*mode \(from environment OBIFAAS_MODE\): unknown mode 'dynamik'/,
    );
  });
});

describe('obifaas run: a job', () => {
  it('runs with inputs that are missing: those get errors, the rest predictions, exit 0', async () => {
    // A manifest next to the dataset's images, naming two files that do not exist.
    const manifest = path.join(dir, 'data', 'mixed.txt');
    const keysInStore = [...dataset.keys.slice(0, 2), 'gone/1.jpg', 'gone/2.jpg'];
    await writeFile(manifest, keysInStore.join('\n'));
    const run = await obifaas(
      ['run', '--input', manifest, '--model', 'tiny', '--workers', '2', '--out', 'job1', '--json'],
      {
        OBIFAAS_MAX_CONCURRENCY: '2',
      },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    const summary = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ job: 'mixed', inputs: 4, out: path.join(dir, 'job1') });
    expect(Object.keys(summary)).toEqual(
      expect.arrayContaining([
        'job',
        'inputs',
        'ok',
        'errors',
        'latencySeconds',
        'imagesPerSecond',
        'billedSeconds',
        'costUsd',
        'costPerMillionImagesUsd',
        'out',
      ]),
    );
    const lines = (await readFile(path.join(dir, 'job1', 'results.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as InputResult);
    expect(lines.map((l) => l.key).sort()).toEqual([...keysInStore].sort());
    for (const l of lines.filter((x) => x.key.startsWith('gone/'))) expect(l.error).toMatch(/gone\/\d\.jpg/);
    expect(summary.errors).toBe(2);
    expect(summary.ok).toBe(2);
    for (const l of lines.filter((x) => !x.key.startsWith('gone/'))) expect(l.top).toHaveLength(5);
  });

  it('cancels on Ctrl-C: exit 130, every input still has a line, job.json says cancelled', async () => {
    const out = path.join(dir, 'job-cancelled');
    const run = await obifaas(
      [
        'run',
        '--input',
        dataset.manifestPath,
        '--model',
        'tiny',
        '--workers',
        '6',
        '--max-concurrency',
        '1',
        '--out',
        out,
      ],
      {},
      (child) => {
        // Signal once the job has started (its output folder holds the function log).
        const poll = setInterval(() => {
          access(path.join(out, 'workers.log')).then(
            () => {
              clearInterval(poll);
              child.kill('SIGINT');
            },
            () => undefined,
          );
        }, 50);
        child.once('close', () => clearInterval(poll));
      },
    );
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).toMatch(/cancelling/);
    const lines = (await readFile(path.join(out, 'results.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as InputResult);
    expect(lines.map((l) => l.key).sort()).toEqual([...dataset.keys].sort());
    expect(lines.some((l) => l.error === 'cancelled')).toBe(true);
    const record = JSON.parse(await readFile(path.join(out, 'job.json'), 'utf8')) as { status: string };
    expect(record.status).toBe('cancelled');
  });
});
