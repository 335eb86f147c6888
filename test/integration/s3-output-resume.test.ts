/**
 * `obifaas run --out s3://...` whose upload is cut short (the CLI in a child process, against
 * s3rver behind a proxy that fails or holds chosen requests, `test/support/s3-output.ts`): by
 * the service refusing it or by a kill, `--resume` sends the rest without running the job again;
 * a lost staging folder is restored from the uploaded objects.
 */
import type { ChildProcess } from 'node:child_process';
import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SplitLogLine } from '../../src/manager/result-sink.js';
import { listFolderFiles } from '../../src/storage/folder-upload.js';
import { obifaasKilledAtRequest } from '../support/killed-at-request.js';
import { obifaas } from '../support/obifaas-cli.js';
import {
  dir,
  env,
  expectUploadedJob,
  job,
  JOB_FILES,
  keysUnder,
  linesOf,
  objectText,
  proxy,
  putsUnder,
  startS3Output,
  stopS3Output,
} from '../support/s3-output.js';

beforeAll(startS3Output);
afterAll(stopS3Output);

describe('obifaas run --out s3:// cut short', () => {
  it('says the upload failed when the service refuses it, and --resume sends the rest without running the job', async () => {
    const staging = path.join(dir, 'staging-refused');
    let puts = 0;
    proxy.intercept(({ method, url }) => {
      if (method !== 'PUT' || !url.startsWith('/results/refused/')) return undefined;
      puts += 1;
      // The first PUT is job.spec.json, when the job starts; then two files go up, and no more.
      return puts > 3 ? { status: 403, code: 'AccessDenied', message: 'Access Denied' } : undefined;
    });
    const run = await obifaas(job('refused', ['--staging', staging]), { cwd: dir, env });
    proxy.intercept(undefined);
    expect(run.code, run.stderr).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: 'completed',
      upload: { status: 'failed', to: 's3://results/refused', sent: 2, files: JOB_FILES.length, staging },
    });
    expect(run.stderr).toMatch(/outputs not uploaded to s3:\/\/results\/refused: .*access denied/i);
    expect(run.stderr).toContain('Finish the upload with `obifaas run --resume s3://results/refused`');
    expect((await stat(staging)).mode & 0o777).toBe(0o700);
    const before = await keysUnder('refused');
    expect(before).toEqual(['invocations.jsonl', 'job.spec.json', 'report.html']);
    expect(await listFolderFiles(staging)).toEqual(JOB_FILES);

    const from = proxy.log.length;
    const resumed = await obifaas(
      ['run', '--resume', 's3://results/refused', '--staging', staging, '--json'],
      {
        cwd: dir,
        env,
      },
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({
      status: 'completed',
      out: 's3://results/refused',
      upload: { status: 'uploaded', files: JOB_FILES.length, sent: 4, staging },
    });
    expect(putsUnder('refused', from)).toEqual(['results.jsonl', 'splits.jsonl', 'workers.log', 'job.json']);
    await expectUploadedJob('refused', 1);
  });

  it('completes an upload whose job manager was killed while it uploaded', async () => {
    const staging = path.join(dir, 'staging-killed');
    const run = await obifaasKilledAtRequest(
      proxy,
      { method: 'PUT', pathPrefix: '/results/killed/results.jsonl' },
      job('killed', ['--staging', staging]),
      { cwd: dir, env },
    );
    expect(run.signal, run.stderr).toBe('SIGKILL');
    expect(await keysUnder('killed')).toEqual(['invocations.jsonl', 'job.spec.json', 'report.html']);

    const from = proxy.log.length;
    const resumed = await obifaas(['run', '--resume', 's3://results/killed', '--staging', staging], {
      cwd: dir,
      env,
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/finished its upload to s3:\/\/results\/killed \(4 of 7 files sent now\)/);
    expect(putsUnder('killed', from)).toEqual(['results.jsonl', 'splits.jsonl', 'workers.log', 'job.json']);
    const record = await expectUploadedJob('killed', 1);
    expect(record.splits.every((s) => s.run === undefined || s.run === 0)).toBe(true);
  });

  it('restores a lost staging folder from the uploaded objects and finishes a cancelled job', async () => {
    const staging = path.join(dir, 'staging-lost');
    const cancelAfterSplits = (c: ChildProcess): void => {
      const timer = setInterval(() => {
        void readFile(path.join(staging, 'splits.jsonl'), 'utf8')
          .catch(() => '')
          .then((text) => {
            if (text.split('\n').length - 1 >= 2 && c.exitCode === null) {
              clearInterval(timer);
              c.kill('SIGTERM');
            }
          });
      }, 20);
      c.once('exit', () => clearInterval(timer));
    };
    const slow = ['--delay-percent', '100', '--delay-max', '1s', '--fault-seed', '3'];
    const run = await obifaas(job('lost', ['--staging', staging, ...slow], 8), {
      cwd: dir,
      env,
      onSpawn: cancelAfterSplits,
    });
    expect(run.code, run.stderr).toBe(130);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'cancelled', upload: { status: 'uploaded' } });
    const done = linesOf<SplitLogLine>(await objectText('lost', 'splits.jsonl'));
    expect(done.length).toBeGreaterThanOrEqual(2);
    expect(done.length).toBeLessThan(8);

    // A cancelled job's files (its report.html may be missing: see the report's own checks).
    const uploaded = await keysUnder('lost');
    expect(uploaded).toEqual(expect.arrayContaining(JOB_FILES.filter((f) => f !== 'report.html')));
    // A new job to the prefix of one that did not complete is pointed at the resume.
    const again = await obifaas(job('lost'), { cwd: dir, env });
    expect(again.code).toBe(2);
    expect(again.stderr.trim()).toBe(
      'obifaas: out: s3://results/lost already holds a job; finish it with `obifaas run --resume s3://results/lost` or choose another prefix',
    );
    await rm(staging, { recursive: true });
    const resumed = await obifaas(['run', '--resume', 's3://results/lost', '--staging', staging, '--json'], {
      cwd: dir,
      env,
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(
      new RegExp(`staging folder .* was missing: restored ${uploaded.length} files from s3://results/lost`),
    );
    expect(resumed.stderr).toMatch(
      new RegExp(`resuming job .*: ${done.length} of 8 splits done, running ${8 - done.length}`),
    );
    expect(JSON.parse(resumed.stdout)).toMatchObject({
      status: 'completed',
      resumed: true,
      upload: { status: 'uploaded' },
    });
    const record = await expectUploadedJob('lost', 2);
    expect(record.splits.filter((s) => s.run === 1)).toHaveLength(8 - done.length);
  });
});
