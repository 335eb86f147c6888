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
import { CANCELLED_TOO_LATE, cancelledNote, jobResult, stoppedNote } from './execute-job.js';
import { prepareResume } from '../../manager/resume.js';
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

  it('tells how to finish a job stopped by a failure while some inputs have no result', async () => {
    const out = path.join(dir, 'out');
    const spec = compileJobSpec(
      { inputs: path.join(dir, 'manifest.txt'), model: path.join(dir, 'model.onnx'), workers: 3, out },
      { cores: 2, now: new Date(), cwd: dir },
    );
    // The first split finishes; the second then fails in a way no retry fixes, which stops the
    // job; the third waits until it is stopped.
    let firstDone: () => void = () => undefined;
    const first = new Promise<void>((resolve) => (firstDone = resolve));
    const backend = new ScriptedBackend(async (p, _call, signal) => {
      const id = p.splits[0]!.splitId;
      if (id === '0') return 'ok';
      if (id === '1') return first.then(() => new BackendError('ModelError: not an ONNX model', false));
      await new Promise<void>((resolve) =>
        signal?.addEventListener('abort', () => resolve(), { once: true }),
      );
      return new BackendError('invocation stopped', false);
    });
    const outcome = await runJob(spec, {
      backend,
      home: dir,
      onProgress: (e) => {
        if (e.type === 'split-done') firstDone();
      },
    });
    expect(outcome.summary.status).toBe('failed');
    const failed = jobResult({ ...outcome, reportFile: null }, []);
    expect(failed.status).toBe('failed');
    expect(failed.notes).toEqual([
      `job stopped: ModelError: not an ONNX model (outputs in ${out}); 2 of 3 inputs have no result, ` +
        `their line in results.jsonl says "job stopped"; once the cause is fixed, to finish it: obifaas run --resume ${out}`,
    ]);
    // What the note promises: a resume runs the two splits left.
    const resume = await prepareResume(out);
    try {
      expect(resume).toMatchObject({ kind: 'resume', remaining: 2 });
    } finally {
      await resume.lock.release();
    }
    // A job whose every input had its result before the stop has nothing to finish.
    const allDone = {
      ...outcome,
      record: {
        ...outcome.record,
        splits: outcome.record.splits.map((sp) => ({ ...sp, status: 'done' as const })),
      },
    };
    expect(stoppedNote(allDone, out)).toBe(`job stopped: ModelError: not an ONNX model (outputs in ${out})`);
    // A reason that already gives the command is not told twice.
    const reason = `cannot write ${out}/results.jsonl: ENOSPC; once it can be written, \`obifaas run --resume ${out}\` finishes the job`;
    expect(stoppedNote({ ...outcome, record: { ...outcome.record, stopReason: reason } }, out)).toBe(
      `job stopped: ${reason} (outputs in ${out})`,
    );
  });
});
