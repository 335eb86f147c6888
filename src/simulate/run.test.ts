import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../cli/main.js';
import { UserError } from '../errors.js';
import type { DayReport } from '../trace/day-report.js';
import { formatTraceCsv, generateTrace } from '../trace/trace-gen.js';
import { resolveProfileFile, simulateTrace, type SimulateFlags } from './run.js';

let dir: string;
let trace: string;
const flags = (extra: Partial<SimulateFlags> = {}): SimulateFlags => ({
  profile: 'lambda-resnet50-3008',
  maxWorkers: 100,
  maxJobs: 4,
  policy: 'default',
  mode: 'dynamic',
  workers: 20,
  speed: 10,
  maxWait: 600_000,
  minGrantFraction: 0,
  maxHeadWait: 60_000,
  seed: 1,
  out: path.join(dir, 'out'),
  ...extra,
});

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-simulate-'));
  trace = path.join(dir, 'day.csv');
  await writeFile(trace, formatTraceCsv(generateTrace({ jobs: 40, seed: 2 })) + 'oops,ds-x,12\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('simulateTrace', () => {
  it('writes day.json with every valid job, the settings, and a note about skipped rows', async () => {
    const { report, file, notes } = await simulateTrace(trace, flags(), () => new Date(0));
    const written = JSON.parse(await readFile(file, 'utf8')) as DayReport;
    expect(written).toEqual(JSON.parse(JSON.stringify(report)));
    expect(written.createdAt).toBe('1970-01-01T00:00:00.000Z');
    expect(written.totals.jobs).toBe(40);
    expect(written.trace).toEqual({ file: trace, jobs: 40, malformedRows: 1 });
    expect(written.settings).toMatchObject({
      maxWorkers: 100,
      maxJobs: 4,
      policy: 'default',
      speed: 10,
      maxWaitSeconds: 600,
    });
    expect(written.totals.peakWorkers).toBeLessThanOrEqual(100);
    expect(written.totals.peakJobs).toBeLessThanOrEqual(4);
    expect(written.jobs.every((j) => j.line !== null && j.datasetId?.startsWith('ds-'))).toBe(true);
    expect(notes).toEqual([
      `${trace}: skipped 1 malformed row(s): line 42: STARTED: expected a timestamp (ISO 8601, or Unix seconds), got 'oops'`,
    ]);
  });

  it('runs the cpr policy from the planning code', async () => {
    const { report } = await simulateTrace(trace, flags({ policy: 'cpr', cprPerMillion: 8 }));
    expect(report.settings).toMatchObject({ policy: 'cpr', cprPerMillionUsd: 8 });
    expect(report.distributions.workers?.max).toBeLessThan(20);
  });

  it("refuses an --out that holds other files than a simulation's (a job folder), writing nothing", async () => {
    const job = path.join(dir, 'a-job');
    await mkdir(job);
    await writeFile(path.join(job, 'job.json'), '{}');
    await writeFile(path.join(job, 'report.html'), 'the job report');
    const refused = await simulateTrace(trace, flags({ out: job })).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(UserError);
    expect((refused as Error).message).toBe(
      `--out: '${job}' holds other files than a simulation's (job.json): give a new or empty folder, ` +
        'or the folder of an earlier simulation (its day.json, day.svg and report.html are replaced)',
    );
    expect((await readdir(job)).sort()).toEqual(['job.json', 'report.html']);
    expect(await readFile(path.join(job, 'report.html'), 'utf8')).toBe('the job report');
    await expect(simulateTrace(trace, flags({ out: trace }))).rejects.toThrow(
      /--out: '.*day\.csv' is a file/,
    );
    // An earlier simulation's folder is written again.
    const again = path.join(dir, 'again');
    await simulateTrace(trace, flags({ out: again }));
    await expect(simulateTrace(trace, flags({ out: again }))).resolves.toMatchObject({
      file: path.join(again, 'day.json'),
    });
  });

  it('fails clearly: strict rows, unknown policy, cpr without target, unknown profile', async () => {
    await expect(simulateTrace(trace, flags({ strict: true }))).rejects.toThrow(
      /1 malformed row\(s\): line 42/,
    );
    await expect(simulateTrace(trace, flags({ policy: 'magic' }))).rejects.toThrow(
      "--policy: unknown policy 'magic' (known: default, fixed, cpr, deadline)",
    );
    await expect(simulateTrace(trace, flags({ policy: 'cpr' }))).rejects.toThrow(
      '--policy cpr needs --cpr-per-million USD',
    );
    await expect(resolveProfileFile('nope')).rejects.toThrow(
      /no such file 'nope' \(shipped profiles: .*lambda-resnet50-3008/,
    );
  });

  it.runIf(process.platform !== 'win32')(
    'refuses a profile that is not a regular file, saying what it is',
    async () => {
      const fifo = path.join(dir, 'profile-fifo');
      execFileSync('mkfifo', [fifo]);
      await expect(resolveProfileFile(fifo)).rejects.toThrow(
        `--profile: cannot read '${fifo}': it is a FIFO (named pipe)`,
      );
      await expect(resolveProfileFile(dir)).rejects.toThrow(
        `--profile: cannot read '${dir}': it is a folder`,
      );
    },
  );
});

