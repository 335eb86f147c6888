/**
 * The folder of `obifaas optimize`:
 *
 * - `optimize.json`: what the search was started with (space, seed, objective, inputs, model);
 *   a re-run must match it;
 * - `trials.jsonl`: one record per finished trial, appended and fsync'd: the history a re-run
 *   replays into the optimizer to resume;
 * - `trials.json`, `best-worker.json`, `optimization-history.svg`: rewritten (atomically) after
 *   every trial, so they are current even after a crash;
 * - `trials/trial-<n>/repeat-<k>/`: the job outputs of each run of each trial.
 */
import path from 'node:path';
import * as z from 'zod';
import { JsonlLog } from '../manager/output.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { redactUrlCredentials } from '../util/redact.js';
import type { SearchSpace } from '../planning/space.js';
import type { Direction } from '../planning/optimizer.js';
import { OBJECTIVES, type ObjectiveName } from '../planning/worker-objective.js';
import { trialSettingsSchema } from '../planning/worker-settings.js';
import { optimizationHistoryPlot } from '../report/plots/optimization-history.js';
import { readJsonLinesFile, repairJsonLinesTail } from '../util/json-lines-file.js';
import { intRange, numberRange } from '../util/schema.js';
import { startOrResumeFolder } from './setup-file.js';
import { trialSpread, type TrialRecord } from './trial-runner.js';
import { isPrecision, PRECISION_PARAMETER, type Precision } from '../planning/precision.js';

export const OPTIMIZE_SETUP_FILE = 'optimize.json';
export const TRIALS_LOG_FILE = 'trials.jsonl';
export const TRIALS_FILE = 'trials.json';
export const BEST_WORKER_FILE = 'best-worker.json';
export const HISTORY_PLOT_FILE = 'optimization-history.svg';

/** What an optimization folder was started with. */
export interface OptimizeSetup {
  version: 1;
  spaceFile: string;
  space: SearchSpace;
  seed: number;
  objective: ObjectiveName;
  startupTrials: number;
  backend: string;
  model: string;
  inputs: string;
  /** Runs of each trial (absent in folders of older versions: 1). */
  repeats?: number;
  /** The model file of each precision the space chooses (absent: none chosen). */
  models?: Partial<Record<Precision, string>>;
}

const COMPARED = [
  'space',
  'seed',
  'objective',
  'startupTrials',
  'backend',
  'model',
  'inputs',
  'repeats',
  'models',
] as const;

/** What a setup recorded, with the defaults of older versions filled in. */
function compared(setup: Record<string, unknown>, key: (typeof COMPARED)[number]): string {
  const value = setup[key] ?? (key === 'repeats' ? 1 : undefined);
  return JSON.stringify(value);
}

const amount = numberRange({ min: 0 });

/**
 * A line of `trials.jsonl`. Unknown keys are errors: `optimize` writes these lines and replays
 * them into the optimizer to resume, so a line it did not write is refused, not half-read.
 */
export const trialRecordSchema = z.strictObject({
  number: intRange(0),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  value: z.number().nullable(),
  status: z.enum(['ok', 'failed']),
  error: z.string().optional(),
  settings: trialSettingsSchema,
  measured: z
    .strictObject({
      images: intRange(0),
      computeSeconds: amount,
      initSeconds: amount,
      latencySeconds: amount,
      imagesPerSecond: amount,
      costUsd: amount,
      costPerImageUsd: amount,
      imagesPerDollar: amount.nullable(),
      pricePerSecondUsd: amount,
    })
    .optional(),
  model: z.string().optional(),
  repeats: z
    .array(
      z.strictObject({
        value: z.number(),
        computeSeconds: amount,
        initSeconds: amount,
        latencySeconds: amount,
        job: z.string(),
      }),
    )
    .optional(),
  job: z.string().optional(),
  seconds: amount,
});

/** `(repeats was 1, now 3)` when the runs per trial differ: the flag to give to resume. */
function repeatsHint(previous: Record<string, unknown>, setup: OptimizeSetup): string {
  const was = compared(previous, 'repeats');
  const now = compared({ ...setup }, 'repeats');
  return was === now ? '' : ` (repeats was ${was}, now ${now}: give --repeats ${was} to resume)`;
}

/** The history of an optimization folder, open for appending. */
export class TrialLog {
  private constructor(
    readonly dir: string,
    readonly setup: OptimizeSetup,
    /** Trials finished by earlier runs, in order. */
    readonly previous: readonly TrialRecord[],
    private readonly log: JsonlLog,
  ) {}

