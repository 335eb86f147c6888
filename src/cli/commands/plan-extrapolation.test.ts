/**
 * `obifaas plan` with a CPR model sampled on few workers and images: a plan beyond them says so,
 * and by how much, in its table, on stderr and in `--json`'s `extrapolation`; one within them
 * says it lies within; the reference model, which records no sampled ranges, says it is not checked.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureCli as run } from '../../../test/support/capture-cli.js';

let dir: string;
let modelFile: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-plan-extrapolation-'));
  modelFile = path.join(dir, 'cpr-model.json');
  // The reference's coefficients, as fitted on samples of 1 to 2 workers and 32 to 100 images.
  await fs.writeFile(
    modelFile,
    JSON.stringify({
      version: 1,
      form: 'obifaas-cpr-v1',
      memoryMb: 3008,
      pricePerSecondUsd: 4.896e-5,
      init: { a0: 1.61964, a1: 0.99926 },
      compute: { b1: 0.17423, b2: 0.79864, b3: -0.76546 },
      fit: {
        ...{ samples: 8, heldOut: 8, method: '4-fold', mapeCpr: 0.08, mapeLatency: null },
        ...{ rmseLogSeconds: 0.1, images: [32, 100], workers: [1, 2] },
      },
    }),
  );
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const plan = (...args: string[]) =>
  run('plan', '--deadline', '60s', '--batch-size', '32', '--model-file', modelFile, ...args);

describe('plan beyond what the CPR model was sampled on', () => {
  it('says by how much the images and the chosen workers lie outside, in --json', async () => {
    const result = await plan('--images', '10000', '--json');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as {
      workers: number;
      extrapolation: unknown;
      warnings: string[];
    };
    expect(report.workers).toBe(23);
    expect(report.extrapolation).toEqual({
      sampled: { images: [32, 100], workers: [1, 2] },
      images: { value: 10000, sampled: [32, 100], factor: 100, direction: 'above' },
      workers: { value: 23, sampled: [1, 2], factor: 11.5, direction: 'above' },
    });
    expect(report.warnings).toEqual([
      '10000 images is 100× the most the model was sampled on (32..100 images): the prediction extrapolates',
      '23 workers is 12× the most the model was sampled on (1..2 workers): the prediction extrapolates',
    ]);
  });

  it('says so in the table and on stderr, also for images below the fewest sampled', async () => {
    const above = await plan('--images', '10000');
    expect(above.stdout).toMatch(
      /^sampled on +images 32\.\.100, workers 1\.\.2; EXTRAPOLATED: 10000 images 100× the most sampled, 23 workers 12× the most sampled$/m,
    );
    expect(above.stderr).toContain('obifaas: warning: 23 workers is 12× the most the model was sampled on');
    const below = await plan('--images', '10', '--json');
    expect(JSON.parse(below.stdout)).toMatchObject({
      workers: 1,
      extrapolation: { images: { value: 10, factor: 3.2, direction: 'below' }, workers: null },
      warnings: [
        '10 images is 3.2× below the fewest the model was sampled on (32..100 images): the prediction extrapolates',
      ],
    });
  });

  it('says a plan within the samples lies within, and that the reference model records no ranges', async () => {
    const within = await plan('--images', '64');
    expect(within.stdout).toMatch(/^sampled on +images 32\.\.100, workers 1\.\.2 \(the plan lies within\)$/m);
    expect(within.stderr).not.toContain('extrapolates');
    const reference = await run('plan', '--images', '1000', '--deadline', '60s');
    expect(reference.stdout).toMatch(
      /^sampled on +not recorded in the model file: extrapolation not checked$/m,
    );
  });
});
