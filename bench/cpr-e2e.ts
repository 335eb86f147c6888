/**
 * CPR end to end on the local backend: `cpr sample` on a plan (in float32 and int8 with
 * `--precision fp32,int8`), `cpr fit` (one model per precision), `plan` for a CPR target, then
 * the planned job of each precision run for real several times, the precisions interleaved;
 * each run's CPR (from its job.json) is compared with the prediction. Writes
 * bench/results/cpr-e2e.json with the CPU's model and flags and, per precision, the median
 * |error|, the median signed error (a bias shows as a sign), and the measured dollars per
 * million images at the backend's memory (3008 MB) on the local backend's price model.
 *
 * The machine is shared, and the other processes' load drifts: a model fitted while they kept
 * the cores busy predicts dearer jobs than a quieter machine then runs. Every sample and run
 * records the machine's load around it; `drift` compares the cores the others kept busy
 * during the samples with those during the runs, and when they differ by more than a quarter
 * of the machine's cores, `result.claimed` is false and `result.warning` says why: the errors
 * then measure the machine, not the model. `errorSources` measures what else could bias the
 * comparison (see docs/optimize.md). Run it under the heavy lock, and read the median over
 * the runs. It runs the built CLI (`bin/obifaas.js`, as installed): `npm run build` first.
 *
 *   flock /tmp/obifaas-heavy.lock npx tsx bench/cpr-e2e.ts [-- --model resnet50 --precision fp32,int8
 *     --max-images 96 --batch-size 8 --concurrency 2 --linear 8 --log 6 --seed 4 --repeats 5]
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LAMBDA_PRICES } from '../src/core/pricing.js';
import { parsePrecisionList, type Precision } from '../src/planning/precision.js';
import {
  median,
  repoRoot,
  runCprEndToEnd,
  type CprEndToEndOptions,
  type CprEndToEndResult,
  type PrecisionResult,
} from '../test/support/cpr-e2e.js';
import { machineReport } from './machine.js';

/** The bar: the median |error| of the planned runs against the prediction. */
const TARGET_MEDIAN_ABSOLUTE_ERROR = 0.15;

type Options = Omit<CprEndToEndOptions, 'dir'> & { model: string };

function parseArgs(argv: string[]): Options {
  const o = { maxImages: 96, batchSize: 8, concurrency: 2, linear: 8, log: 6, seed: 4, repeats: 5 };
  let model = 'resnet50';
  let precisions: Precision[] | undefined = ['fp32', 'int8'];
  const flags: Record<string, keyof typeof o> = {
    '--max-images': 'maxImages',
    '--batch-size': 'batchSize',
    '--concurrency': 'concurrency',
    '--linear': 'linear',
    '--log': 'log',
    '--seed': 'seed',
    '--repeats': 'repeats',
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, text] = [argv[i] ?? '', argv[i + 1] ?? ''];
    if (flag === '--model') model = text;
    else if (flag === '--precision') precisions = text === 'none' ? undefined : parsePrecisionList(text);
    else {
      const key = flags[flag];
      const value = Number(text);
      if (!key || !Number.isInteger(value) || value < 0)
        throw new Error(
          `bad argument ${flag} ${text} (flags: --model, --precision, ${Object.keys(flags).join(', ')})`,
        );
      o[key] = value;
    }
  }
  return { ...o, model, ...(precisions ? { precisions } : {}) };
}

const round = (v: number, digits = 4): number => Number(v.toFixed(digits));

/**
 * What else could bias the comparison, measured: which part of the billed time the error sits
 * in, whether samples and runs start as many workers cold, what the samples of the planned job
 * itself cost, and the request fee (in the measured cost, not in the model, which prices
 * seconds).
 */
function errorSources(s: PrecisionResult, samples: CprEndToEndResult['sampleRecords']) {
  const workers = s.plan.workers;
  const images = options.maxImages;
  const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
  const atPoint = samples.filter((r) => r.images === images && r.workers === workers);
  const sampled = atPoint.length ? median(atPoint.map((r) => ((r.costUsd ?? 0) / r.images) * 1e6)) : null;
  const fee = ((LAMBDA_PRICES.x86_64.usdPerRequest * workers) / images) * 1e6;
  return {
    /** Median of measured / predicted - 1 over the runs, for each part of the billed time. */
    computeSecondsError: round(median(s.runs.map((r) => r.computeSeconds / r.predictedComputeSeconds - 1))),
    initSecondsError: round(median(s.runs.map((r) => r.initSeconds / r.predictedInitSeconds - 1))),
    coldStartsPerWorker: {
      samples: round(sum(samples.map((r) => r.coldStarts)) / sum(samples.map((r) => r.workers))),
      runs: round(sum(s.runs.map((r) => r.coldStarts)) / (workers * s.runs.length)),
    },
    /** The samples of the planned job itself (same images and workers), measured in the sampling phase. */
    samePoint: {
      samples: atPoint.length,
      sampledCprPerMillion: sampled === null ? null : round(sampled),
      predictionOverSampled: sampled === null ? null : round(s.plan.predictedCprPerMillion / sampled - 1),
      runsOverSampled: sampled === null ? null : round(s.medianMeasuredCprPerMillion / sampled - 1),
    },
    requestFeePerMillion: round(fee, 6),
    requestFeeShareOfMeasured: round(fee / s.medianMeasuredCprPerMillion),
  };
}

