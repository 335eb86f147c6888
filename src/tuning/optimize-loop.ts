/**
 * `obifaas optimize`: the Tree-structured Parzen Estimator over a space of worker settings,
 * each proposal run as a real trial (see `trial-runner.ts`). Every finished trial is appended
 * to `trials.jsonl` before the next one starts; a re-run replays that history into the
 * optimizer with `tell()` and goes on from the next trial. Proposals are drawn from a
 * generator seeded by (seed, trial number), so a resumed search proposes what an
 * uninterrupted one would have, given the same values. No point of the space is run twice: a
 * trial is repeated `repeats` times on purpose instead, and the search stops early once a
 * finite space has no untried point left.
 */
import { SpecError, UserError } from '../errors.js';
import { isPrecision, PRECISION_PARAMETER, type Precision } from '../planning/precision.js';
import {
  batchParameters,
  checkSpaceFitsImages,
  fitSpaceToImages,
  type RemovedBatches,
} from '../planning/space-fit.js';
import type { ParameterMap, Params, SearchSpace } from '../planning/space.js';
import { TpeOptimizer } from '../planning/tpe.js';
import { OBJECTIVES, type ObjectiveName } from '../planning/worker-objective.js';
import { checkWorkerSpace } from '../planning/worker-settings.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import { prepareInputPool } from './job-slice.js';
import { precisionModels } from './precision-models.js';
import {
  BEST_WORKER_FILE,
  HISTORY_PLOT_FILE,
  TRIALS_FILE,
  TRIALS_LOG_FILE,
  TrialLog,
  writeTrialOutputs,
} from './trial-log.js';
import { runTrial, type TrialRecord } from './trial-runner.js';
import path from 'node:path';
import { steadyNow } from '../util/steady-clock.js';

/** Trials drawn at random before the TPE model is used (hyperopt's default). */
export const DEFAULT_STARTUP_TRIALS = 10;

export interface OptimizeOptions {
  /** The optimization folder. */
  dir: string;
  /** The trials' base settings: inputs, model, backend, pipeline defaults, prices. */
  spec: ResolvedJobSpec;
  space: SearchSpace;
  /** Where the space came from, for the record. */
  spaceFile: string;
  /** Trials in all, counting those of earlier runs. */
  trials: number;
  seed: number;
  objective: ObjectiveName;
  startupTrials?: number;
  /** Runs of each trial; its value is scored on their median (default {@link DEFAULT_REPEATS}). */
  repeats?: number;
  /** Add a `precision` choice among these to the space (`--precision fp32,int8`). */
  precisions?: readonly Precision[];
  /** The int8 model to use for `precision: int8` (default: built or quantized, see precision-models.ts). */
  int8Model?: string;
  /**
   * The space is the shipped default: leave out the batch sizes larger than the inputs (a
   * user's own space that does not fit is refused, saying how to write one that does).
   */
  fitSpace?: boolean;
  home?: string;
  signal?: AbortSignal;
  onEvent?: (event: OptimizeEvent) => void;
}

export type OptimizeEvent =
  | { type: 'fitted'; images: number; removed: RemovedBatches[] }
  | { type: 'quantize'; model: string; out: string }
  | { type: 'resume'; done: number; total: number }
  | { type: 'start'; number: number; params: Params; total: number }
  | { type: 'trial'; record: TrialRecord; best: TrialRecord | null; total: number };

/** What `optimize` did. */
export interface OptimizeReport {
  dir: string;
  files: { trialsLog: string; trials: string; bestWorker: string | null; plot: string };
  objective: ObjectiveName;
  direction: 'minimize' | 'maximize';
  unit: string;
  /** Every trial, earlier runs' included. */
  trials: TrialRecord[];
  /** Trials finished by earlier runs. */
  resumed: number;
  /** Runs of each trial. */
  repeats: number;
  /** Points in the space (infinite with a float parameter). */
  spaceSize: number;
  /** True when the search stopped because every point of the space was tried. */
  exhausted: boolean;
  /** Batch sizes left out of the default space because the inputs hold fewer images. */
  fitted: RemovedBatches[];
  best: TrialRecord | null;
  cancelled: boolean;
  elapsedSeconds: number;
}

/** Runs of each trial by default: the median of 3 is not moved by one lucky or unlucky run. */
export const DEFAULT_REPEATS = 3;

/** The precisions any `precision` parameter of the space offers. */
function spacePrecisions(map: ParameterMap, found = new Set<Precision>()): Set<Precision> {
  for (const [name, parameter] of Object.entries(map)) {
    if (parameter.type !== 'categorical') continue;
    if (name === PRECISION_PARAMETER) for (const v of parameter.values) if (isPrecision(v)) found.add(v);
    for (const branch of Object.values(parameter.branches ?? {})) spacePrecisions(branch, found);
  }
  return found;
}

