/**
 * The figures of two jobs side by side, from their `job.json` records (pure): what each cost and
 * took and how it ran, with B / A and B − A.
 */
import type { JobRecord } from '../../manager/types.js';
import type { ComparedFigure, ComparedFigures, ComparedJob } from './job-comparison.js';

/**
 * A's and B's value of a figure, with B / A and B − A; each null where it is not a finite number
 * (a forged record's 1e308 against a real figure, whose ratio or difference overflows).
 */
export function comparedFigure(a: number | null, b: number | null): ComparedFigure {
  const both = a !== null && b !== null && Number.isFinite(a) && Number.isFinite(b);
  return {
    a,
    b,
    ratio: both && a !== 0 ? finiteOrNull(b / a) : null,
    difference: both ? finiteOrNull(b - a) : null,
  };
}

const finiteOrNull = (value: number): number | null => (Number.isFinite(value) ? value : null);

/** The task a record ran: a record written before jobs had tasks ran a classifier. */
export function recordTask(record: JobRecord): 'classify' | 'embed' {
  return record.task?.kind === 'embed' ? 'embed' : 'classify';
}

/** Split attempts of each kind beyond the first: retries of failed ones, copies of slow ones. */
function attemptCounts(record: JobRecord): { retries: number; copies: number } {
  let retries = 0;
  let copies = 0;
  for (const split of record.splits)
    for (const attempt of split.attempts) {
      if (attempt.kind === 'retry') retries++;
      else if (attempt.kind === 'copy') copies++;
    }
  return { retries, copies };
}

/** The figures of one job, by name. */
function figuresOf(record: JobRecord): Record<keyof ComparedFigures, number | null> {
  const s = record.summary;
  const perImage = s.costPerMillionImagesUsd / 1e6;
  const { retries, copies } = attemptCounts(record);
  return {
    images: s.inputs,
    predictions: s.ok,
    errors: s.errors,
    wallSeconds: s.latencySeconds ?? s.elapsedSeconds,
    imagesPerSecond: s.imagesPerSecond,
    costUsd: s.costUsd,
    costPerImageUsd: perImage,
    costPer1000ImagesUsd: perImage * 1000,
    invocations: s.invocations,
    retries,
    speculativeCopies: copies,
    billedSeconds: s.billedSeconds,
    coldStarts: s.coldStarts,
  };
}

/** Every figure of A and B side by side. */
export function compareFigures(a: JobRecord, b: JobRecord): ComparedFigures {
  const [fa, fb] = [figuresOf(a), figuresOf(b)];
  const names = Object.keys(fa) as Array<keyof ComparedFigures>;
  return Object.fromEntries(
    names.map((n) => [n, comparedFigure(fa[n], fb[n])]),
  ) as unknown as ComparedFigures;
}

/**
 * What a job is and how it ran; `fileSha256` is the digest of the model file as it is now, read
 * by the caller for a record that keeps none.
 */
export function comparedJob(dir: string, record: JobRecord, fileSha256: string | null): ComparedJob {
  const s = record.summary;
  return {
    dir,
    jobId: record.jobId,
    name: record.name,
    status: record.status,
    task: recordTask(record),
    model: {
      uri: record.model.uri,
      path: record.model.path,
      quantized: typeof record.contract?.quantized === 'boolean' ? record.contract.quantized : null,
      sha256: record.model.sha256 ?? fileSha256,
      sha256From: record.model.sha256 !== undefined ? 'record' : 'file',
    },
    backend: s.backend,
    workers: s.workers,
    memoryMb: s.memoryMb,
    batchSize: record.pipeline?.predict.batchSize ?? null,
    priceModel: s.priceModel,
  };
}
