/**
 * Environment settings with bad values, against the built CLI: each is refused before anything
 * runs, in one line naming the variable (exit 2, no stack), whether it is a job setting, the
 * progress interval, the config file's name or a function's deployment setting; control
 * characters in a value are shown escaped, never sent to the terminal.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset, type GeneratedDataset } from '../../src/dataset/generate.js';
import { expectRefusal } from '../support/cli-refusal.js';
import { obifaasBin, requireFreshDist } from '../support/obifaas-bin.js';

let dir: string;
let dataset: GeneratedDataset;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-environment-'));
  dataset = await generateDataset({ count: 2, outDir: path.join(dir, 'data'), seed: 5 });
  await mkdir(path.join(dir, 'a-folder'));
  await requireFreshDist();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cli = (args: string[], env: NodeJS.ProcessEnv) =>
  obifaasBin(args, { cwd: dir, env: { OBIFAAS_HOME: path.join(dir, 'home'), ...env }, timeoutMs: 60_000 });

describe('a job run with a bad environment setting', () => {
  it.each([
    [
      'OBIFAAS_PROGRESS_INTERVAL',
      'often',
      /^obifaas: OBIFAAS_PROGRESS_INTERVAL: expected a duration .*got 'often', or 'off'$/,
    ],
    ['OBIFAAS_PROGRESS_INTERVAL', '-5s', /OBIFAAS_PROGRESS_INTERVAL: expected a duration .*got '-5s'/],
    ['OBIFAAS_PROGRESS_INTERVAL', '1e3', /OBIFAAS_PROGRESS_INTERVAL: expected a duration .*got '1e3'/],
    [
      'OBIFAAS_PROGRESS_INTERVAL',
      '9999h',
      /OBIFAAS_PROGRESS_INTERVAL: expected a duration of at most 24 days/,
    ],
    ['OBIFAAS_PROGRESS_INTERVAL', 'NaN', /OBIFAAS_PROGRESS_INTERVAL: expected a duration .*got 'NaN'/],
    [
      'OBIFAAS_CONFIG',
      'a-folder',
      /^obifaas: OBIFAAS_CONFIG a-folder: cannot read the config file \(it is a folder\)$/,
    ],
    [
      'OBIFAAS_CONFIG',
      'missing.yaml',
      /OBIFAAS_CONFIG missing\.yaml: cannot read the config file \(no such file\)/,
    ],
    [
      'OBIFAAS_CONFIG',
      '/dev/zero',
      /OBIFAAS_CONFIG \/dev\/zero: cannot read the config file \(it is a device\)/,
    ],
    ['OBIFAAS_WORKERS', '1e999', /OBIFAAS_WORKERS \(environment\): expected an integer, got '1e999'/],
    ['OBIFAAS_TIMEOUT', 'NaN', /OBIFAAS_TIMEOUT \(environment\): expected a duration .*got 'NaN'/],
    [
      'OBIFAAS_MAX_RETRIES',
      '-1',
      /maxRetries \(from environment OBIFAAS_MAX_RETRIES\): expected an integer >= 0/,
    ],
    ['OBIFAAS_SPLIT_SIZE', '1\n2', /OBIFAAS_SPLIT_SIZE \(environment\): expected an integer, got '1\\n2'/],
    ['OBIFAAS_JOB_NAME', 'a\u001b[2Jb', /name \(from environment OBIFAAS_JOB_NAME\): .*got 'a\\u001b\[2Jb'/],
  ])('%s=%j', async (name, value, message) => {
    const args = ['run', '--input', dataset.manifestPath, '--model', 'tiny', '--dry-run'];
    const run = await cli(args, { [name]: value });
    expectRefusal(run, message);
    expect(run.stderr).not.toContain('\u001b');
  });
});

describe('serve-function with a bad deployment setting', () => {
  it.each([
    [
      'OBIFAAS_FUNCTION_READ',
      'relative/data',
      /OBIFAAS_FUNCTION_READ: 'relative\/data' is not an absolute path/,
    ],
    [
      'OBIFAAS_FUNCTION_BUCKETS',
      'Bad_Bucket!',
      /OBIFAAS_FUNCTION_BUCKETS: 'Bad_Bucket!' is not an S3 bucket name/,
    ],
    [
      'OBIFAAS_FUNCTION_DISPATCHERS',
      '999.0.0.0/99',
      /OBIFAAS_FUNCTION_DISPATCHERS: '999\.0\.0\.0\/99' is not/,
    ],
    [
      'OBIFAAS_FUNCTION_DISPATCHER_TLS',
      'maybe',
      /OBIFAAS_FUNCTION_DISPATCHER_TLS: expected required or optional/,
    ],
    ['OBIFAAS_PROGRESS_INTERVAL', 'often', /OBIFAAS_PROGRESS_INTERVAL: expected a duration/],
  ])('%s=%j', async (name, value, message) => {
    expectRefusal(await cli(['serve-function', '--port', '0'], { [name]: value }), message);
  });
});