  /**
   * Opens (or starts) the folder for `setup`. Throws {@link UserError} when it was started with
   * other settings, or when `trials.jsonl` has bad lines (named by number).
   */
  static async open(dir: string, setup: OptimizeSetup): Promise<TrialLog> {
    await startOrResumeFolder(
      dir,
      { name: OPTIMIZE_SETUP_FILE, what: 'an optimization record' },
      setup,
      (previous) => {
        const changed = COMPARED.filter((k) => compared(previous, k) !== compared({ ...setup }, k));
        return changed.length > 0
          ? `${dir} holds an optimization started with another ${changed.join(', ')}${repeatsHint(previous, setup)}: re-run with the same settings to resume, or choose another --out`
          : undefined;
      },
    );
    const file = path.join(dir, TRIALS_LOG_FILE);
    const log = await readJsonLinesFile(file, trialRecordSchema, {
      what: 'bad trial records',
      check: (record, before) =>
        record.number === before
          ? []
          : [{ path: 'number', message: `expected ${before}, got ${record.number}` }],
    });
    await repairJsonLinesTail(file, log);
    const previous: TrialRecord[] = log.records;
    return new TrialLog(dir, setup, previous, await JsonlLog.open(file));
  }

  append(record: TrialRecord): Promise<void> {
    return this.log.append([record]);
  }

  close(): Promise<void> {
    return this.log.close();
  }
}

/** The best trial under `direction` (failed trials never), the earliest on a tie. */
export function bestTrial(trials: readonly TrialRecord[], direction: Direction): TrialRecord | null {
  let best: TrialRecord | null = null;
  for (const t of trials) {
    if (t.value === null) continue;
    if (best === null || (direction === 'maximize' ? t.value > best.value! : t.value < best.value!)) best = t;
  }
  return best;
}

/** `best-worker.json` of a trial: the settings `run --worker-config` applies, and the score. */
export function bestWorkerJson(
  best: TrialRecord,
  setup: OptimizeSetup,
  trials: number,
): Record<string, unknown> {
  const s = best.settings;
  const spaceNames = new Set(Object.keys(best.params));
  const info = OBJECTIVES[setup.objective];
  const spread = trialSpread(best);
  const precision = best.params[PRECISION_PARAMETER];
  return {
    memory: s.memory,
    batchSize: s.batchSize,
    interOpThreads: s.interOpThreads,
    intraOpThreads: s.intraOpThreads,
    replicas: s.replicas,
    ...(spaceNames.has('loadConcurrency') ? { loadConcurrency: s.loadConcurrency } : {}),
    ...(spaceNames.has('preprocessConcurrency') ? { preprocessConcurrency: s.preprocessConcurrency } : {}),
    objective: { name: setup.objective, direction: info.direction, value: best.value, unit: info.unit },
    ...(spread ? { spread } : {}),
    ...(isPrecision(precision) ? { precision, model: best.model ?? setup.model } : {}),
    trial: best.number,
    trials,
    space: setup.space.name ?? setup.spaceFile,
    backend: setup.backend,
    ...(setup.backend === 'local'
      ? { note: 'measured on the local backend: memory set only the price, not the CPU' }
      : {}),
  };
}

/** Rewrites `trials.json`, `best-worker.json` (when a trial succeeded) and the plot. */
export async function writeTrialOutputs(
  dir: string,
  setup: OptimizeSetup,
  trials: readonly TrialRecord[],
): Promise<{ best: TrialRecord | null }> {
  const info = OBJECTIVES[setup.objective];
  const best = bestTrial(trials, info.direction);
  const summary = {
    version: 1,
    objective: { name: setup.objective, ...info },
    space: setup.space.name ?? setup.spaceFile,
    seed: setup.seed,
    backend: setup.backend,
    best: best?.number ?? null,
    ...(best ? { bestSpread: trialSpread(best) } : {}),
    trials,
  };
  const write = (name: string, text: string): Promise<void> =>
    writeFileAtomic(path.join(dir, name), Buffer.from(redactUrlCredentials(text), 'utf8'));
  await write(TRIALS_FILE, `${JSON.stringify(summary, null, 2)}\n`);
  if (best)
    await write(BEST_WORKER_FILE, `${JSON.stringify(bestWorkerJson(best, setup, trials.length), null, 2)}\n`);
  await write(
    HISTORY_PLOT_FILE,
    optimizationHistoryPlot(trials, {
      direction: info.direction,
      objective: info.unit,
      title: `Optimization history: ${setup.objective} (${info.direction})`,
    }),
  );
  return { best };
}
