/**
 * Mistakes around the CPR workflow, through the CLI's `main()`: each is refused before any job
 * runs, with one line naming the file, line or flag, and exit code 2 (1 for a target no worker
 * count meets).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliWorld } from '../../../test/support/cli-world.js';
import { captureCli as run, type CapturedCliRun as Run } from '../../../test/support/capture-cli.js';
import { expectRefusal } from '../../../test/support/cli-refusal.js';

const world = useCliWorld('obifaas-cpr-cli-');

const sample = (...extra: string[]): Promise<Run> =>
  run('cpr', 'sample', '--input', world.manifest, '--model', 'tiny', '--batch-size', '2', ...extra);

describe('cpr fit: bad samples', () => {
  it('refuses an empty samples file and a single sample', async () => {
    const empty = path.join(world.dir, 'empty');
    await fs.mkdir(empty);
    await fs.writeFile(path.join(empty, 'samples.jsonl'), '\n');
    expectRefusal(await run('cpr', 'fit', empty), /samples\.jsonl has no samples: cannot fit a CPR model/);
    const one = path.join(world.dir, 'one.jsonl');
    await fs.writeFile(
      one,
      '{"images": 64, "workers": 2, "computeSeconds": 3, "initSeconds": 4, "latencySeconds": 5, "memoryMb": 3008}\n',
    );
    expectRefusal(await run('cpr', 'fit', one), /cannot fit a CPR model from 1 sample\(s\): need at least 3/);
  });

  it('names the line and field of NaN, negative and missing durations', async () => {
    const bad = path.join(world.dir, 'bad.jsonl');
    await fs.writeFile(
      bad,
      [
        '{"images": 64, "workers": 2, "computeSeconds": -3, "initSeconds": 4, "latencySeconds": 5, "memoryMb": 3008}',
        '{"images": 64, "workers": 2, "computeSeconds": NaN, "initSeconds": 4, "latencySeconds": 5, "memoryMb": 3008}',
        '{"images": 64, "workers": 2, "computeSeconds": 3, "initSeconds": null, "memoryMb": 3008}',
      ].join('\n'),
    );
    const result = await run('cpr', 'fit', bad);
    expectRefusal(result, /bad\.jsonl:1: computeSeconds: expected a number > 0, got -3/);
    expect(result.stderr).toMatch(/bad\.jsonl:2: not valid JSON/);
    expect(result.stderr).toMatch(/bad\.jsonl:3: initSeconds: expected a number > 0, got null/);
    expect(result.stderr).toMatch(/bad\.jsonl:3: latencySeconds: missing: expected a number > 0/);
  });
});

describe('plan: a target no worker count meets', () => {
  it('prints the closest option and exits 1 with the reason', async () => {
    const result = await run('plan', '--images', '1000', '--cpr-per-million', '0.001');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/target .*NOT met/);
    expect(result.stderr).toMatch(/^obifaas: /);
  });
});

describe('cpr sample: mistakes', () => {
  it('refuses a plan larger than the inputs, naming the count', async () => {
    expectRefusal(
      await sample('--max-images', '50', '--out', path.join(world.dir, 's1')),
      /a plan up to --max-images 50 needs 50 images but --input '.*manifest\.txt' has 6; give more/,
    );
  });

  it('refuses an empty plan and bad numbers', async () => {
    expectRefusal(
      await sample('--max-images', '4', '--linear', '0', '--log', '0', '--out', path.join(world.dir, 's2')),
      /the plan is empty/,
    );
    expectRefusal(
      await sample('--max-images', '0', '--out', path.join(world.dir, 's3')),
      /--max-images: expected an integer >= 1, got '0'/,
    );
    const missingOut = await sample('--max-images', '4');
    expect(missingOut.code).toBe(2);
    expect(missingOut.stderr).toMatch(/required option '--out <dir>'/);
  });

  it('refuses a samples file with a bad line, naming it, before running any job', async () => {
    const out = path.join(world.dir, 's4');
    await fs.mkdir(out);
    await fs.writeFile(
      path.join(out, 'samples.jsonl'),
      '{"index": 0, "images": 4, "workers": 1, "computeSeconds": 0, "initSeconds": 1, "latencySeconds": 1, "memoryMb": 3008}\n',
    );
    expectRefusal(
      await sample('--max-images', '4', '--linear', '1', '--log', '0', '--out', out),
      /s4\/samples\.jsonl:1: computeSeconds: expected a number > 0, got 0/,
    );
    await expect(fs.readdir(out)).resolves.not.toContain('jobs');
  });
});
