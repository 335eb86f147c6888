/**
 * Writes test/data/reference-summary.json: a realistic stand-in for the reference's sampling
 * output (its `summary.json`), in its layout: a JSON array of the jobs its sampler ran, 30
 * linearly and 30 log-spaced image counts up to 1000 with random worker counts (one job lost,
 * so 59 remain), printed as Python's `json.dump(..., indent=4)` prints it.
 *
 * The numbers are drawn around the reference's published fit (ResNet50 on Lambda x86_64 at
 * 3008 MB: init = exp(0.99926 ln w + 1.61964) s, compute = exp(0.79864 ln n + 0.17423 ln w -
 * 0.76546) s) with 12 % log-normal noise, priced at 3008 MB:
 *
 * - `duration_function`: function seconds summed over the job's workers, init excluded;
 * - `duration_init`: init seconds summed over the workers;
 * - `duration_billed`: their sum, each worker's rounded up to the millisecond;
 * - `latency`: seconds from the first invocation to the last result;
 * - `cost`: dollars, billed seconds x the price per second plus $0.20 per million requests.
 *
 *   npx tsx test/data/make-reference-summary.ts
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Random } from '../../src/core/random.js';

const PRICE_PER_SECOND = (3008 / 1024) * 1.6667e-5;
const BATCH = 32;
const random = new Random(2023);
const noise = (): number => Math.exp(random.normal(0, 0.12));

function job(index: number, images: number, workers: number): Record<string, unknown> {
  const init = Math.exp(0.99926 * Math.log(workers) + 1.61964) * noise();
  const compute = Math.exp(0.79864 * Math.log(images) + 0.17423 * Math.log(workers) - 0.76546) * noise();
  const billed = Math.ceil((init + compute) * 1000) / 1000 + workers * 0.0005;
  const latency = (init + compute) / workers + 1.5 + 0.02 * workers * noise();
  const cost = billed * PRICE_PER_SECOND + workers * 0.2e-6;
  const round = (v: number, digits: number): number => Number(v.toFixed(digits));
  return {
    job_id: `M${String(index).padStart(3, '0')}`,
    num_images: images,
    num_task_managers: workers,
    split_size: BATCH,
    dynamic_batch: true,
    speculation: true,
    latency: round(latency, 3),
    duration_function: round(compute, 3),
    duration_init: round(init, 3),
    duration_billed: round(billed, 3),
    cost: round(cost, 8),
    throughput: round(images / latency, 3),
    throughput_per_dollar: round(images / latency / cost, 1),
    memory_used: Math.round(1400 + 400 * random.next()),
  };
}

const jobs: Record<string, unknown>[] = [];
const workerLimit = (images: number): number => Math.max(1, Math.floor(images / BATCH));
for (let i = 0; i < 30; i++) {
  const images = Math.round(BATCH + ((1000 - BATCH) * i) / 29);
  jobs.push(job(jobs.length, images, random.int(1, workerLimit(images))));
}
for (let i = 0; i < 30; i++) {
  const images = Math.round(Math.exp(Math.log(BATCH) + ((Math.log(1000) - Math.log(BATCH)) * i) / 29));
  const limit = workerLimit(images);
  const workers = Math.min(limit, Math.max(1, Math.round(Math.exp(random.uniform(0, Math.log(limit))))));
  jobs.push(job(jobs.length, images, workers));
}
jobs.splice(41, 1); // one job of the run was lost, as in the reference's 59

const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'reference-summary.json');
await writeFile(out, `${JSON.stringify(jobs, null, 4)}\n`);
console.log(`wrote ${jobs.length} jobs to ${out}`);
