/**
 * The simulator agrees with a real replay of the same small trace when given a profile measured
 * on this machine (calibration jobs before and after the replay). Both run the same jobs on the
 * same dispatch core, so they grant the same workers and invoke the same functions per job,
 * static and dynamic (where a job has fewer splits than workers): that is asserted exactly.
 * Latency is wall-clock time, and a loaded machine's speed can change twofold between the
 * calibration and the replay, so here it is only checked to be of the same order (a wrong unit or
 * a missing term would be off by far more); `npm run bench:sim-vs-replay` measures the agreement
 * on a larger trace and states the figures.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBackend } from '../../src/backends/local/local-backend.js';
import { generateDataset } from '../../src/dataset/generate.js';
import { resolveInputs, type ResolvedInputs } from '../../src/dataset/inputs.js';
import { ensureBuiltinModel } from '../../src/models/cache.js';
import { defaultPolicy } from '../../src/orchestrator/policies.js';
import { fitCalibration, measureCalibration } from '../../src/calibrate/calibrate.js';
import { buildDayReport } from '../../src/trace/day-report.js';
import type { ReplayJobTemplate } from '../../src/replay/replay.js';
import { replayWithJobManagers } from '../../src/replay/run-replay.js';
import { buildSchedule } from '../../src/trace/schedule.js';
import { compareLatencies, simulateSchedule } from '../../src/calibrate/sim-compare.js';
import { generateTrace } from '../../src/trace/trace-gen.js';
import { parseProfile } from '../../src/simulate/profile.js';
import { compileJobSpec } from '../../src/spec/compile.js';
import type { ResolvedJobSpec } from '../../src/spec/types.js';

const silent = { write: () => true };
let dir: string;
let dataset: ResolvedInputs;
let base: ResolvedJobSpec;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-sim-agree-'));
  const model = await ensureBuiltinModel('tiny', { home: dir });
  const data = await generateDataset({ count: 32, outDir: path.join(dir, 'data'), seed: 21 });
  dataset = await resolveInputs(data.manifestPath);
  base = compileJobSpec(
    {
      inputs: data.manifestPath,
      model,
      splitSize: 32,
      backend: { type: 'local', maxConcurrency: 2 },
      pipeline: { predict: { batchSize: 8, intraOpThreads: 1 } },
      topK: 1,
    },
    { cores: 2, now: new Date(), cwd: dir },
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('simulator vs real replay', () => {
  it('invokes the same functions per job, and predicts latencies of the same order, with a profile measured on this machine', async () => {
    const workers = 2;
    const caps = { maxWorkers: workers, maxJobs: 2 };
    const template: ReplayJobTemplate = { mode: 'static', workers, splitSize: 32, batchSize: 8 };
    const calibrationBackend = new LocalBackend({ maxConcurrency: workers, log: silent });
    const calibration = {
      base,
      dataset,
      backend: calibrationBackend,
      outDir: path.join(dir, 'calibration'),
      workers,
      chunkSizes: [16, 64],
      repeats: 1,
      splitSize: 32,
      home: dir,
    };
    try {
      const before = await measureCalibration(calibration);
      const rows = generateTrace({ jobs: 6, seed: 5, medianImages: 96, sizeSigma: 0.4, maxImages: 200 });
      const schedule = buildSchedule(rows, { speed: 300, maxWaitSeconds: 600 });
      const replayBackend = new LocalBackend({ maxConcurrency: workers, log: silent });
      const real = await replayWithJobManagers({
        schedule,
        base,
        dataset,
        outDir: path.join(dir, 'replay'),
        ...caps,
        template,
        backend: replayBackend,
        home: dir,
      }).finally(() => replayBackend.close());
      const after = await measureCalibration(calibration);

      expect(real.report.totals.succeeded).toBe(6);
      const profile = parseProfile(
        { ...fitCalibration(calibration, [before, after]), keepWarmSeconds: 1e9, serviceTimeCv: 0 },
        'measured',
      );
      const simulated = simulateSchedule(schedule, { profile, caps, template, policy: defaultPolicy });
      const simReport = buildDayReport(simulated.jobs, { source: 'simulate', createdAt: 'now' });
      const comparison = compareLatencies(real.report, simReport);
      expect(comparison.jobs.length).toBe(6);
      // Same admission decisions: every job got the same workers in both.
      expect(comparison.jobs.every((j) => j.realWorkers === j.simulatedWorkers)).toBe(true);
      // The same invocations per job: one per chunk (counts first: latency depends on the machine's load).
      const invocations = (report: typeof simReport) => report.jobs.map((j) => [j.id, j.invocations]);
      expect(invocations(simReport)).toEqual(invocations(real.report));
      expect(real.report.jobs.every((j) => j.invocations === j.workers)).toBe(true);
      const { secondsPerImage, perSplitOverheadSeconds, initSeconds } = profile;
      const measured = { secondsPerImage, perSplitOverheadSeconds, initSeconds };
      // Same order: the median job's simulated latency within a factor of 4 of the real one, either way.
      const ratios = comparison.jobs.map((j) => j.simulatedSeconds / j.realSeconds).sort((a, b) => a - b);
      const medianRatio = ratios[ratios.length >> 1] as number;
      const why = `${JSON.stringify(comparison.jobs)}; profile ${JSON.stringify(measured)}`;
      expect(medianRatio, why).toBeGreaterThanOrEqual(1 / 4);
      expect(medianRatio, why).toBeLessThanOrEqual(4);
    } finally {
      await calibrationBackend.close();
    }
  }, 180_000);

  it('invokes the same functions per job in dynamic mode: at most one per split', async () => {
    const workers = 4;
    const caps = { maxWorkers: workers, maxJobs: 1 };
    // Splits of 64: every job has 2 or 3 splits, fewer than the 4 workers it is granted.
    const template: ReplayJobTemplate = { mode: 'dynamic', workers, splitSize: 64, batchSize: 8 };
    const dynamicBase = compileJobSpec(
      {
        inputs: dataset.source.location,
        model: base.model.uri,
        mode: 'dynamic',
        splitSize: 64,
        backend: { type: 'local', maxConcurrency: workers },
        pipeline: { predict: { batchSize: 8, intraOpThreads: 1 } },
        topK: 1,
      },
      { cores: 2, now: new Date(), cwd: dir },
    );
    const rows = generateTrace({ jobs: 6, seed: 5, medianImages: 96, sizeSigma: 0.4, maxImages: 200 });
    const schedule = buildSchedule(rows, { speed: 300, maxWaitSeconds: 600 });
    const backend = new LocalBackend({ maxConcurrency: workers, log: silent });
    const real = await replayWithJobManagers({
      schedule,
      base: dynamicBase,
      dataset,
      outDir: path.join(dir, 'replay-dynamic'),
      ...caps,
      template,
      backend,
      home: dir,
    }).finally(() => backend.close());
    expect(real.report.totals.succeeded).toBe(6);
    const profile = parseProfile(
      { memoryMb: 3008, splitSize: 64, secondsPerSplit: 1, initSeconds: 1, concurrencyLimit: workers },
      'flat',
    );
    const simulated = simulateSchedule(schedule, { profile, caps, template, policy: defaultPolicy });
    const simReport = buildDayReport(simulated.jobs, { source: 'simulate', createdAt: 'now' });
    const perJob = (report: typeof simReport) =>
      report.jobs.map((j) => ({ id: j.id, workers: j.workers, invocations: j.invocations }));
    expect(perJob(simReport)).toEqual(perJob(real.report));
    for (const job of real.report.jobs) {
      expect(job.workers).toBe(workers);
      expect(job.invocations).toBe(Math.ceil(job.images / 64));
    }
  }, 180_000);
});
