/**
 * `simulateDay()` from code: the same day report `obifaas simulate --json` prints for the same
 * trace and settings (its defaults are the command's), jobs given in memory, and mistakes named
 * by their field.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureCli } from '../../test/support/capture-cli.js';
import { SpecError, UserError } from '../errors.js';
import type { DayReport } from '../trace/day-report.js';
import { formatTraceCsv, generateTrace } from '../trace/trace-gen.js';
import { simulateDay, type SimulateDayOptions } from './simulate-day.js';

let dir: string;
let trace: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-simulate-day-'));
  trace = path.join(dir, 'day.csv');
  await writeFile(trace, formatTraceCsv(generateTrace({ jobs: 30, seed: 4 })));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A report without the time it was made. */
const timeless = ({ createdAt: _createdAt, ...rest }: DayReport): Omit<DayReport, 'createdAt'> => rest;

describe('simulateDay', () => {
  it('gives the report `obifaas simulate --json` prints, with the same defaults', async () => {
    const cli = await captureCli(
      'simulate',
      trace,
      '--profile',
      'lambda-resnet50-3008',
      '--max-jobs',
      '3',
      '--out',
      path.join(dir, 'cli'),
      '--json',
    );
    expect(cli.code, cli.stderr).toBe(0);
    const fromCli = JSON.parse(cli.stdout) as DayReport;
    const out = path.join(dir, 'api');
    const fromApi = await simulateDay({ trace, profile: 'lambda-resnet50-3008', maxJobs: 3, out });
    expect(timeless(fromApi.report)).toEqual(timeless(fromCli));
    expect(fromApi.file).toBe(path.join(out, 'day.json'));
    expect(JSON.parse(await readFile(fromApi.file as string, 'utf8'))).toEqual(
      JSON.parse(JSON.stringify(fromApi.report)),
    );
    expect(fromApi.stats.invocations).toBeGreaterThan(0);
  });

  it('simulates jobs given in memory, with a profile given as a value', async () => {
    const { report, file } = await simulateDay({
      trace: [
        { arrivalSeconds: 60, images: 500, datasetId: 'late' },
        { arrivalSeconds: 0, images: 1000 },
      ],
      profile: {
        name: 'mine',
        memoryMb: 2048,
        splitSize: 50,
        imagesPerSecondPerWorker: 20,
        initSeconds: 2,
        concurrencyLimit: 100,
      },
      mode: 'static',
      workers: 10,
      maxWorkers: 20,
      maxJobs: 2,
      policy: 'fixed',
    });
    expect(file).toBeNull();
    expect(report.trace).toEqual({ file: null, jobs: 2, malformedRows: 0 });
    // Sorted by arrival; a job's line is its place in the list given.
    expect(report.jobs.map((j) => [j.line, j.datasetId, j.images])).toEqual([
      [2, 'job-2', 1000],
      [1, 'late', 500],
    ]);
    expect(report.jobs.every((j) => j.status === 'succeeded' && j.workers === 10)).toBe(true);
    // 100 images per worker at 20 images/s after a 2 s cold start.
    expect(report.jobs[0]?.latencySeconds).toBeCloseTo(7, 6);
    expect(report.settings).toMatchObject({ mode: 'static', requestedWorkers: 10, policy: 'fixed' });
  });

  it("runs each job with a job's dispatch options: retries, speculation and faults", async () => {
    const jobs = [{ arrivalSeconds: 0, images: 640 }];
    const profile = {
      memoryMb: 1024,
      splitSize: 32,
      secondsPerSplit: 2,
      initSeconds: 1,
      concurrencyLimit: 100,
      serviceTimeCv: 0.3,
    };
    const day = { trace: jobs, profile, mode: 'dynamic', workers: 8, maxWorkers: 8 } as const;
    const plain = (await simulateDay(day)).report;
    expect(plain.jobs[0]).toMatchObject({ invocations: 8, failedInvocations: 0, retries: 0, copies: 0 });
    const { report } = await simulateDay({
      ...day,
      maxRetries: 2,
      speculation: { enabled: true, quantile: 0.5, multiplier: 1.2 },
      faults: { failPercent: 25, delayPercent: 25, delayMax: '20s', seed: 3 },
    });
    const [job] = report.jobs;
    expect(job?.status).toBe('succeeded');
    expect(job?.failedInvocations).toBe(2);
    expect(job?.retries).toBeGreaterThanOrEqual(2);
    expect(job?.copies).toBeGreaterThan(0);
    expect(report.settings).toMatchObject({
      maxRetries: 2,
      maxSplitRetries: 2,
      faults: { failPercent: 25, delayPercent: 25, delayMaxMs: 20_000, seed: 3 },
    });
    await expect(simulateDay({ ...day, mode: 'static', speculation: { enabled: true } })).rejects.toThrow(
      'speculation.enabled: speculative copies need dynamic dispatch',
    );
  });

  it('names what is wrong: the jobs, the profile, the mode, the policy', async () => {
    const profile = 'lambda-resnet50-3008';
    const badJobs = simulateDay({ trace: [{ arrivalSeconds: -1, images: 2.5 }], profile });
    await expect(badJobs).rejects.toThrow(SpecError);
    await expect(badJobs).rejects.toThrow(
      'invalid day: jobs[0].arrivalSeconds: expected a number >= 0, got -1; jobs[0].images: expected an integer >= 1, got 2.5',
    );
    await expect(simulateDay({ trace: [], profile })).rejects.toThrow('jobs: expected at least one job');
    await expect(simulateDay({ trace, profile: { memoryMb: 3008 } as never })).rejects.toThrow(
      /invalid profile profile: splitSize: missing/,
    );
    // A profile that is neither a file nor a shipped name: the option named, not the CLI's flag.
    await expect(simulateDay({ trace, profile: 'lambda-nowhere' })).rejects.toThrow(
      /^profile: no such file 'lambda-nowhere' \(shipped profiles: .*lambda-resnet50-3008/,
    );
    await expect(simulateDay({ trace, profile, mode: 'batch' as never })).rejects.toThrow(UserError);
    await expect(simulateDay({ trace, profile, policy: { type: 'deadline', seconds: 0 } })).rejects.toThrow(
      /policy\.seconds: expected a number > 0, got 0/,
    );
  });

  it("refuses bad options in one SpecError, the jobs' and the day's, each under its option", async () => {
    const profile = 'lambda-resnet50-3008';
    const issuesOf = (options: Partial<SimulateDayOptions>): Promise<unknown> =>
      simulateDay({ trace, profile, ...options }).then(
        () => null,
        (err: unknown) => (err instanceof SpecError ? err.issues : err),
      );
    expect(await issuesOf({ maxWorkers: 0 })).toEqual([
      { path: 'maxWorkers', message: 'expected an integer >= 1, got 0' },
    ]);
    expect(
      await issuesOf({
        workers: 0,
        maxWorkers: 1.5,
        maxJobs: 0,
        speed: -1,
        maxWaitSeconds: Number.NaN,
        minGrantFraction: 2,
        maxHeadWaitSeconds: -1,
        policy: { type: 'cpr', usdPerMillion: 0 },
      }),
    ).toEqual([
      { path: 'maxWorkers', message: 'expected an integer >= 1, got 1.5' },
      { path: 'maxJobs', message: 'expected an integer >= 1, got 0' },
      { path: 'speed', message: 'expected a number > 0, got -1' },
      { path: 'maxWaitSeconds', message: 'expected a number >= 0, got NaN' },
      { path: 'minGrantFraction', message: 'expected a number in [0, 1], got 2' },
      { path: 'maxHeadWaitSeconds', message: 'expected a number >= 0, got -1' },
      { path: 'policy.usdPerMillion', message: 'expected a number > 0, got 0' },
      { path: 'workers', message: 'expected an integer >= 1, got 0' },
    ]);
  });
});
