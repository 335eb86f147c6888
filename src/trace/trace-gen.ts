/**
 * Synthetic day traces (pure, deterministic from a seed) in the reference's CSV schema.
 * Arrivals follow a non-homogeneous Poisson process over one UTC day with a diurnal intensity
 * (quiet at night, a peak mid-morning and a smaller one mid-afternoon): conditioned on the
 * number of jobs, the arrival times are independent draws from the normalised intensity, which
 * we take by rejection sampling. Job sizes are log-normal (median about 200 images, a tail past
 * 10,000), capped.
 */
import { Random } from '../core/random.js';
import { UserError } from '../errors.js';
import { formatTimestamp } from './timestamp.js';
import type { TraceRow } from './trace-csv.js';

export interface TraceGenOptions {
  jobs: number;
  /** Default 1. */
  seed?: number;
  /** The day, `YYYY-MM-DD` (UTC); default 2024-01-15. */
  date?: string;
  /** Median job size in images (default 200). */
  medianImages?: number;
  /** Standard deviation of ln(size) (default 1.5: about 0.5 % of jobs above 10,000 images). */
  sizeSigma?: number;
  /** Largest job (default 100,000 images). */
  maxImages?: number;
}

export const TRACE_GEN_DEFAULTS = Object.freeze({
  seed: 1,
  date: '2024-01-15',
  medianImages: 200,
  sizeSigma: 1.5,
  maxImages: 100_000,
});

const DAY_MS = 86_400_000;
const bump = (hour: number, centre: number, width: number): number =>
  Math.exp(-0.5 * ((hour - centre) / width) ** 2);

/** Relative arrival intensity at `hour` (0..24, UTC): 0.08 at night, about 1 at 10:30, 0.8 at 15:00. */
export function diurnalIntensity(hour: number): number {
  return 0.08 + bump(hour, 10.5, 1.75) + 0.8 * bump(hour, 15, 2);
}
const INTENSITY_BOUND = 1.9; // > max of diurnalIntensity over the day

function dayStartMs(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const t = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== date)
    throw new UserError(`--date: expected YYYY-MM-DD, got '${date}'`);
  return t;
}

/** The jobs of one synthetic day, sorted by start; `line` is the line each will have in the CSV. */
export function generateTrace(options: TraceGenOptions): TraceRow[] {
  const o = { ...TRACE_GEN_DEFAULTS, ...options };
  if (!Number.isInteger(o.jobs) || o.jobs < 1)
    throw new UserError(`--jobs: expected an integer >= 1, got ${o.jobs}`);
  if (!Number.isInteger(o.seed)) throw new UserError(`--seed: expected an integer, got ${o.seed}`);
  if (!(o.medianImages >= 1) || !(o.sizeSigma >= 0) || !(o.maxImages >= 1))
    throw new UserError('trace sizes: median >= 1, sigma >= 0 and max >= 1 expected');
  const start = dayStartMs(o.date);
  const rng = new Random(o.seed);
  const arrivals = rng.fork();
  const sizes = rng.fork();
  const times: number[] = [];
  while (times.length < o.jobs) {
    const t = arrivals.next() * DAY_MS;
    if (arrivals.next() * INTENSITY_BOUND < diurnalIntensity(t / 3_600_000)) times.push(Math.floor(t));
  }
  times.sort((a, b) => a - b);
  const width = Math.max(6, String(o.jobs).length);
  const mu = Math.log(o.medianImages);
  return times.map((t, i) => ({
    line: i + 2,
    startedAtMs: start + t,
    datasetId: `ds-${String(i + 1).padStart(width, '0')}`,
    images: Math.min(o.maxImages, Math.max(1, Math.round(Math.exp(sizes.normal(mu, o.sizeSigma))))),
  }));
}

/** Trace rows as CSV (header `STARTED,ds_id,n_images_ds`, ISO-8601 UTC times, LF line ends). */
export function formatTraceCsv(rows: readonly TraceRow[]): string {
  const lines = ['STARTED,ds_id,n_images_ds'];
  for (const r of rows) lines.push(`${formatTimestamp(r.startedAtMs)},${r.datasetId},${r.images}`);
  return `${lines.join('\n')}\n`;
}
