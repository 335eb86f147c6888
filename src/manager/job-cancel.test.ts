/**
 * Cancels, on a scripted in-memory backend: a signal aborted before the job starts writes
 * nothing (a new job's folder is not made, a resumed job's folder is left as it was) and the
 * call rejects with the abort's reason; a signal aborted while the job runs records its reason
 * in the summary and `job.json` (credentials in URLs masked), and the report shows it.
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jobSpecIn } from '../../test/support/manager-job.js';
import { ScriptedBackend } from '../../test/support/scripted-backend.js';
import { useTempDir } from '../../test/support/temp-dir.js';
import { UNREAD_MODEL_BYTES } from '../../test/support/unread-model.js';
import { resumeJob } from '../api/resume-job.js';
import { BackendError } from '../errors.js';
import { formatSummaryTable } from '../report/job-summary.js';
import { writeJobReport } from '../report/write-report.js';
import { readJobRecord } from './output.js';
import { runJob } from './run-job.js';

const tmp = useTempDir('obifaas-job-cancel-', { each: true });
const keys = Array.from({ length: 6 }, (_, i) => `img${i}.jpg`);

/** A job folder's files and their sizes and times, to tell that nothing was written. */
async function snapshot(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).sort();
  return Promise.all(
    names.map(async (name) => {
      const info = await stat(path.join(dir, name));
      return `${name} ${info.size} ${info.mtimeMs}`;
    }),
  );
}

async function jobSpec(extra: Record<string, unknown> = {}) {
  await writeFile(path.join(tmp.path, 'manifest.txt'), keys.join('\n'));
  await writeFile(path.join(tmp.path, 'model.onnx'), UNREAD_MODEL_BYTES);
  return jobSpecIn(tmp.path, { workers: 2, splitSize: 2, ...extra });
}

/**
 * A job's backend and signal: its first split succeeds; the others wait until the signal is
 * aborted with `reason`, which the first of them does.
 */
function cancelledWith(reason: unknown): { backend: ScriptedBackend; signal: AbortSignal } {
  const controller = new AbortController();
  const backend = new ScriptedBackend(async (p, _call, signal) => {
    if (p.splits[0]!.splitId === '0') return 'ok';
    setTimeout(() => controller.abort(reason), 10);
    await new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));
    return new BackendError('invocation cancelled', false);
  });
  return { backend, signal: controller.signal };
}

describe('a signal aborted before the job starts', () => {
  it('writes nothing: no folder is made, and the job rejects with the reason', async () => {
    const spec = await jobSpec();
    const backend = new ScriptedBackend(async () => 'ok');
    for (const signal of [AbortSignal.abort('shutting down'), AbortSignal.abort()]) {
      await expect(runJob(spec, { backend, signal })).rejects.toBe(signal.reason);
      await expect(stat(spec.outDir)).rejects.toMatchObject({ code: 'ENOENT' });
    }
    expect(backend.calls).toBe(0);
  });

  it("leaves a resumable job's folder as it was", async () => {
    const spec = await jobSpec();
    const first = await runJob(spec, cancelledWith('stop'));
    expect(first.summary.status).toBe('cancelled');
    const before = await snapshot(spec.outDir);
    const backend = new ScriptedBackend(async () => 'ok');
    const reason = new Error('not now');
    await expect(resumeJob(spec.outDir, { backend, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(await snapshot(spec.outDir)).toEqual(before);
    expect(backend.calls).toBe(0);
    // The same folder resumes once the signal lets it.
    expect((await resumeJob(spec.outDir, { backend })).status).toBe('completed');
  });
});

describe('a signal aborted while the job runs', () => {
  it("records the abort's reason as the cancel reason, credentials in URLs masked, and the report shows it", async () => {
    const spec = await jobSpec();
    const reason = new Error('deploy of https://ops:hunter2@ci.example.com/run/7 started');
    const { summary } = await runJob(spec, cancelledWith(reason));
    const masked = 'deploy of https://ops:***@ci.example.com/run/7 started';
    expect(summary).toMatchObject({ status: 'cancelled', cancelReason: masked });
    expect((await readJobRecord(spec.outDir)).summary.cancelReason).toBe(masked);
    expect(await readFile(path.join(spec.outDir, 'job.json'), 'utf8')).not.toContain('hunter2');
    expect(formatSummaryTable(summary)).toContain(`: cancelled (${masked})`);
    const { file } = await writeJobReport(spec.outDir);
    const html = await readFile(file, 'utf8');
    expect(html).toContain(`<span data-field="cancelReason">(${masked})</span>`);
    expect(html).not.toContain('hunter2');
  });

  it('records a string reason as it is, and no reason for one of another kind', async () => {
    const withText = await jobSpec({ out: path.join(tmp.path, 'text') });
    const text = await runJob(withText, cancelledWith('maintenance window'));
    expect(text.summary).toMatchObject({ status: 'cancelled', cancelReason: 'maintenance window' });
    const withNumber = await jobSpec({ out: path.join(tmp.path, 'number') });
    const number = await runJob(withNumber, cancelledWith(42));
    expect(number.summary.status).toBe('cancelled');
    expect(number.summary).not.toHaveProperty('cancelReason');
    expect(formatSummaryTable(number.summary)).toMatch(/: cancelled\n/);
  });
});
