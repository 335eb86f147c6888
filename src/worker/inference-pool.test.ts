import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saturatingInt8Model, writeModel } from '../../test/support/worker-models.js';
import { buildTiny } from '../models/tiny.js';
import { int8ProbeRuns, sliceCounts } from './inference-pool.js';
import { acquireInferencePool, closeInferencePools } from './inference-pools.js';

describe('sliceCounts', () => {
  it('cuts a batch into near-equal contiguous slices, one per replica, none empty', () => {
    expect(sliceCounts(32, 1)).toEqual([32]);
    expect(sliceCounts(32, 4)).toEqual([8, 8, 8, 8]);
    expect(sliceCounts(10, 4)).toEqual([3, 3, 2, 2]);
    expect(sliceCounts(2, 4)).toEqual([1, 1]);
    expect(sliceCounts(1, 3)).toEqual([1]);
  });
});

describe('the int8 saturation probe in a pool', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-pool-probe-'));
  });
  afterAll(async () => {
    await closeInferencePools();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('runs once per process: two replicas of an int8 model share one answer, a later pool reuses it', async () => {
    const int8 = await writeModel(dir, 'q.onnx', saturatingInt8Model());
    expect(int8ProbeRuns()).toBe(0);
    const settings = { intraOpThreads: 1, interOpThreads: 1 };
    const two = await acquireInferencePool(int8, { ...settings, replicas: 2 });
    expect(two.pool.info.int8Probed).toBe(true);
    expect(int8ProbeRuns()).toBe(1);

    const three = await acquireInferencePool(int8, { ...settings, replicas: 3 });
    expect(three.cold).toBe(true);
    expect(three.pool.info.int8Probed).toBe(true);
    const float = await acquireInferencePool(await writeModel(dir, 'tiny.onnx', buildTiny().bytes), {
      ...settings,
      replicas: 2,
    });
    expect(float.pool.info.int8Probed).toBe(false);
    expect(int8ProbeRuns()).toBe(1);
  });
});
