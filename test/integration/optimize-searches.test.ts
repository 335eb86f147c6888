/**
 * `obifaas optimize` searches beside the resumed one (`optimize-resume.test.ts`), with the real
 * CLI in a child process: the default space on a 256-image dataset, fp32 against int8, a
 * search in which every trial fails, and a search in a pipe (its trial and progress lines).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateDataset } from '../../src/dataset/generate.js';
import type { JobRecord } from '../../src/manager/types.js';
import { obifaas } from '../support/cpr-e2e.js';
import { TRIALS, useOptimizeWorld, world, type Trial } from '../support/optimize-search.js';

useOptimizeWorld();

describe('obifaas optimize', () => {
  it('the default space runs on a 256-image dataset, leaving out the batch sizes above 256', async () => {
    const data = await generateDataset({ count: 256, outDir: path.join(world.dir, 'data256'), seed: 6 });
    const run = await obifaas(world.dir, [
      'optimize',
      '--trials',
      '2',
      '--repeats',
      '1',
      '--seed',
      '3',
      '--input',
      data.manifestPath,
      '--model',
      'tiny',
      '--out',
      'opt-default',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as {
      trials: Trial[];
      fitted: { path: string; values: string }[];
    };
    expect(report.fitted).toEqual([{ path: 'parameters.memory.branches.10240.batchSize', values: '512' }]);
    expect(report.trials).toHaveLength(2);
    for (const t of report.trials) expect(t.params.batchSize as number).toBeLessThanOrEqual(256);
    const setup = JSON.parse(
      await readFile(path.join(world.dir, 'opt-default', 'optimize.json'), 'utf8'),
    ) as {
      space: unknown;
    };
    expect(JSON.stringify(setup.space)).not.toMatch(/\b512\b/);
  });

  it('--precision fp32,int8 tries the model and its int8 build, and best-worker.json names the winner', async () => {
    await writeFile(
      path.join(world.dir, 'one-batch.json'),
      JSON.stringify({ parameters: { batchSize: { type: 'categorical', values: [4] } } }),
    );
    const run = await obifaas(world.dir, [
      'optimize',
      '--space',
      'one-batch.json',
      '--precision',
      'fp32,int8',
      '--trials',
      '3',
      '--repeats',
      '1',
      '--input',
      'data/manifest.txt',
      '--model',
      'tiny',
      '--out',
      'opt-precision',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as {
      trials: (Trial & { model?: string })[];
      exhausted: boolean;
      spaceSize: number;
    };
    expect(report.spaceSize).toBe(2);
    expect(report.exhausted).toBe(true);
    expect(report.trials.map((t) => t.params.precision).sort()).toEqual(['fp32', 'int8']);
    for (const t of report.trials) expect(t.status, t.error).toBe('ok');
    const int8 = report.trials.find((t) => t.params.precision === 'int8')!;
    expect(int8.model).toMatch(/tiny-int8-.*\.onnx$/);
    const job = JSON.parse(
      await readFile(
        path.join(world.dir, 'opt-precision', 'trials', `trial-${int8.number}`, 'repeat-0', 'job.json'),
        'utf8',
      ),
    ) as JobRecord;
    expect(job.spec.model.uri).toBe(int8.model);
    const best = JSON.parse(
      await readFile(path.join(world.dir, 'opt-precision', 'best-worker.json'), 'utf8'),
    ) as {
      precision: string;
      model: string;
    };
    expect(['fp32', 'int8']).toContain(best.precision);
    expect(best.model).toBe(best.precision === 'int8' ? int8.model : 'tiny');
  });

  it('a search where every trial fails records them as failed and exits 1', async () => {
    await writeFile(
      path.join(world.dir, 'bad-space.json'),
      JSON.stringify({
        parameters: {
          batchSize: { type: 'categorical', values: [2, 4] },
          replicas: { type: 'categorical', values: [100] },
        },
      }),
    );
    const bad = [...world.args];
    bad[bad.indexOf('space.json')] = 'bad-space.json';
    bad[bad.indexOf('opt')] = 'opt-bad';
    bad[bad.indexOf(String(TRIALS))] = '2';
    const run = await obifaas(world.dir, bad);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^obifaas: no trial succeeded \(first error: .*replicas/m);
    const report = JSON.parse(run.stdout) as { trials: Trial[]; best: Trial | null };
    expect(report.trials.map((t) => t.status)).toEqual(['failed', 'failed']);
    expect(report.best).toBeNull();
  });

  it('in a pipe prints a line per finished trial and plain progress lines, without control characters', async () => {
    const args = [...world.args.filter((a) => a !== '--json')];
    args[args.indexOf('opt')] = 'opt-pipe';
    args[args.indexOf('--trials') + 1] = '2';
    args[args.indexOf('--repeats') + 1] = '1';
    const run = await obifaas(world.dir, args, { OBIFAAS_PROGRESS_INTERVAL: '20ms' });
    expect([0, 1], run.stderr).toContain(run.code);
    const lines = run.stderr.split('\n');
    expect(
      lines.filter((l) => /^trial \d \(\d of 2\): (ok|failed) /.test(l)),
      run.stderr,
    ).toEqual([
      expect.stringMatching(/^trial 0 \(1 of 2\): /),
      expect.stringMatching(/^trial 1 \(2 of 2\): /),
    ]);
    const progress = lines.filter((l) => /^optimize [0-2]\/2 trials \| .* \| \d+s$/.test(l));
    expect(progress.length, run.stderr).toBeGreaterThan(0);
    // eslint-disable-next-line no-control-regex
    expect(run.stderr).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f\u2588\u2591]/);
    expect(run.stdout).toMatch(/^trials +2 /m);
  });
});
