/**
 * `obifaas run --resume` and the API's `resumeJob`, one flow, on folders a job wrote through a
 * scripted backend: a complete job runs nothing and says so, in the words and the summary `run`
 * uses; a job whose record was lost runs what is left (nothing here) and writes it again.
 */
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureCli } from '../../../test/support/capture-cli.js';
import { ScriptedBackend } from '../../../test/support/scripted-backend.js';
import { resumeJob } from '../../api/resume-job.js';
import { runJob } from '../../manager/run-job.js';
import type { JobRecord } from '../../manager/types.js';
import { compileJobSpec } from '../../spec/compile.js';
import { UNREAD_MODEL_BYTES } from '../../../test/support/unread-model.js';

let dir: string;
let out: string;
const keys = Array.from({ length: 10 }, (_, i) => `img${i}.jpg`);

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-run-resume-'));
  out = path.join(dir, 'out');
  await writeFile(path.join(dir, 'manifest.txt'), keys.join('\n'));
  await writeFile(path.join(dir, 'model.onnx'), UNREAD_MODEL_BYTES);
  const spec = compileJobSpec(
    // One function: its split's lines are in input order, so a folder whose record is lost resumes.
    { inputs: path.join(dir, 'manifest.txt'), model: path.join(dir, 'model.onnx'), workers: 1, out },
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
    expect(printed.message).toMatch(/is already complete \(10 inputs, 1 split\): nothing to resume$/);
  });

  it('is the API resumeJob: both give the summary job.json recorded', async () => {
    const recorded = (JSON.parse(await readFile(path.join(out, 'job.json'), 'utf8')) as JobRecord).summary;
    expect(await resumeJob(out)).toEqual(recorded);
    const run = await captureCli('run', '--resume', out, '--json');
    const { message: _message, ...printed } = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(printed).toEqual(recorded);
  });
});

describe('obifaas run --resume of a job whose record was lost', () => {
  it('says what it resumes, runs the splits left (none) and writes job.json again', async () => {
    await unlink(path.join(out, 'job.json'));
    await unlink(path.join(out, 'report.html')).catch(() => undefined);
    const run = await captureCli('run', '--resume', out, '--json', '--no-report');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^obifaas: resuming job .*: 1 of 1 splits done, running 0\n/);
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: 'completed',
      inputs: 10,
      ok: 10,
      resumed: true,
      run: 1,
    });
    const record = JSON.parse(await readFile(path.join(out, 'job.json'), 'utf8')) as JobRecord;
    expect(record.status).toBe('completed');
    expect(record.runs).toHaveLength(2);
  });
});
