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
import { SpecError, type Issue } from '../errors.js';
import { parseJsonLines } from './json-lines.js';

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
  /** The job's id, for finding its record. */
  job?: string;
}

/** The file name `cpr sample` writes and `cpr fit` reads in its folder. */
export const SAMPLES_FILE = 'samples.jsonl';

const POSITIVE_INTEGERS = ['images', 'workers'] as const;
/** The model takes logarithms of these: each must be a number > 0. */
const POSITIVE_NUMBERS = ['computeSeconds', 'initSeconds', 'latencySeconds', 'memoryMb'] as const;

/**
 * Checks one record; returns every problem, each with `where` (a line or index) and the field.
 */
export function checkCprSample(value: unknown, where: string): Issue[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [{ path: where, message: 'expected a JSON object' }];
  }
  const record = value as Record<string, unknown>;
  const issues: Issue[] = [];
  const show = (v: unknown): string =>
    v === undefined ? 'nothing (missing)' : typeof v === 'number' ? String(v) : JSON.stringify(v);
  for (const field of POSITIVE_INTEGERS) {
    const v = record[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      issues.push({ path: `${where}: ${field}`, message: `expected an integer >= 1, got ${show(v)}` });
    }
  }
  for (const field of POSITIVE_NUMBERS) {
    const v = record[field];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      issues.push({ path: `${where}: ${field}`, message: `expected a number > 0, got ${show(v)}` });
    }
  }
  const cost = record.costUsd;
  if (cost !== undefined && (typeof cost !== 'number' || !Number.isFinite(cost) || cost < 0)) {
    issues.push({ path: `${where}: costUsd`, message: `expected a number >= 0, got ${show(cost)}` });
  }
  if (record.job !== undefined && typeof record.job !== 'string') {
    issues.push({ path: `${where}: job`, message: `expected a string, got ${show(record.job)}` });
  }
  return issues;
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
  return parseJsonLines<CprSample>(text, source, checkCprSample, `bad CPR sample records in ${source}`);
}

/** One record as a `samples.jsonl` line (with its newline). */
export function formatCprSample(sample: CprSample): string {
  return `${JSON.stringify(sample)}\n`;
}
