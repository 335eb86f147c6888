/**
 * The commands other than `run` with `--out s3://` (the CLI in a child process, against s3rver,
 * `test/support/s3-output.ts`): simulate uploads its day folder, results and report put one file,
 * and a command with local-only outputs refuses it.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTraceCsv, generateTrace } from '../../src/trace/trace-gen.js';
import { obifaas } from '../support/obifaas-cli.js';
import {
  dir,
  env,
  keysUnder,
  objectText,
  putsUnder,
  results,
  runArgs,
  startS3Output,
  stopS3Output,
} from '../support/s3-output.js';

beforeAll(startS3Output);
afterAll(stopS3Output);

describe('other commands with --out s3://', () => {
  it('simulate uploads its day folder; results and report put one file; local-only outputs are refused', async () => {
    const rows = generateTrace({ jobs: 4, seed: 3, medianImages: 8, sizeSigma: 0.5, maxImages: 16 });
    await writeFile(path.join(dir, 'day.csv'), formatTraceCsv(rows));
    const simulate = await obifaas(
      [
        'simulate',
        'day.csv',
        '--profile',
        'lambda-resnet50-3008',
        '--out',
        's3://results/days/sim',
        '--json',
      ],
      { cwd: dir, env },
    );
    expect(simulate.code, simulate.stderr).toBe(0);
    expect(simulate.stderr).toMatch(/uploaded 3 files to s3:\/\/results\/days\/sim/);
    expect(await keysUnder('days/sim')).toEqual(['day.json', 'day.svg', 'report.html']);
    expect(putsUnder('days/sim').at(-1)).toBe('day.json');
    expect(JSON.parse(await objectText('days/sim', 'day.json'))).toMatchObject({ source: 'simulate' });

    // A job folder on this machine: its results and report, to S3.
    const job = path.join(dir, 'local-job');
    const ran = await obifaas(runArgs(job), { cwd: dir, env });
    expect(ran.code, ran.stderr).toBe(0);
    const exported = await obifaas(
      ['results', job, '--format', 'csv', '--out', 's3://results/exports/refused.csv', '--json'],
      { cwd: dir, env },
    );
    expect(exported.code, exported.stderr).toBe(0);
    expect(JSON.parse(exported.stdout)).toMatchObject({ file: 's3://results/exports/refused.csv', rows: 24 });
    const csv = (await results.get('exports/refused.csv')).toString('utf8');
    expect(csv.trim().split('\n')).toHaveLength(25);
    const report = await obifaas(['report', job, '--out', 's3://results/exports/refused.html'], {
      cwd: dir,
      env,
    });
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toMatch(/^wrote s3:\/\/results\/exports\/refused\.html/);
    expect((await results.get('exports/refused.html')).toString('utf8')).toMatch(/^<!doctype html>/i);

    const refused = await obifaas(['dataset', 'make', '--count', '2', '--out', 's3://results/ds'], {
      cwd: dir,
      env,
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toBe(
      'obifaas: --out: a dataset (`obifaas dataset upload` copies one to S3) goes to a local path; s3:// outputs are taken by run, demo, replay, simulate, results and report (copy it with `aws s3 cp`)',
    );
  });
});
