/**
 * How a job that ran ends for the command runner: its exit status and notes, on a job run
 * through a scripted backend.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScriptedBackend } from '../../../test/support/scripted-backend.js';
import { BackendError } from '../../errors.js';
import { runJob } from '../../manager/run-job.js';
import type { JobOutcome } from '../../manager/run-job-types.js';
import { compileJobSpec } from '../../spec/compile.js';
import { CANCELLED_TOO_LATE, cancelledNote, jobResult } from './execute-job.js';
import { UNREAD_MODEL_BYTES } from '../../../test/support/unread-model.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-execute-job-'));
  await writeFile(path.join(dir, 'manifest.txt'), ['a.jpg', 'b.jpg', 'c.jpg'].join('\n'));
  await writeFile(path.join(dir, 'model.onnx'), UNREAD_MODEL_BYTES);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A job of three inputs, cancelled when its last split is logged (the cancel comes too late). */
async function lateCancelledJob(): Promise<JobOutcome> {
  const spec = compileJobSpec(
    {
      inputs: path.join(dir, 'manifest.txt'),
      model: path.join(dir, 'model.onnx'),
      workers: 2,
      out: path.join(dir, 'out'),
    },
    { cores: 2, now: new Date(), cwd: dir },
  );
  const controller = new AbortController();
  return runJob(spec, {
    backend: new ScriptedBackend(async () => 'ok'),
    home: dir,
    signal: controller.signal,
    onProgress: (event) => {
      if (event.type === 'split-done' && event.progress.done === event.progress.total) controller.abort();
    },
  });
}

describe('jobResult', () => {
  it('says that a cancel which came after every input had its result did not matter: exit 0', async () => {
    const outcome = await lateCancelledJob();
    expect(outcome.summary.status).toBe('completed');
    const late = jobResult({ ...outcome, reportFile: null }, [], true);
    expect(late.status).toBeUndefined();
    expect(late.notes).toEqual([CANCELLED_TOO_LATE]);
    // A job that was not cancelled says nothing of it.
    expect(jobResult({ ...outcome, reportFile: null }, []).notes).toEqual([]);
  });

  it('tells how to finish a cancelled job: the resume command with its folder', async () => {
    const spec = compileJobSpec(
      {
        inputs: path.join(dir, 'manifest.txt'),
        model: path.join(dir, 'model.onnx'),
        workers: 3,
        out: path.join(dir, 'out'),
      },
      { cores: 2, now: new Date(), cwd: dir },
    );
    // The first split succeeds; the others wait until the cancel, which the first of them makes.
    const controller = new AbortController();
    const backend = new ScriptedBackend(async (p, _call, signal) => {
      if (p.splits[0]!.splitId === '0') return 'ok';
      setTimeout(() => controller.abort(), 10);
      await new Promise<void>((resolve) =>
        signal?.addEventListener('abort', () => resolve(), { once: true }),
      );
      return new BackendError('invocation cancelled', false);
    });
    const outcome = await runJob(spec, { backend, home: dir, signal: controller.signal });
    expect(outcome.summary.status).toBe('cancelled');
    const cancelled = jobResult({ ...outcome, reportFile: null }, []);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.notes).toEqual([
      `job cancelled; unfinished inputs are marked "cancelled" in results.jsonl; to finish it: obifaas run --resume ${path.join(dir, 'out')}`,
    ]);
  });

  it('quotes a folder the shell would split', () => {
    expect(cancelledNote("/data/my jobs/bob's run")).toMatch(/--resume '\/data\/my jobs\/bob'\\''s run'$/);
    expect(cancelledNote('s3://bucket/runs/run-1')).toMatch(/--resume s3:\/\/bucket\/runs\/run-1$/);
  });
});
