/**
 * `obifaas run --resume` of a job that completed, on a folder a job wrote through a scripted
 * backend: it runs nothing and says so, in the words and the summary `run` uses.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureCli } from '../../../test/support/capture-cli.js';
import { ScriptedBackend } from '../../../test/support/scripted-backend.js';
import { runJob } from '../../manager/run-job.js';
import { compileJobSpec } from '../../spec/compile.js';

let dir: string;
let out: string;
const keys = Array.from({ length: 10 }, (_, i) => `img${i}.jpg`);

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-run-resume-'));
  out = path.join(dir, 'out');
  await writeFile(path.join(dir, 'manifest.txt'), keys.join('\n'));
  await writeFile(path.join(dir, 'model.onnx'), 'not really a model');
  const spec = compileJobSpec(
    { inputs: path.join(dir, 'manifest.txt'), model: path.join(dir, 'model.onnx'), workers: 3, out },
    { cores: 2, now: new Date(), cwd: dir },
  );
  const { summary } = await runJob(spec, { backend: new ScriptedBackend(async () => 'ok'), home: dir });
  expect(summary.status).toBe('completed');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('obifaas run --resume of a complete job', () => {
  it('prints the recorded summary with status "completed", the word every other path uses', async () => {
    const run = await captureCli('run', '--resume', out, '--json');
    expect(run.code, run.stderr).toBe(0);
    const printed = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(printed).toMatchObject({ status: 'completed', inputs: 10, ok: 10, errors: 0, out });
    expect(printed.message).toMatch(/is already complete \(10 inputs, 3 splits\): nothing to resume$/);
  });
});