/** The space with a top-level `precision` choice added (refused when it has one). */
export function withPrecision(space: SearchSpace, precisions: readonly Precision[]): SearchSpace {
  if (spacePrecisions(space.parameters).size > 0 || PRECISION_PARAMETER in space.parameters)
    throw new UserError(
      `--precision: the space already chooses '${PRECISION_PARAMETER}'; give one or the other`,
    );
  return {
    ...space,
    parameters: {
      [PRECISION_PARAMETER]: { type: 'categorical', values: [...precisions] },
      ...space.parameters,
    },
  };
}

/**
 * The space the trials choose from: checked, with the `--precision` choice added, then fitted to
 * the `images` of the inputs (the default space) or refused when its batches do not fit.
 */
function spaceForInputs(
  options: OptimizeOptions,
  images: number,
  location: string,
): { space: SearchSpace; fitted: RemovedBatches[] } {
  const given = options.precisions?.length ? withPrecision(options.space, options.precisions) : options.space;
  const fit = options.fitSpace === true ? fitSpaceToImages(given, images) : { space: given, removed: [] };
  if (options.fitSpace !== true) checkSpaceFitsImages(given, images, location);
  const batch = options.spec.pipeline.predict.batchSize;
  if (batchParameters(fit.space).length === 0 && images < batch)
    throw new UserError(
      `a trial runs one batch of ${batch} images (--batch-size: the space does not choose batchSize) but --input '${location}' has ${images}: give more images or a smaller --batch-size`,
    );
  return { space: fit.space, fitted: fit.removed };
}

/** Runs trials until `options.trials` are recorded (or cancelled). */
export async function runOptimization(options: OptimizeOptions): Promise<OptimizeReport> {
  const started = steadyNow();
  const { dir, spec } = options;
  const emit = options.onEvent ?? (() => undefined);
  const issues = checkWorkerSpace(options.space);
  if (issues.length > 0) throw new SpecError(issues, `invalid search space in ${options.spaceFile}`);
  const pool = await prepareInputPool(spec, 1, 'an optimization', options.home);
  const { space, fitted } = spaceForInputs(options, pool.keys.length, pool.location);
  if (fitted.length > 0) emit({ type: 'fitted', images: pool.keys.length, removed: fitted });
  const repeats = options.repeats ?? DEFAULT_REPEATS;
  if (!Number.isInteger(repeats) || repeats < 1)
    throw new UserError(`--repeats: expected an integer >= 1, got ${repeats}`);
  const models = await precisionModels(spec, [...spacePrecisions(space.parameters)], {
    dir,
    ...(options.int8Model !== undefined ? { int8Model: options.int8Model } : {}),
    ...(options.home ? { home: options.home } : {}),
    onQuantize: (model, out) => emit({ type: 'quantize', model, out }),
  });
  const info = OBJECTIVES[options.objective];
  const startupTrials = options.startupTrials ?? DEFAULT_STARTUP_TRIALS;
  const log = await TrialLog.open(dir, {
    version: 1,
    spaceFile: options.spaceFile,
    space,
    seed: options.seed,
    objective: options.objective,
    startupTrials,
    backend: spec.backend.type,
    model: spec.model.uri,
    inputs: pool.location,
    repeats,
    ...(Object.keys(models).length > 0 ? { models } : {}),
  });
  const optimizer = new TpeOptimizer(space, { seed: options.seed, direction: info.direction, startupTrials });
  const trials: TrialRecord[] = [...log.previous];
  for (const t of trials) optimizer.tell(t.params, t.value);
  emit({ type: 'resume', done: trials.length, total: options.trials });
  let best: TrialRecord | null = null;
  try {
    ({ best } = await writeTrialOutputs(dir, log.setup, trials));
    const context = {
      base: spec,
      pool,
      dir,
      objective: options.objective,
      repeats,
      models,
      ...(options.home ? { home: options.home } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    };
    while (trials.length < options.trials && options.signal?.aborted !== true) {
      if (optimizer.remaining() <= 0) break;
      const params = optimizer.ask();
      emit({ type: 'start', number: trials.length, params, total: options.trials });
      const record = await runTrial(context, trials.length, params);
      if (record === null) break; // cancelled: the trial is not recorded
      optimizer.tell(record.params, record.value);
      await log.append(record);
      trials.push(record);
      ({ best } = await writeTrialOutputs(dir, log.setup, trials));
      emit({ type: 'trial', record, best, total: options.trials });
    }
  } finally {
    await log.close();
  }
  return {
    dir,
    files: {
      trialsLog: path.join(dir, TRIALS_LOG_FILE),
      trials: path.join(dir, TRIALS_FILE),
      bestWorker: best ? path.join(dir, BEST_WORKER_FILE) : null,
      plot: path.join(dir, HISTORY_PLOT_FILE),
    },
    objective: options.objective,
    direction: info.direction,
    unit: info.unit,
    trials,
    resumed: log.previous.length,
    repeats,
    spaceSize: optimizer.size,
    exhausted: trials.length < options.trials && optimizer.remaining() <= 0,
    fitted,
    best,
    cancelled: options.signal?.aborted === true,
    elapsedSeconds: (steadyNow() - started) / 1000,
  };
}
