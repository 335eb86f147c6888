/**
 * `obifaas optimize`: the Tree-structured Parzen Estimator over a space of worker settings,
 * each proposal run as a real trial (see `trial-runner.ts`). Every finished trial is appended
 * to `trials.jsonl` before the next one starts; a re-run replays that history into the
 * optimizer with `tell()` and goes on from the next trial. Proposals are drawn from a
 * generator seeded by (seed, trial number), so a resumed search proposes what an
 * uninterrupted one would have, given the same values.
 */
import { SpecError } from '../errors.js';
import type { Parameter, ParameterMap, Params, SearchSpace } from '../planning/space.js';
import { TpeOptimizer } from '../planning/tpe.js';
import { OBJECTIVES, type ObjectiveName } from '../planning/worker-objective.js';
import { checkWorkerSpace } from '../planning/worker-settings.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import { prepareInputPool } from './job-slice.js';
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
  home?: string;
  signal?: AbortSignal;
  onEvent?: (event: OptimizeEvent) => void;
}

export type OptimizeEvent =
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
  best: TrialRecord | null;
  cancelled: boolean;
  elapsedSeconds: number;
}

/** The largest batch size a space can propose (the base job's when it has none). */
export function largestBatch(space: SearchSpace, fallback: number): number {
  let largest = 0;
  const visit = (map: ParameterMap): void => {
    for (const [name, parameter] of Object.entries(map)) {
      if (name === 'batchSize') largest = Math.max(largest, maxValue(parameter));
      if (parameter.type === 'categorical')
        for (const branch of Object.values(parameter.branches ?? {})) visit(branch);
    }
  };
  visit(space.parameters);
  return largest > 0 ? largest : fallback;
}

function maxValue(parameter: Parameter): number {
  if (parameter.type !== 'categorical') return parameter.max;
  return Math.max(...parameter.values.map((v) => (typeof v === 'number' ? v : 0)));
}

/** Runs trials until `options.trials` are recorded (or cancelled). */
export async function runOptimization(options: OptimizeOptions): Promise<OptimizeReport> {
  const started = Date.now();
  const { dir, spec, space } = options;
  const emit = options.onEvent ?? (() => undefined);
  const issues = checkWorkerSpace(space);
  if (issues.length > 0) throw new SpecError(issues, `invalid search space in ${options.spaceFile}`);
  const batch = largestBatch(space, spec.pipeline.predict.batchSize);
  const pool = await prepareInputPool(spec, batch, `a trial of batch size ${batch}`, options.home);
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
      ...(options.home ? { home: options.home } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    };
    while (trials.length < options.trials && options.signal?.aborted !== true) {
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
    best,
    cancelled: options.signal?.aborted === true,
    elapsedSeconds: (Date.now() - started) / 1000,
  };
}