describe('obifaas simulate and trace (CLI)', () => {
  it('trace make then simulate --json prints the report; bad input exits 2 with one line', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const so = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    const se = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
    try {
      const made = path.join(dir, 'made.csv');
      expect(
        await main(['node', 'obifaas', 'trace', 'make', '--jobs', '15', '--seed', '3', '--out', made]),
      ).toBe(0);
      expect(await main(['node', 'obifaas', 'trace', 'check', made])).toBe(0);
      expect(out.join('')).toMatch(/made\.csv: 15 jobs/);
      out.length = 0;
      const args = [
        'node',
        'obifaas',
        'simulate',
        made,
        '--profile',
        'lambda-resnet50-3008',
        '--out',
        path.join(dir, 'cli'),
      ];
      expect(await main([...args, '--max-workers', '30', '--json'])).toBe(0);
      const report = JSON.parse(out.join('')) as DayReport;
      expect(report.totals.jobs).toBe(15);
      expect(report.totals.peakWorkers).toBeLessThanOrEqual(30);
      expect(report.settings).toMatchObject({ mode: 'static', requestedWorkers: 50, splitSize: 32 });
      out.length = 0;
      const dynamic = ['--mode', 'dynamic', '--speculation', '--delay-percent', '10', '--json'];
      expect(await main([...args, ...dynamic])).toBe(0);
      const simulated = JSON.parse(out.join('')) as DayReport;
      expect(simulated.settings).toMatchObject({
        mode: 'dynamic',
        speculation: { quantile: 0.75, multiplier: 2, intervalMs: 500, extraWorkers: 1 },
        faults: { failPercent: 0, delayPercent: 10, delayMaxMs: 5000, seed: 1 },
      });
      expect(simulated.jobs.every((j) => j.invocations !== null && j.copies !== null)).toBe(true);
      expect(await main([...args, '--max-wait', 'soon'])).toBe(2);
      expect(await main([...args, '--fail-percent', '120', '--speculation'])).toBe(2);
      expect(await main([...args, '--mode', 'batch'])).toBe(2);
      const bad = path.join(dir, 'bad.json');
      await writeFile(bad, '{"memoryMb": 3008}');
      expect(await main(['node', 'obifaas', 'simulate', made, '--profile', bad])).toBe(2);
      expect(err.join('')).toContain(
        "--max-wait: expected a duration such as '90s', '15m', '500ms' or a number of seconds, 0 or 'none', got 'soon'",
      );
      expect(err.join('')).toContain(
        "mode (from --mode): unknown mode 'batch'; expected one of: static, dynamic",
      );
      expect(err.join('')).toMatch(
        /faults\.failPercent \(from --fail-percent\): .*100.*speculation\.enabled \(from --speculation\): speculative copies need dynamic dispatch/,
      );
      expect(err.join('')).toContain(
        'splitSize: missing: expected an integer >= 1; initSeconds: missing: expected a number >= 0; concurrencyLimit: missing: expected an integer >= 1',
      );
      expect(err.every((line) => !line.includes('    at '))).toBe(true);
    } finally {
      so.mockRestore();
      se.mockRestore();
    }
  });
});
