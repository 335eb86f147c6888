/** The progress views: what the status line shows for a job, a replay, the CPR sampling and a transfer. */
import { describe, expect, it } from 'vitest';
import type { CprSampleRecord } from '../planning/cpr-sample-record.js';
import { jobLine, jobProgress, replayProgress, samplingProgress, transferProgress } from './progress.js';
import type { StatusLine } from './status-line.js';

/** A status line that keeps the last view, and shows it on demand. */
function recorder(): StatusLine & { line: () => string } {
  let view: (() => string) | undefined;
  return {
    enabled: true,
    show: (next) => (view = next),
    note: () => undefined,
    stop: () => undefined,
    line: () => view?.() ?? '',
  };
}

describe('progress views', () => {
  it('a job: images done, rate, ETA and errors, the clock moving on between reports', () => {
    let now = 0;
    const status = recorder();
    const report = jobProgress(status, 'photos', { now: () => now });
    const progress = {
      total: 100,
      done: 20,
      ok: 19,
      errors: 1,
      elapsedMs: 10_000,
      running: 3,
      retries: 2,
      copies: 1,
    };
    report({
      type: 'split-done',
      splitId: '4',
      inputs: 5,
      ok: 5,
      errors: 0,
      error: null,
      workerId: 'w4',
      progress,
    });
    expect(status.line()).toMatch(
      /^photos \S{24} 20\/100 \| 1 error, 2 retries, 1 copy \| 2\.0 images\/s \| ETA 40s \| 3 running$/,
    );
    now += 10_000; // no news for 10 s: the rate falls, the ETA grows
    expect(status.line()).toMatch(/20\/100 \| .* \| 1\.0 images\/s \| ETA 80s/);
    expect(jobLine('photos', { ...progress, errors: 2, retries: 1, copies: 0 })).toMatch(
      / \| 2 errors, 1 retry \| /,
    );
    expect(jobLine('photos', { ...progress, errors: 0, retries: 0, copies: 0 })).toMatch(/ \| 0 errors \| /);
  });

  it('a replay: jobs ended, running and queued, images, failures, elapsed time', () => {
    let now = 0;
    const status = recorder();
    const report = replayProgress(status, () => now);
    now = 12_000;
    report({
      jobs: 6,
      submitted: 4,
      queued: 1,
      running: 2,
      ended: 1,
      failed: 0,
      cancelled: 0,
      images: 1200,
      imagesDone: 250,
    });
    expect(status.line()).toMatch(
      /^replay \S{24} 1\/6 jobs \| 2 running, 1 queued \| 250\/1,200 images \| 0 failed \| 12s$/,
    );
  });

  it('the CPR sampling: jobs of the plan, the running one, an ETA from the finished ones', () => {
    let now = 0;
    const status = recorder();
    const report = samplingProgress(status, () => now);
    const point = { index: 4, images: 64, workers: 2, spacing: 'linear' as const };
    report({ type: 'plan', planned: 3, recorded: 1, pending: 2 });
    expect(status.line()).toMatch(/0\/2 jobs \| 1 already recorded \| ETA -$/);
    report({ type: 'start', point, precision: null, position: 0, of: 2 });
    report({
      type: 'progress',
      point,
      progress: { total: 64, done: 32, ok: 32, errors: 0, elapsedMs: 1, running: 2, retries: 0, copies: 0 },
    });
    expect(status.line()).toMatch(/0\/2 jobs \| cpr-4: 32\/64 images x 2 workers \| ETA -$/);
    now = 30_000;
    report({ type: 'sampled', point, record: {} as CprSampleRecord });
    expect(status.line()).toMatch(/1\/2 jobs \| cpr-4: .* \| ETA 30s$/);
    report({ type: 'start', point: { ...point, index: 5, workers: 1 }, precision: null, position: 1, of: 2 });
    expect(status.line()).toMatch(/cpr-5: 64 images x 1 worker \| /);
  });

  it('a transfer: items, megabytes and an ETA', () => {
    let now = 0;
    const status = recorder();
    const report = transferProgress(status, 'uploading', 'files', () => now);
    now = 5_000;
    report({ done: 10, total: 30, bytes: 2_500_000 });
    expect(status.line()).toMatch(/^uploading \S{24} 10\/30 files \| 2\.5 MB \| ETA 10s$/);
  });
});
