/**
 * Job folders written by hand for the `--resume` tests: a dynamic job of 10 inputs in splits of
 * 4 (ids 0, 1, 2), started but not finished, and the lines its logs hold.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { inputsDigest } from '../../src/manager/inputs-digest.js';
import { writeJobSpecFile } from '../../src/manager/job-spec-file.js';
import { compileJobSpec } from '../../src/spec/compile.js';

/** The job's input keys. */
export const keys = Array.from({ length: 10 }, (_, i) => `img${i}.jpg`);

/** A `results.jsonl` line for `key`. */
export const line = (key: string): string =>
  `${JSON.stringify({ key, top: [{ class: 1, score: 1 }], error: null })}\n`;

/** An `invocations.jsonl` line: invocation i0 of split 0 ended. */
export const invocationLine = `${JSON.stringify({
  event: 'ended',
  invocationId: 'i0',
  submittedAt: 1,
  startedAt: 2,
  endedAt: 3,
  durationMs: 1,
  billedMs: 1,
  initMs: 0,
  cold: false,
  memoryMb: 3008,
  workerId: 'w0',
  splitIds: ['0'],
  attempt: 0,
  ok: true,
})}\n`;

/** A `splits.jsonl` line: split `splitId` done with `ok` results. */
export const splitLine = (splitId: string, ok: number): string =>
  `${JSON.stringify({ splitId, inputs: ok, ok, errors: 0, workerId: 'w0', attempt: 0, endedAt: 1, error: null })}\n`;

/** Starts the job in `out` (its inputs file in `dir`); `runs[0]` overrides fields of its first run. */
export async function startedJob(
  dir: string,
  out: string,
  runs: Array<Record<string, unknown>> = [],
): Promise<void> {
  await mkdir(out, { recursive: true });
  await writeFile(path.join(dir, 'in.txt'), keys.join('\n'));
  const spec = compileJobSpec(
    { inputs: 'in.txt', model: 'tiny', mode: 'dynamic', splitSize: 4, out },
    { cores: 2, now: new Date(), cwd: dir },
  );
  await writeJobSpecFile(out, {
    version: 1,
    jobId: 'job-1',
    spec,
    inputs: { count: keys.length, digest: inputsDigest(keys) },
    runs: [
      {
        run: 0,
        startedAt: '2024-05-01T12:00:00.000Z',
        endedAt: null,
        splitsToRun: 3,
        splitsAlreadyDone: 0,
        workerIdPrefix: '',
        ...runs[0],
      },
    ],
  });
}
