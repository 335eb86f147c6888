/**
 * Simulator benchmark: a synthetic 24 h trace of 10,000 jobs (heavy-tailed sizes, diurnal
 * arrivals) simulated with the shipped ResNet50 Lambda profile at 1,000 concurrent workers.
 * Times the whole `obifaas simulate` path (read the CSV, schedule, simulate, build and write
 * day.json) for a few configurations. `seconds` (top level) is the headline run: dynamic jobs
 * asking 50 workers, default policy, --max-workers 1000 --max-jobs 100, no gap cap (the full day).
 *
 *   npm run bench:simulate [-- --jobs 10000 --seed 42]
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTraceCsv, generateTrace } from '../src/trace/trace-gen.js';
import { simulateTrace, type SimulateFlags } from '../src/simulate/run.js';
import { intArg } from './args.js';

const here = path.dirname(fileURLToPath(import.meta.url));

const jobs = intArg('--jobs', 10_000);
const seed = intArg('--seed', 42);

const base: SimulateFlags = {
  profile: 'lambda-resnet50-3008',
  maxWorkers: 1000,
  maxJobs: 100,
  policy: 'default',
  mode: 'dynamic',
  workers: 50,
  speed: 1,
  maxWait: Infinity,
  minGrantFraction: 0,
  maxHeadWait: 60_000,
  seed: 1,
};

const configs: Array<{ name: string; flags: Partial<SimulateFlags> }> = [
  { name: 'dynamic-50-default', flags: {} },
  { name: 'static-default', flags: { mode: 'static' } },
  { name: 'dynamic-50-one-job-at-a-time', flags: { maxJobs: 1 } },
  { name: 'dynamic-200-whole-grants', flags: { workers: 200, minGrantFraction: 1 } },
  { name: 'cpr-8-per-million', flags: { policy: 'cpr', cprPerMillion: 8 } },
  // What speculation costs or saves when 10 % of the functions are slow (up to 30 s per split).
  { name: 'dynamic-50-10pct-slow', flags: { delayPercent: '10', delayMax: '30s' } },
  {
    name: 'dynamic-50-10pct-slow-speculation',
    flags: { delayPercent: '10', delayMax: '30s', speculation: 'true' },
  },
  // What a throttled bucket costs: 5 % of the reads fail (passing) on each try, and are retried.
  { name: 'dynamic-50-5pct-read-errors', flags: { readErrorPercent: '5' } },
];

const dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-bench-sim-'));
try {
  const rows = generateTrace({ jobs, seed });
  const traceFile = path.join(dir, 'day.csv');
  await writeFile(traceFile, formatTraceCsv(rows));
  const images = rows.reduce((s, r) => s + r.images, 0);
  const runs = [];
  for (const config of configs) {
    const flags = { ...base, ...config.flags, out: path.join(dir, config.name) };
    const started = performance.now();
    const { report, stats } = await simulateTrace(traceFile, flags);
    const seconds = (performance.now() - started) / 1000;
    runs.push({
      name: config.name,
      seconds,
      settings: config.flags,
      events: stats.events,
      invocations: stats.invocations,
      failedInvocations: report.totals.failedInvocations,
      retries: report.totals.retries,
      copies: report.totals.copies,
      inputRetries: report.totals.inputRetries,
      eventsPerSecond: Math.round(stats.events / seconds),
      virtualHours: stats.virtualSeconds / 3600,
      costUsd: report.totals.costUsd,
      costPerMillionImagesUsd: report.totals.costPerMillionImagesUsd,
      peakWorkers: report.totals.peakWorkers,
      peakJobs: report.totals.peakJobs,
      latencyP50Seconds: report.distributions.latencySeconds?.p50 ?? null,
      latencyP99Seconds: report.distributions.latencySeconds?.p99 ?? null,
      queueWaitP99Seconds: report.distributions.queueWaitSeconds?.p99 ?? null,
    });
    console.log(
      `${config.name.padEnd(34)} ${seconds.toFixed(2).padStart(6)} s  ${String(stats.events).padStart(9)} events  ` +
        `$${report.totals.costUsd.toFixed(2)}  peak ${report.totals.peakWorkers} workers  ` +
        `latency p99 ${report.distributions.latencySeconds?.p99.toFixed(1) ?? '-'} s  ${report.totals.copies} copies`,
    );
  }
  const headline = runs[0] as (typeof runs)[number];
  const result = {
    benchmark: 'simulate',
    seconds: headline.seconds,
    description: `${jobs}-job 24 h trace, --max-workers 1000, headline: ${headline.name}`,
    trace: { jobs, seed, images },
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version },
    runs,
  };
  await mkdir(path.join(here, 'results'), { recursive: true });
  await writeFile(path.join(here, 'results', 'simulate.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`headline: ${headline.seconds.toFixed(2)} s (limit 10 s); wrote bench/results/simulate.json`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
