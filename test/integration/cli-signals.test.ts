/**
 * Cancelling `obifaas run` from outside, as a terminal, a service manager or a closed session
 * would: SIGINT, SIGTERM and SIGHUP each cancel the running job alike. The real CLI runs from
 * source in a child process. Each run must exit 130, print the cancel notice on a line of its
 * own, print a summary that parses (table or JSON), write its report, and leave one result line
 * per input.
 */
import type { ChildProcess } from 'node:child_process';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InputResult } from '../../src/core/prediction.js';
import { generateDataset, type GeneratedDataset } from '../../src/dataset/generate.js';
import { obifaas, type CliRun } from '../support/obifaas-cli.js';

let dir: string;
let dataset: GeneratedDataset;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-cli-signals-'));
  dataset = await generateDataset({ count: 24, outDir: path.join(dir, 'data'), seed: 4 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs a job of one-image splits on one function at a time, and sends `signal` once it has started. */
function cancelledRun(signal: NodeJS.Signals, out: string, extra: string[] = []): Promise<CliRun> {
  const args = ['run', '--input', dataset.manifestPath, '--model', 'tiny', '--workers', '24'];
  return obifaas([...args, '--max-concurrency', '1', '--out', out, ...extra], {
    cwd: dir,
    env: { OBIFAAS_HOME: path.join(dir, 'home') },
    onSpawn: (child: ChildProcess) => {
      // The job has started once its output folder holds the function log.
      const poll = setInterval(() => {
        access(path.join(out, 'workers.log')).then(
          () => {
            clearInterval(poll);
            child.kill(signal);
          },
          () => undefined,
        );
      }, 50);
      child.once('close', () => clearInterval(poll));
    },
  });
}

async function expectEveryInputOnce(out: string): Promise<InputResult[]> {
  const lines = (await readFile(path.join(out, 'results.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as InputResult);
  expect(lines.map((l) => l.key).sort()).toEqual([...dataset.keys].sort());
  return lines;
}

/** The cancel notice alone on its line (a signal other than SIGINT is named first). */
function expectNoticeOnItsOwnLine(stderr: string, signal: NodeJS.Signals, out: string): void {
  const source = signal === 'SIGINT' ? '' : `${signal}: `;
  const lines = stderr.split('\n');
  const notices = lines.filter((l) => l.includes('cancelling'));
  expect(notices, stderr).toEqual([
    `obifaas: ${source}cancelling the job: stopping the functions; inputs without a result get the error "cancelled" (press Ctrl-C again to quit now)`,
  ]);
  expect(lines).toContain(
    `obifaas: job cancelled; unfinished inputs are marked "cancelled" in results.jsonl; to finish it: obifaas run --resume ${out}`,
  );
}

/** The summary table: label, two or more spaces, value; then the output paths. */
function parseSummaryTable(stdout: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of stdout.trimEnd().split('\n')) {
    const match =
      /^(Job|Model|Inputs|Functions|Latency|Throughput|Billed|Cost|Output|Results:|Record:|Report:) +(\S.*)$/.exec(
        line,
      );
    expect(match, `not a summary line: ${JSON.stringify(line)}`).not.toBeNull();
    rows.set(match![1]!, match![2]!);
  }
  return rows;
}

describe('obifaas run: cancelled by a signal', () => {
  for (const signal of ['SIGINT', 'SIGHUP'] as const) {
    it(`${signal}: exit 130, the notice on its own line, a summary table that parses, every input once`, async () => {
      const out = path.join(dir, `job-${signal}`);
      const run = await cancelledRun(signal, out);
      expect(run.code, run.stderr).toBe(130);
      expectNoticeOnItsOwnLine(run.stderr, signal, out);
      const table = parseSummaryTable(run.stdout);
      expect(table.get('Job')).toMatch(new RegExp(`: cancelled \\(cancelled by ${signal}\\)$`));
      expect(table.get('Inputs')).toMatch(/^24 \(\d+ ok, \d+ errors?\)$/);
      expect(table.get('Model')).toMatch(/^SHA-256 [0-9a-f]{64}$/);
      // The invocations the cancel stopped (queued or running) are not failures.
      expect(table.get('Functions')).toMatch(/, 0 failures, /);
      expect(table.get('Results:')).toBe(path.join(out, 'results.jsonl'));
      // A cancelled job has its report too (its latency is null).
      expect(run.stderr).not.toContain('no report.html');
      expect(table.get('Report:')).toBe(path.join(out, 'report.html'));
      await access(path.join(out, 'report.html'));
      const lines = await expectEveryInputOnce(out);
      expect(lines.some((l) => l.error === 'cancelled')).toBe(true);
    });
  }

  it('SIGTERM with --json: exit 130, the notice on its own line, one JSON object that says cancelled', async () => {
    const out = path.join(dir, 'job-SIGTERM');
    const run = await cancelledRun('SIGTERM', out, ['--json']);
    expect(run.code, run.stderr).toBe(130);
    expectNoticeOnItsOwnLine(run.stderr, 'SIGTERM', out);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: 'cancelled',
      cancelReason: 'cancelled by SIGTERM',
      inputs: 24,
      out,
    });
    await expectEveryInputOnce(out);
    const record = JSON.parse(await readFile(path.join(out, 'job.json'), 'utf8')) as {
      status: string;
      summary: { cancelReason?: string; failedInvocations: number };
      invocations: { ok: boolean; stopped?: boolean }[];
    };
    expect(record.status).toBe('cancelled');
    expect(record.summary.failedInvocations).toBe(0);
    expect(record.invocations.filter((i) => !i.ok && i.stopped !== true)).toEqual([]);
    expect(record.summary.cancelReason).toBe('cancelled by SIGTERM');
  });
});
