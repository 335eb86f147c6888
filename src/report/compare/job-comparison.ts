/**
 * Two jobs side by side (`obifaas report JOB_A --compare JOB_B`, {@link compareJobs}): what each
 * cost and took, how each ran, and whether their predictions agree on the inputs both have.
 * Plain data: the page and `--json` are made from the same object.
 */
import type { JobStatus } from '../../manager/job-events.js';

/** One figure of the two jobs: A's, B's, B / A and B − A (null where a figure means nothing). */
export interface ComparedFigure {
  a: number | null;
  b: number | null;
  /** B / A; null when either is null or A is 0. */
  ratio: number | null;
  /** B − A; null when either is null. */
  difference: number | null;
}

/** The figures compared, by name (the README's Outputs section says what each job figure means). */
export interface ComparedFigures {
  /** Inputs of the job. */
  images: ComparedFigure;
  /** Inputs with a prediction. */
  predictions: ComparedFigure;
  /** Inputs with an error. */
  errors: ComparedFigure;
  /** First submit to the last result (how long it ran, for a job that did not complete). */
  wallSeconds: ComparedFigure;
  imagesPerSecond: ComparedFigure;
  costUsd: ComparedFigure;
  costPerImageUsd: ComparedFigure;
  costPer1000ImagesUsd: ComparedFigure;
  invocations: ComparedFigure;
  /** Split attempts that retried a failed one. */
  retries: ComparedFigure;
  /** Split attempts that copied a slow one (speculation). */
  speculativeCopies: ComparedFigure;
  billedSeconds: ComparedFigure;
  coldStarts: ComparedFigure;
}

/** The name of a compared figure. */
export type ComparedFigureName = keyof ComparedFigures;

/** What a compared job is and how it ran, from its `job.json`. */
export interface ComparedJob {
  /** The job's folder. */
  dir: string;
  jobId: string;
  name: string;
  status: JobStatus;
  task: 'classify' | 'embed';
  model: {
    /** As given (a path, a storage URI or a builtin name). */
    uri: string;
    /** The file the functions loaded. */
    path: string;
    /**
     * Whether the model is quantized (`job.json`'s `contract.quantized`: int8 operators or
     * weights); null where the record does not say.
     */
    quantized: boolean | null;
    /**
     * SHA-256 (hex) of the model file the job ran, as `job.json` recorded it when the job started;
     * for a record from before it was kept, of the file as it is now at `path` (`sha256From`);
     * null where neither is known.
     */
    sha256: string | null;
    /** Where `sha256` comes from: the job's record, or the file read now (an older record). */
    sha256From: 'record' | 'file';
  };
  backend: string;
  /** Workers the plan asked for. */
  workers: number;
  memoryMb: number;
  /** Images per model run in each function. */
  batchSize: number | null;
  priceModel: string;
}

/** The result keys of the two jobs: compared on those both have. */
export interface ComparedKeys {
  common: number;
  onlyA: number;
  onlyB: number;
}

/** One class of a prediction, as a table shows it. */
export interface ComparedClass {
  class: number;
  label: string | null;
  score: number;
}

/** An input whose top-1 class differs between the two jobs. */
export interface DifferingPrediction {
  key: string;
  a: ComparedClass;
  b: ComparedClass;
}

/** An input that is an error in one job and a prediction in the other. */
export interface OneSidedError {
  key: string;
  /** Which job has the error. */
  errorIn: 'a' | 'b';
  error: string;
  /** The other job's top-1 class (null for an embed job). */
  prediction: ComparedClass | null;
}

/** How far two classify jobs agree, on the inputs both have a prediction for. */
export interface ClassifyAgreement {
  kind: 'classify';
  /** Inputs both jobs have a prediction for. */
  compared: number;
  /** Of those, inputs with the same top-1 class. */
  top1Agree: number;
  /** `top1Agree` as a percentage of `compared`; null when nothing was compared. */
  top1AgreePercent: number | null;
  /**
   * The mean, over the compared inputs, of the share of B's top-5 classes (as many as it has)
   * that are among A's top-5; null when nothing was compared.
   */
  top5Overlap: number | null;
  /** Inputs whose top-1 differs, in A's order: the first 50. */
  differing: DifferingPrediction[];
  /** Differing inputs left out of `differing`. */
  differingNotShown: number;
  /** Inputs that are an error in one job and a prediction in the other, in A's order: the first 50. */
  oneSidedErrors: OneSidedError[];
  /** One-sided errors left out of `oneSidedErrors`. */
  oneSidedErrorsNotShown: number;
  /** Inputs that are an error in both. */
  errorsInBoth: number;
}

/** An input's two vectors compared. */
export interface VectorSimilarity {
  key: string;
  /** Cosine similarity of A's and B's vector (1 where both are zero, 0 where one is). */
  cosine: number;
}

/** How close two embed jobs' vectors are, on the inputs both have a vector for. */
export interface EmbedAgreement {
  kind: 'embed';
  /** Inputs both jobs have a vector for. */
  compared: number;
  /** The length of the vectors (both jobs' are as long). */
  dims: number;
  /** Cosine similarity over the compared inputs; null when nothing was compared. */
  cosine: { min: number; median: number; mean: number } | null;
  /** The compared inputs whose vectors are the least alike, least first: the first 20. */
  lowest: VectorSimilarity[];
  /** Inputs that are an error in one job and a vector in the other, in A's order: the first 50. */
  oneSidedErrors: OneSidedError[];
  /** One-sided errors left out of `oneSidedErrors`. */
  oneSidedErrorsNotShown: number;
  /** Inputs that are an error in both. */
  errorsInBoth: number;
}

/** The inputs with the least alike vectors listed. */
export const LOWEST_SHOWN = 20;

/** Rows listed of each kind (differing inputs, one-sided errors); the rest are counted. */
export const SHOWN_ROWS = 50;

/**
 * How far a ratio B / A could move by chance (`ratio-interval.ts`): a 95 % interval from a
 * bootstrap of each job's invocations that predicted images.
 */
export interface RatioInterval {
  /** Invocations that predicted images in a measured run, in A and in B. */
  invocations: { a: number; b: number };
  /**
   * The 2.5th and 97.5th percentiles of the resampled ratio; null when a side has too few
   * invocations to judge (fewer than 4, or a single cold or warm one beside fewer than 4 of the
   * other kind), or no ratio.
   */
  low: number | null;
  high: number | null;
}

/** The intervals of B / A for cost per image and images per second. */
export interface ComparedIntervals {
  costPerImageUsd: RatioInterval;
  imagesPerSecond: RatioInterval;
}

/** Two jobs compared: `obifaas report A --compare B --json` prints it. */
export interface JobComparison {
  a: ComparedJob;
  b: ComparedJob;
  /** The task both ran (two jobs of different tasks are not compared). */
  task: 'classify' | 'embed';
  keys: ComparedKeys;
  figures: ComparedFigures;
  /** How far B / A could move by chance: a winner is named only where the interval excludes 1. */
  intervals: ComparedIntervals;
  /** The predictions compared: classes for classify jobs, vectors for embed jobs. */
  predictions: ClassifyAgreement | EmbedAgreement;
  /** True when both jobs ran the same model file (equal digests); null where a digest is not known. */
  sameModel: boolean | null;
}
