/**
 * Mistakes in `obifaas optimize` and `obifaas run --worker-config`, through the CLI's `main()`:
 * each is refused before any trial or job runs, with one line naming the JSON path, key or
 * flag, and exit code 2.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliWorld } from '../../../test/support/cli-world.js';
import { captureCli as run, type CapturedCliRun as Run } from '../../../test/support/capture-cli.js';
import { DEFAULT_SPACE_FILE, loadWorkerSpace } from './optimize-run.js';
import { expectRefusal } from '../../../test/support/cli-refusal.js';

const world = useCliWorld('obifaas-optimize-cli-');

async function spaceFile(name: string, json: unknown): Promise<string> {
  const file = path.join(world.dir, name);
  await fs.writeFile(file, typeof json === 'string' ? json : JSON.stringify(json));
  return file;
}

const optimize = (space: string, ...extra: string[]): Promise<Run> =>
  run(
    'optimize',
    '--space',
    space,
    '--input',
    world.manifest,
    '--model',
    'tiny',
    '--out',
    path.join(world.dir, 'opt'),
    ...extra,
  );

describe('optimize: bad space files', () => {
  it('names an empty range', async () => {
    const file = await spaceFile('empty.json', {
      parameters: {
        batchSize: { type: 'categorical', values: [] },
        replicas: { type: 'int', min: 4, max: 2 },
      },
    });
    const result = await optimize(file);
    expectRefusal(
      result,
      /invalid search space in .*empty\.json: parameters\.batchSize\.values: expected a non-empty list of values, got an empty list/,
    );
    expect(result.stderr).toMatch(/parameters\.replicas: min \(4\) > max \(2\)/);
  });

  it('names an unknown parameter, also inside a branch', async () => {
    const file = await spaceFile('unknown.json', {
      parameters: {
        memory: {
          type: 'categorical',
          values: [1024],
          branches: { '1024': { dropout: { type: 'int', min: 1, max: 2 } } },
        },
        batchsize: { type: 'int', min: 1, max: 8 },
      },
    });
    const result = await optimize(file);
    expectRefusal(
      result,
      /parameters\.memory\.branches\.1024\.dropout: unknown parameter 'dropout'; expected one of memory, batchSize, /,
    );
    expect(result.stderr).toMatch(/parameters\.batchsize: unknown parameter 'batchsize'/);
  });

  it('names values a worker cannot take', async () => {
    const file = await spaceFile('values.json', {
      parameters: {
        memory: { type: 'categorical', values: [64] },
        intraOpThreads: { type: 'float', min: 1, max: 2 },
      },
    });
    const result = await optimize(file);
    expectRefusal(result, /parameters\.memory\.values\[0\]: expected an integer from 128 to 10240, got 64/);
    expect(result.stderr).toMatch(/parameters\.intraOpThreads\.type: 'intraOpThreads' takes integers/);
  });

  it('names a missing file and a file that is not JSON', async () => {
    expectRefusal(
      await optimize(path.join(world.dir, 'nowhere.json')),
      /--space: cannot read '.*nowhere\.json': no such file/,
    );
    expectRefusal(await optimize(await spaceFile('text.json', 'memory: 1024')), /text\.json: not valid JSON/);
  });

  it('reads the shipped ResNet50 space by default', async () => {
    const space = await loadWorkerSpace(DEFAULT_SPACE_FILE);
    expect(space.name).toBe('resnet50');
  });
});

describe('optimize: other mistakes', () => {
  const tiny = { parameters: { batchSize: { type: 'categorical', values: [2, 16] } } };

  it('refuses an unknown objective and a zero trial count', async () => {
    const file = await spaceFile('tiny.json', tiny);
    expectRefusal(
      await optimize(file, '--objective', 'speed'),
      /--objective: unknown objective 'speed'; expected one of/,
    );
    expectRefusal(await optimize(file, '--trials', '0'), /--trials: expected an integer >= 1, got '0'/);
  });

  it('refuses an --s3-region that is not a region name, by the check a function applies', async () => {
    const file = await spaceFile('tiny.json', tiny);
    expectRefusal(
      await optimize(file, '--s3-region', 'bad region!'),
      /s3\.region \(from --s3-region\): expected a region name like eu-west-1 \(lowercase words joined by hyphens\), got 'bad region!'/,
    );
  });

  it('refuses inputs smaller than the largest batch the space can propose, saying how to write a smaller space', async () => {
    const file = await spaceFile('tiny.json', tiny);
    const result = await optimize(file);
    expectRefusal(
      result,
      /the space proposes batch sizes up to 16 \(parameters\.batchSize\) but --input '.*manifest\.txt' has 6 images/,
    );
    expect(result.stderr).toMatch(
      /write a space whose batch sizes are at most 6, for example \{"parameters"/,
    );
  });

  it('refuses a bad --precision, and --precision with a space that chooses precision', async () => {
    const file = await spaceFile('tiny.json', tiny);
    expectRefusal(
      await optimize(file, '--precision', 'fp32,int4'),
      /--precision: unknown precision 'int4'; expected fp32 or int8, comma-separated; did you mean 'int8'\?/,
    );
    const chooses = await spaceFile('prec.json', {
      parameters: { precision: { type: 'categorical', values: ['fp32', 'int8'] }, ...tiny.parameters },
    });
    expectRefusal(
      await optimize(chooses, '--precision', 'int8'),
      /--precision: the space already chooses 'precision'; give one or the other/,
    );
    const bad = await spaceFile('prec-bad.json', {
      parameters: { precision: { type: 'categorical', values: ['fp16'] } },
    });
    expectRefusal(
      await optimize(bad),
      /parameters\.precision\.values\[0\]: expected one of fp32, int8, got "fp16"/,
    );
  });

  it('refuses a folder started with another space', async () => {
    const small = { parameters: { batchSize: { type: 'categorical', values: [2, 4] } } };
    const out = path.join(world.dir, 'opt-other');
    await fs.mkdir(out);
    await fs.writeFile(
      path.join(out, 'optimize.json'),
      JSON.stringify({ version: 1, space: { parameters: {} }, seed: 1, objective: 'throughput-per-dollar' }),
    );
    const file = await spaceFile('small.json', small);
    expectRefusal(
      await run('optimize', '--space', file, '--input', world.manifest, '--model', 'tiny', '--out', out),
      /holds an optimization started with another space, startupTrials, backend, model, inputs/,
    );
  });
});

describe('run --worker-config: bad files', () => {
  const runWith = (file: string): Promise<Run> =>
    run(
      'run',
      '--input',
      world.manifest,
      '--model',
      'tiny',
      '--worker-config',
      file,
      '--out',
      path.join(world.dir, 'job'),
    );

  it('names bad values and unknown keys', async () => {
    const file = await spaceFile('w1.json', { memory: 99, batchsize: 8, replicas: 'two' });
    const result = await runWith(file);
    expectRefusal(
      result,
      /invalid worker config .*w1\.json: memory: expected an integer from 128 to 10240, got 99/,
    );
    expect(result.stderr).toMatch(/batchsize: unknown key; did you mean 'batchSize'\?/);
    expect(result.stderr).toMatch(/replicas: expected an integer from 1 to 64, got 'two'/);
  });

  it('names a missing file, a file that is not JSON, and one that is not an object', async () => {
    expectRefusal(
      await runWith(path.join(world.dir, 'none.json')),
      /--worker-config: cannot read '.*none\.json': no such file/,
    );
    expectRefusal(
      await runWith(await spaceFile('w2.json', '{memory: 1}')),
      /w2\.json: not valid JSON at line 1, column 2/,
    );
    expectRefusal(
      await runWith(await spaceFile('w3.json', '[1, 2]')),
      /w3\.json: \(top level\): expected an object, got a list/,
    );
  });
});
