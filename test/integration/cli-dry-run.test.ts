/**
 * `obifaas run --dry-run` in this process: it prints the job's plan (a table, or the plan object
 * with `--json`) and runs nothing: no function, no output folder. The threads per function come
 * from the backend (Lambda: its memory), and the cost is predicted from a profile or a CPR model
 * measured at the functions' memory, or said to be unknown. A local model and labels file are
 * hashed as a run hashes them: the plan shows the SHA-256 the job would record.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../src/dataset/generate.js';
import type { JobPlan } from '../../src/job-plan/types.js';
import { captureCli } from '../support/capture-cli.js';
import { expectRefusal } from '../support/cli-refusal.js';
import { twoOutputModel } from '../support/task-models.js';

let dir: string;
let manifest: string;
const cprModel = path.resolve(import.meta.dirname, '..', '..', 'planning-data', 'reference-cpr-model.json');

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-dry-run-'));
  manifest = (await generateDataset({ count: 70, outDir: path.join(dir, 'data'), seed: 5 })).manifestPath;
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const exists = (file: string): Promise<boolean> =>
  fs.access(file).then(
    () => true,
    () => false,
  );

/** `obifaas run --input MANIFEST --model tiny --dry-run --json ...args`, parsed. */
async function planJson(out: string, ...args: string[]): Promise<JobPlan & Record<string, unknown>> {
  const run = await captureCli(
    'run',
    '--input',
    manifest,
    '--model',
    'tiny',
    '--out',
    out,
    '--dry-run',
    '--json',
    ...args,
  );
  expect(run.code, run.stderr).toBe(0);
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout) as JobPlan & Record<string, unknown>;
}

