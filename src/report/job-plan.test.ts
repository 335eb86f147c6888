/** The dry run's table and JSON come from the same plan object, with the model and labels files. */
import { describe, expect, it } from 'vitest';
import { LAMBDA_PRICES } from '../core/pricing.js';
import { planJob } from '../job-plan/plan-job.js';
import type { DryRun } from '../manager/dry-run.js';
import { dryRunJson, formatPlanTable } from './job-plan.js';

const pipeline = {
  load: { concurrency: 32 },
  preprocess: { concurrency: 4 },
  predict: { batchSize: 32, intraOpThreads: 1, interOpThreads: 1, replicas: 1 },
  topK: 5,
};

function dryRun(finished: string[] = []): DryRun {
  const plan = planJob(
    {
      name: 'photos',
      dispatch: { type: 'static' },
      workers: 4,
      splitSize: 32,
      pipeline,
      autoThreads: true,
      prices: LAMBDA_PRICES.arm64,
      outDir: '/out/photos',
    },
    100,
    {
      name: 'http',
      memoryMb: 2048,
      maxConcurrency: 2,
      functionCpus: { kind: 'fixed', vcpus: 4, from: 'backend.vcpus' },
    },
    { finished },
  );
  return {
    plan,
    inputs: { kind: 'manifest', location: '/data/manifest.txt' },
    model: { uri: '/models/m.onnx', sha256: 'a'.repeat(64), bytes: 1234 },
    labels: { uri: 's3://b/labels.txt', notRead: 'in S3, fetched and hashed by the run' },
  };
}

describe('the dry run', () => {
  it('a table row per part of the plan', () => {
    const table = formatPlanTable(dryRun(['0']), ' (give a profile)');
    expect(table.split('\n')).toEqual([
      'Job          photos: dry run, nothing invoked',
      'Inputs       100 from manifest /data/manifest.txt',
      `Model        /models/m.onnx, 1234 bytes, sha256 ${'a'.repeat(64)}`,
      'Labels       s3://b/labels.txt (not read: in S3, fetched and hashed by the run)',
      'Splits       4 splits of 25 inputs, static mode (one per invocation); 1 finished earlier',
      'Invocations  3 planned, 2 at once (retries, replacements and copies come on top)',
      'Functions    http backend, 2048 MB, up to 2 at once; 4 vCPUs (backend.vcpus)',
      'Threads      4 ONNX Runtime threads per function (from its vCPUs)',
      expect.stringMatching(
        /^Cost {9}unknown: no time estimate was given \(give a profile\); \$0\.0000267 per function-second \(aws-lambda-arm64 prices\)$/,
      ),
      'Output       /out/photos (not created)',
    ]);
  });

  it('the JSON is the plan object, as JSON', () => {
    const dry = dryRun();
    const json = JSON.parse(JSON.stringify(dryRunJson(dry))) as Record<string, unknown>;
    expect(json).toEqual({
      dryRun: true,
      inputsFrom: dry.inputs,
      ...JSON.parse(JSON.stringify(dry.plan)),
      model: dry.model,
      labels: dry.labels,
    });
  });
});
