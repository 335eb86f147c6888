/**
 * The sample records a CPR model is fitted from (pure). `obifaas cpr sample` appends one JSON
 * object per finished job to `samples.jsonl`:
 *
 * ```json
 * {"images": 640, "workers": 8, "computeSeconds": 101.3, "initSeconds": 42.0,
 *  "latencySeconds": 19.7, "costUsd": 0.00703, "memoryMb": 3008, "job": "cpr-17"}
 * ```
 *
 * Durations are seconds summed over the job's workers (compute: billed time without init;
 * init: cold starts); latency is the job's wall time, first submit to last result.
 */
import * as z from 'zod';
import { SpecError, type Issue } from '../errors.js';
import { parseJsonLines } from '../util/json-lines.js';
import { intRange, numberRange, checkSchema } from '../util/schema.js';
import { PRECISIONS, type Precision } from './precision.js';

/**
 * The machine a job ran on, measured around it: a CPR fitted on a busy machine predicts
 * slower, dearer jobs than a quiet one runs (see `load-drift.ts`).
 */
export interface MachineLoad {
  /** The 1-minute load average when the job started (our own processes included). */
  loadAverage: number;
  /** CPU seconds our processes used during the job (the caller and its functions). */
  cpuSeconds: number;
  /** Cores other processes kept busy on average during the job; null where not measurable. */
  otherBusyCores: number | null;
}

/** One sampled job: what the CPR model is fitted on. */
export interface CprSample {
  images: number;
  workers: number;
  /** Billed seconds without init, summed over workers. */
  computeSeconds: number;
  /** Init (cold start) seconds summed over workers. */
  initSeconds: number;
  /** Wall time of the job, first submit to last result. */
  latencySeconds: number;
  /** What the job cost, when known. */
  costUsd?: number;
  memoryMb: number;
  /** The model's precision, when the sampler recorded it (a CPR model is fitted per precision). */
  precision?: Precision;
  /** The job's id, for finding its record. */
  job?: string;
  /** The machine's load around the job, when the sampler measured it. */
  machine?: MachineLoad;
}

/** The file name `cpr sample` writes and `cpr fit` reads in its folder. */
export const SAMPLES_FILE = 'samples.jsonl';

/** The model takes logarithms of these: each must be a number > 0. */
const positive = numberRange({ min: 0, exclusive: true });

/**
 * A line of `samples.jsonl`: a sample, and (when `cpr sample` wrote it) where it came from.
 * Unknown keys are errors: `cpr sample` writes these lines and reads them back to resume, so a
 * key it does not know means the line came from elsewhere, and it is refused rather than
 * half-read.
 */
export const cprSampleSchema = z.strictObject({
  images: intRange(1),
  workers: intRange(1),
  computeSeconds: positive,
  initSeconds: positive,
  latencySeconds: positive,
  costUsd: numberRange({ min: 0 }).optional(),
  memoryMb: positive,
  precision: z.enum(PRECISIONS).optional(),
  job: z.string().optional(),
  index: intRange(0).optional(),
  spacing: z.enum(['linear', 'log']).optional(),
  mode: z.string().optional(),
  invocations: intRange(0).optional(),
  coldStarts: intRange(0).optional(),
  machine: z
    .strictObject({
      loadAverage: numberRange({ min: 0 }),
      cpuSeconds: numberRange({ min: 0 }),
      otherBusyCores: numberRange({ min: 0 }).nullable(),
    })
    .optional(),
});

/** Checks one record; returns every problem, each with `where` (a line or index) and the field. */
export function checkCprSample(value: unknown, where: string): Issue[] {
  const checked = checkSchema(cprSampleSchema, value);
  if (checked.ok) return [];
  return checked.issues.map((i) => ({
    path: i.path === '(top level)' ? where : `${where}: ${i.path}`,
    message: i.message,
  }));
}

/** Checks samples given in memory; throws a {@link SpecError} naming each bad index and field. */
export function assertCprSamples(samples: readonly unknown[]): asserts samples is CprSample[] {
  const issues = samples.flatMap((s, i) => checkCprSample(s, `sample ${i}`));
  if (issues.length > 0) throw new SpecError(issues, 'bad CPR samples');
}

/**
 * Parses `samples.jsonl` text. Blank lines are skipped; every bad line is reported at once as
 * `FILE:LINE: field: problem` in a {@link SpecError}.
 */
export function parseCprSamples(text: string, source = SAMPLES_FILE): CprSample[] {
  return parseJsonLines(text, cprSampleSchema, { source, what: 'bad CPR sample records' }).records;
}

/** One record as a `samples.jsonl` line (with its newline). */
export function formatCprSample(sample: CprSample): string {
  return `${JSON.stringify(sample)}\n`;
}