describe('obifaas run --dry-run', () => {
  it('prints a short table of the plan, and creates no output folder', async () => {
    const out = path.join(dir, 'out-table');
    const run = await captureCli(
      'run',
      '--input',
      manifest,
      '--model',
      'tiny',
      '--workers',
      '3',
      '--max-concurrency',
      '2',
      '--out',
      out,
      '--dry-run',
    );
    expect(run.code, run.stderr).toBe(0);
    const rows = run.stdout.trim().split('\n');
    expect(rows.map((r) => r.split(/\s{2,}/)[0])).toEqual([
      'Job',
      'Inputs',
      'Model',
      'Splits',
      'Invocations',
      'Functions',
      'Threads',
      'Cost',
      'Output',
    ]);
    expect(run.stdout).toMatch(/^Job +data: dry run, nothing invoked$/m);
    expect(run.stdout).toMatch(/^Inputs +70 from manifest .*manifest\.txt$/m);
    expect(run.stdout).toMatch(/^Model +tiny \(not read: a builtin model, built and hashed by the run\)$/m);
    expect(run.stdout).toMatch(/^Splits +3 splits of 23 to 24 inputs, static mode/m);
    expect(run.stdout).toMatch(/^Invocations +3 planned, 2 at once/m);
    expect(run.stdout).toMatch(/^Functions +local backend, 3008 MB, up to 2 at once; /m);
    expect(run.stdout).toMatch(/^Threads +\d+ ONNX Runtime threads? per function \(from its vCPUs\)$/m);
    expect(run.stdout).toMatch(/^Cost +unknown: no time estimate was given \(give --profile/m);
    expect(run.stdout).toContain(`Output       ${out} (not created)`);
    expect(await exists(out)).toBe(false);
  });

  it('--json prints the plan object: splits, invocations, threads per function, cost, output', async () => {
    const out = path.join(dir, 'out-json');
    const plan = await planJson(
      out,
      ...['--mode', 'dynamic', '--split-size', '32', '--workers', '8', '--max-concurrency', '4'],
    );
    expect(plan).toMatchObject({
      dryRun: true,
      job: 'data',
      mode: 'dynamic',
      inputs: 70,
      finishedSplits: [],
      invocations: { count: 3, atOnce: 3 },
      out,
    });
    expect(plan.splits).toEqual([
      { splitId: '0', first: 0, inputs: 32 },
      { splitId: '1', first: 32, inputs: 32 },
      { splitId: '2', first: 64, inputs: 6 },
    ]);
    expect(plan.functions).toMatchObject({
      backend: 'local',
      cpus: { kind: 'shared' },
      threadsFrom: 'vcpus',
    });
    expect(plan.pipeline.predict.intraOpThreads).toBe(plan.functions.intraOpThreads);
    expect(plan.cost).toMatchObject({ known: false, reason: 'no time estimate was given' });
    expect(await exists(out)).toBe(false);
  });

  it('lambda: threads from the memory, and the cost from a profile measured at that memory', async () => {
    const out = path.join(dir, 'out-lambda');
    const plan = await planJson(
      out,
      '--backend',
      'lambda',
      '--memory',
      '3008',
      '--profile',
      'lambda-resnet50-3008',
    );
    expect(plan.functions).toMatchObject({ backend: 'lambda', memoryMb: 3008, intraOpThreads: 2 });
    expect(plan.functions.vcpus).toBeCloseTo(3008 / 1769, 6);
    expect(plan.cost).toMatchObject({ known: true, basis: 'profile lambda-resnet50-3008' });
    expect(plan.cost.known && plan.cost.costUsd).toBeGreaterThan(0);

    const big = await planJson(out, '--backend', 'lambda', '--memory', '10240');
    expect(big.functions.intraOpThreads).toBe(6);
    const set = await planJson(out, '--backend', 'lambda', '--memory', '10240', '--intra-op-threads', '3');
    expect(set.functions).toMatchObject({ intraOpThreads: 3, threadsFrom: 'spec' });
  });

  it('says why the cost is unknown for a profile of another memory size; takes a CPR model', async () => {
    const out = path.join(dir, 'out-cost');
    const other = await planJson(
      out,
      '--backend',
      'lambda',
      '--memory',
      '1024',
      '--profile',
      'lambda-resnet50-3008',
    );
    expect(other.cost).toEqual({
      known: false,
      reason: 'profile lambda-resnet50-3008 was measured at 3008 MB, and the functions have 1024 MB',
      priceModel: 'aws-lambda-x86_64',
      usdPerFunctionSecond: expect.any(Number),
    });
    const cpr = await planJson(out, '--backend', 'lambda', '--cpr-model', cprModel);
    expect(cpr.cost).toMatchObject({ known: true, basis: `CPR model ${cprModel}` });
  });

  it('reads a local model as a run does: bytes that are not ONNX, labels that miss classes', async () => {
    const file = (name: string, bytes: string | Uint8Array): Promise<string> =>
      fs.writeFile(path.join(dir, name), bytes).then(() => path.join(dir, name));
    const notOnnx = await file('labels-as-model.onnx', 'cat\ndog\n');
    const model = await file('three-classes.onnx', twoOutputModel());
    const twoLabels = await file('two-labels.txt', 'cat\ndog\n');
    const out = path.join(dir, 'out-refused');
    const dryRun = (...args: string[]) =>
      captureCli('run', '--input', manifest, '--out', out, '--dry-run', ...args);
    expectRefusal(await dryRun('--model', notOnnx), /model .*labels-as-model\.onnx: not an ONNX model/);
    expectRefusal(
      await dryRun('--model', model, '--labels', twoLabels),
      /labels file .*two-labels\.txt has 2 names but model .*three-classes\.onnx: output 'logits' has 3 classes/,
    );
    expect(await exists(out)).toBe(false);
    // The same model with labels for its classes plans as usual.
    const fits = await dryRun('--model', model, '--labels', await file('three-labels.txt', 'a\nb\nc\n'));
    expect(fits.code, fits.stderr).toBe(0);
  });

  it('shows and --json carries the SHA-256 a run records of the model and labels; refuses a file a run cannot read', async () => {
    const model = path.join(dir, 'hashed.onnx');
    const labels = path.join(dir, 'hashed-labels.txt');
    await fs.writeFile(model, twoOutputModel());
    await fs.writeFile(labels, 'a\nb\nc\n');
    const digestOf = async (file: string) => {
      const bytes = await fs.readFile(file);
      return { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
    };
    const out = path.join(dir, 'out-hashed');
    const args = [
      'run',
      '--input',
      manifest,
      '--model',
      model,
      '--labels',
      labels,
      '--out',
      out,
      '--dry-run',
    ];
    const plan = JSON.parse((await captureCli(...args, '--json')).stdout) as Record<string, unknown>;
    expect(plan.model).toEqual({ uri: model, ...(await digestOf(model)) });
    expect(plan.labels).toEqual({ uri: labels, ...(await digestOf(labels)) });
    const table = await captureCli(...args);
    expect(table.stdout).toContain(
      `Model        ${model}, ${(await digestOf(model)).bytes} bytes, sha256 ${(await digestOf(model)).sha256}\n`,
    );
    expect(table.stdout).toContain(
      `Labels       ${labels}, 6 bytes, sha256 ${(await digestOf(labels)).sha256}\n`,
    );
    // A labels file that is a FIFO: refused without waiting for a writer, as a run refuses it.
    const fifo = path.join(dir, 'labels.fifo');
    await promisify(execFile)('mkfifo', [fifo]);
    const refused = [...args.slice(0, 6), fifo, ...args.slice(7)];
    expectRefusal(await captureCli(...refused), /labels file .*labels\.fifo is a FIFO \(named pipe\)/);
    expectRefusal(
      await captureCli(...refused.filter((a) => a !== '--dry-run')),
      /labels file .*labels\.fifo is a FIFO \(named pipe\)/,
    );
    expect(await exists(out)).toBe(false);
  });

  it('refuses two time estimates, a dry run of --resume, and an unknown profile', async () => {
    expectRefusal(
      await captureCli(
        'run',
        '--input',
        manifest,
        '--model',
        'tiny',
        '--profile',
        'lambda-resnet50-3008',
        '--cpr-model',
        cprModel,
      ),
      /give --profile or --cpr-model, not both/,
    );
    expectRefusal(
      await captureCli('run', '--resume', path.join(dir, 'out-table'), '--dry-run'),
      /--resume runs the job with the settings saved in its folder; leave out --dry-run/,
    );
    expectRefusal(
      await captureCli('run', '--input', manifest, '--model', 'tiny', '--dry-run', '--profile', 'nope'),
      /--profile: no such file 'nope' \(shipped profiles: lambda-resnet50-3008\)/,
    );
  });
});
