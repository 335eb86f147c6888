/**
 * The simulator against a real replay of the same trace. A function profile is measured on this
 * machine (calibration jobs on the local backend with the tiny model, `fitProfile`), a small
 * synthetic trace is replayed for real (job managers on a fresh local backend: the first
 * functions start cold, as in the simulation), and the same schedule is simulated with the
 * measured profile under the same caps and policy. Per-job latency (admission to end) is compared.
 *
 *   npm run bench:sim-vs-replay [-- --jobs 12 --seed 3 --workers 2 --max-jobs 2 --median-images 160]
 *
 * Writes bench/results/sim-vs-replay.json: the profile, per-job latencies, and the max, median
 * and mean relative error. The machine may be shared: the numbers are noisy.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalBackend } from '../src/backends/local/local-backend.js';
import { generateDataset } from '../src/dataset/generate.js';
import { resolveInputs } from '../src/dataset/inputs.js';
import { ensureBuiltinModel } from '../src/models/cache.js';
import { defaultPolicy } from '../src/orchestrator/policies.js';
import { fitCalibration, measureCalibration } from '../src/calibrate/calibrate.js';
import { buildDayReport } from '../src/trace/day-report.js';
import type { ReplayJobTemplate } from '../src/replay/replay.js';
import { replayWithJobManagers } from '../src/replay/run-replay.js';
import { buildSchedule } from '../src/trace/schedule.js';
import { compareLatencies, simulateSchedule } from '../src/calibrate/sim-compare.js';
import { generateTrace } from '../src/trace/trace-gen.js';
import { parseProfile } from '../src/simulate/profile.js';
import { compileJobSpec } from '../src/spec/compile.js';
import { intArg } from './args.js';

const here = path.dirname(fileURLToPath(import.meta.url));

const jobs = intArg('--jobs', 12);
const seed = intArg('--seed', 3);
const workers = intArg('--workers', 2);
const maxJobs = intArg('--max-jobs', 2);
const medianImages = intArg('--median-images', 160);
const splitSize = 32;
const speed = 300;
const silent = { write: () => true };

const dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-bench-sim-replay-'));
try {
  const model = await ensureBuiltinModel('tiny', { home: dir });
  const data = await generateDataset({ count: 64, outDir: path.join(dir, 'data'), seed: 11 });
  const dataset = await resolveInputs(data.manifestPath);
  const base = compileJobSpec(
    {
      inputs: data.manifestPath,
      model,
      splitSize,
      backend: { type: 'local', maxConcurrency: workers },
      pipeline: { predict: { batchSize: 8, intraOpThreads: 1 } },
      topK: 1,
    },
    { cores: os.availableParallelism(), now: new Date(), cwd: dir },
  );

  // Calibration before and after the replay, so that a drift in the machine's load between the
  // two shows up in the profile rather than as a bias.
  const calibrationBackend = new LocalBackend({ maxConcurrency: workers, log: silent });
  const calibrationOptions = {
    base,
    dataset,
    backend: calibrationBackend,
    outDir: path.join(dir, 'calibration'),
    workers,
    chunkSizes: [8, 32, 64, 128],
    repeats: 1,
    name: 'local-tiny-measured',
    splitSize,
    home: dir,
  };
  const calibrationStarted = performance.now();
  const before = await measureCalibration(calibrationOptions);
  let calibrationSeconds = (performance.now() - calibrationStarted) / 1000;
  console.log(`calibration before the replay: ${calibrationSeconds.toFixed(1)} s`);

  const rows = generateTrace({ jobs, seed, medianImages, sizeSigma: 0.5, maxImages: 4 * medianImages });
  const schedule = buildSchedule(rows, { speed, maxWaitSeconds: 600 });
  const template: ReplayJobTemplate = { mode: 'static', workers, splitSize, batchSize: 8 };
  const caps = { maxWorkers: workers, maxJobs };

  const replayStarted = performance.now();
  const replayBackend = new LocalBackend({ maxConcurrency: workers, log: silent });
  const real = await replayWithJobManagers({
    schedule,
    base,
    dataset,
    outDir: path.join(dir, 'replay'),
    ...caps,
    template,
    policy: defaultPolicy,
    backend: replayBackend,
    home: dir,
  }).finally(() => replayBackend.close());
  const replaySeconds = (performance.now() - replayStarted) / 1000;
  console.log(`replay: ${replaySeconds.toFixed(1)} s`);

  const afterStarted = performance.now();
  const after = await measureCalibration(calibrationOptions).finally(() => calibrationBackend.close());
  calibrationSeconds += (performance.now() - afterStarted) / 1000;
  const calibration = { profile: fitCalibration(calibrationOptions, [before, after]), before, after };
  console.log('profile', calibration.profile);
  // The machine's own noise: the same calibration job before and after the replay.
  const spreads = before.samples.map((b, i) => {
    const a = after.samples[i]?.seconds ?? b.seconds;
    return Math.abs(a - b.seconds) / ((a + b.seconds) / 2);
  });
  const noise = {
    description: 'relative difference of the same calibration job timed before and after the replay',
    perChunkSize: before.samples.map((b, i) => ({ images: b.images, spread: spreads[i] })),
    max: Math.max(...spreads),
  };

  // Functions stay warm on the local backend; the expected service time (no per-split noise).
  const profile = parseProfile(
    { ...calibration.profile, keepWarmSeconds: 1e9, serviceTimeCv: 0 },
    'measured profile',
  );
  const simulated = simulateSchedule(schedule, { profile, caps, template, policy: defaultPolicy });
  const simReport = buildDayReport(simulated.jobs, {
    source: 'simulate',
    createdAt: new Date().toISOString(),
  });
  const comparison = compareLatencies(real.report, simReport);

  for (const j of comparison.jobs)
    console.log(
      `${j.id} ${String(j.images).padStart(3)} images  workers ${j.realWorkers}/${j.simulatedWorkers}  ` +
        `real ${j.realSeconds.toFixed(3)} s  sim ${j.simulatedSeconds.toFixed(3)} s  ` +
        `error ${(100 * j.relativeError).toFixed(1)} %`,
    );
  console.log(
    `relative error: max ${(100 * comparison.maxRelativeError).toFixed(1)} %, median ` +
      `${(100 * comparison.medianRelativeError).toFixed(1)} % (target: within 25 %)`,
  );
  const result = {
    benchmark: 'sim-vs-replay',
    description:
      `${jobs}-job synthetic trace (median ${medianImages} images) at speed ${speed}, static jobs, split size ${splitSize}, ` +
      `--max-workers ${workers} --max-jobs ${maxJobs}, tiny model on the local backend; ` +
      'profile measured by calibration jobs on this machine',
    maxRelativeError: comparison.maxRelativeError,
    medianRelativeError: comparison.medianRelativeError,
    meanRelativeError: comparison.meanRelativeError,
    withinTarget: comparison.maxRelativeError <= 0.25,
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model ?? 'unknown',
      node: process.version,
      loadAverage: os.loadavg(),
    },
    calibration: { seconds: calibrationSeconds, before, after },
    machineNoise: noise,
    profile: calibration.profile,
    replay: {
      seconds: replaySeconds,
      makespanSeconds: real.report.totals.makespanSeconds,
      succeeded: real.report.totals.succeeded,
    },
    simulation: { makespanSeconds: simReport.totals.makespanSeconds, stats: simulated.stats },
    jobs: comparison.jobs,
  };
  await mkdir(path.join(here, 'results'), { recursive: true });
  await writeFile(path.join(here, 'results', 'sim-vs-replay.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log('wrote bench/results/sim-vs-replay.json');
} finally {
  await rm(dir, { recursive: true, force: true });
}