const options = parseArgs(process.argv.slice(2).filter((a) => a !== '--'));
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-bench-cpr-'));
const started = Date.now();
const loadBefore = os.loadavg();
try {
  const result = await runCprEndToEnd({ ...options, dir });
  const report = {
    date: new Date().toISOString(),
    machine: await machineReport(loadBefore),
    options,
    seconds: (Date.now() - started) / 1000,
    samples: result.samples,
    samplingSeconds: result.samplingSeconds,
    samplingLoadAverage: result.samplingLoadAverage,
    memoryMb: result.sides[0]?.fit.model.memoryMb ?? null,
    priceModel: 'local backend: AWS Lambda x86_64 prices, init billed',
    /** Measured dollars per million images (median of the planned runs), by precision. */
    usdPerMillionImages: Object.fromEntries(
      result.sides.map((s) => [s.precision ?? 'model', round(s.medianMeasuredCprPerMillion)]),
    ),
    /**
     * Whether the machine was as busy during the runs as during the samples; when it was not,
     * the errors measure the machine rather than the model and no result is claimed.
     */
    drift: result.drift,
    result: {
      claimed: result.drift.drifted === false,
      warning: result.drift.warning,
      targetMedianAbsoluteError: TARGET_MEDIAN_ABSOLUTE_ERROR,
      withinTarget: Object.fromEntries(
        result.sides.map((s) => [
          s.precision ?? 'model',
          result.drift.drifted === false ? s.medianAbsoluteError <= TARGET_MEDIAN_ABSOLUTE_ERROR : null,
        ]),
      ),
    },
    precisions: result.sides.map((s) => {
      const samples = result.sampleRecords.filter((r) => (r.precision ?? null) === s.precision);
      return {
        precision: s.precision,
        model: path.basename(s.model),
        medianAbsoluteError: round(s.medianAbsoluteError),
        medianSignedError: round(s.medianSignedError),
        runsBelowPrediction: s.runs.filter((r) => r.relativeError < 0).length,
        runsAbovePrediction: s.runs.filter((r) => r.relativeError > 0).length,
        medianMeasuredCprPerMillion: round(s.medianMeasuredCprPerMillion),
        targetCprPerMillion: round(s.targetCprPerMillion),
        plan: s.plan,
        errorSources: errorSources(s, samples),
        fit: { samples: s.fit.samples, heldOut: s.fit.heldOut, mapeCpr: s.fit.mapeCpr, model: s.fit.model },
        runs: s.runs,
        samples: samples.map((r) => ({
          startedAt: r.startedAt,
          images: r.images,
          workers: r.workers,
          computeSeconds: r.computeSeconds,
          initSeconds: r.initSeconds,
          latencySeconds: r.latencySeconds,
          costUsd: r.costUsd,
          coldStarts: r.coldStarts,
          invocations: r.invocations,
          machine: r.machine,
        })),
      };
    }),
  };
  const out = path.join(repoRoot, 'bench', 'results', 'cpr-e2e.json');
  await fs.mkdir(path.dirname(out), { recursive: true });
  await fs.writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
  const pct = (v: number | null): string => (v === null ? 'n/a' : `${(v * 100).toFixed(1)} %`);
  console.log(
    `${report.machine.cpuModel}; ${result.samples} samples in ${result.samplingSeconds.toFixed(0)} s (load ${result.samplingLoadAverage.toFixed(1)})`,
  );
  for (const s of result.sides) {
    console.log(
      `${s.precision ?? options.model}: fit held-out CPR MAPE ${pct(s.fit.mapeCpr)}; plan ${s.plan.workers} worker(s) for ` +
        `${options.maxImages} images, predicted $${s.plan.predictedCprPerMillion.toFixed(3)} per million`,
    );
    for (const r of s.runs)
      console.log(
        `  run: $${r.measuredCprPerMillion.toFixed(3)} per million, error ${pct(r.relativeError)} ` +
          `(load ${r.machine.loadAverage.toFixed(1)}, others ${r.machine.otherBusyCores?.toFixed(2) ?? '?'} cores)`,
      );
    console.log(
      `  median |error| ${pct(s.medianAbsoluteError)}, median error ${pct(s.medianSignedError)}; measured $${s.medianMeasuredCprPerMillion.toFixed(3)} per million`,
    );
  }
  const d = result.drift;
  const phase = (p: typeof d.sampling): string =>
    `${p.medianOtherBusyCores?.toFixed(2) ?? '?'} (${p.otherBusyCoresRange?.map((v) => v.toFixed(2)).join(' to ') ?? '?'})`;
  console.log(
    `others' busy cores, median (range): samples ${phase(d.sampling)}, runs ${phase(d.runs)}; ` +
      `allowed change ${d.thresholdCores.toFixed(2)}`,
  );
  if (d.warning) console.warn(`WARNING: no result claimed: ${d.warning}`);
  console.log(`wrote ${out}`);
} finally {
  await fs.rm(dir, { recursive: true, force: true });
}
