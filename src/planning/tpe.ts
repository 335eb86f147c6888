/**
 * Optimizers of a black-box objective over a {@link SearchSpace} (pure): the Tree-structured
 * Parzen Estimator (Bergstra et al. 2011, as in hyperopt) and random search, behind one
 * ask/tell interface. The caller evaluates each proposal (runs a trial) and tells the value.
 *
 * Each proposal is drawn from a generator seeded by `(seed, trial number)`, so replaying a saved
 * history with `tell` and asking again gives what an uninterrupted run would have: a crashed
 * optimization can resume.
 */
import { Random } from '../core/random.js';
import { UserError } from '../errors.js';
import { categoricalEstimator, numericEstimator, type ParzenEstimator } from './parzen.js';
import { activeValues, checkParams, samplePrior, walkSpace } from './space-points.js';
import type { Parameter, Params, ParamValue, SearchSpace } from './space.js';

/** One evaluated proposal. `value` is null for a trial that failed (counted as the worst). */
export interface Trial {
  number: number;
  params: Params;
  value: number | null;
}

/** Whether larger or smaller objective values are better. */
export type Direction = 'minimize' | 'maximize';

/** The ask/tell interface shared by {@link TpeOptimizer} and {@link RandomSearch}. */
export interface Optimizer {
  readonly direction: Direction;
  readonly history: readonly Trial[];
  /** Proposes the next parameters to evaluate. */
  ask(): Params;
  /** Records the value of evaluated parameters (null when the trial failed). */
  tell(params: Params, value: number | null): Trial;
  /** The best trial so far, if any succeeded. */
  best(): Trial | undefined;
}

/** Options shared by both optimizers. */
export interface OptimizerOptions {
  seed?: number;
  direction?: Direction;
}

/** TPE settings; defaults follow hyperopt. */
export interface TpeOptions extends OptimizerOptions {
  /** Trials drawn at random before the model is used (default 10). */
  startupTrials?: number;
  /** Candidates drawn from the good-trials density per parameter (default 24). */
  candidates?: number;
  /** Fraction of trials counted as good (default 0.25, at most 25 trials). */
  gamma?: number;
}

/** A generator for trial `number` of a run seeded with `seed`. */
function trialRandom(seed: number, number: number): Random {
  return new Random((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(number + 1, 0x85ebca6b)) >>> 0);
}

abstract class BaseOptimizer implements Optimizer {
  readonly direction: Direction;
  protected readonly seed: number;
  protected readonly trials: Trial[] = [];

  constructor(
    readonly space: SearchSpace,
    options: OptimizerOptions,
  ) {
    this.seed = options.seed ?? 0;
    this.direction = options.direction ?? 'minimize';
    if (this.direction !== 'minimize' && this.direction !== 'maximize') {
      throw new UserError(`direction: expected 'minimize' or 'maximize', got '${String(this.direction)}'`);
    }
  }

  get history(): readonly Trial[] {
    return this.trials;
  }

  abstract ask(): Params;

  tell(params: Params, value: number | null): Trial {
    const issues = checkParams(this.space, params);
    if (issues.length > 0)
      throw new UserError(
        `trial ${this.trials.length}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      );
    const clean = value === null || !Number.isFinite(value) ? null : value;
    const trial: Trial = { number: this.trials.length, params: { ...params }, value: clean };
    this.trials.push(trial);
    return trial;
  }

  best(): Trial | undefined {
    let best: Trial | undefined;
    for (const t of this.trials)
      if (t.value !== null && (best === undefined || this.loss(t) < this.loss(best))) best = t;
    return best;
  }

  /** Smaller is better, whatever the direction; failures are worst. */
  protected loss(trial: Trial): number {
    if (trial.value === null) return Number.POSITIVE_INFINITY;
    return this.direction === 'minimize' ? trial.value : -trial.value;
  }

  protected randomParams(random: Random): Params {
    return walkSpace(this.space, ({ parameter }) => samplePrior(parameter, random));
  }
}

/** Random search: every proposal drawn from the prior. */
export class RandomSearch extends BaseOptimizer {
  constructor(space: SearchSpace, options: OptimizerOptions = {}) {
    super(space, options);
  }

  ask(): Params {
    return this.randomParams(trialRandom(this.seed, this.trials.length));
  }
}

function estimator(parameter: Parameter, observed: readonly ParamValue[]): ParzenEstimator {
  if (parameter.type === 'categorical') return categoricalEstimator(parameter, observed);
  return numericEstimator(
    parameter,
    observed.filter((v): v is number => typeof v === 'number'),
  );
}

/**
 * Tree-structured Parzen Estimator. After `startupTrials` random proposals, trials are split
 * into good (the best `gamma` fraction) and the rest; for each active parameter, walking the
 * tree, it draws `candidates` values from the good trials' density l(x) and keeps the one that
 * maximises l(x) / g(x), g being the rest's density. A parameter under a branch is modelled
 * only from the trials that took that branch.
 */
export class TpeOptimizer extends BaseOptimizer {
  readonly startupTrials: number;
  readonly candidates: number;
  readonly gamma: number;

  constructor(space: SearchSpace, options: TpeOptions = {}) {
    super(space, options);
    this.startupTrials = options.startupTrials ?? 10;
    this.candidates = options.candidates ?? 24;
    this.gamma = options.gamma ?? 0.25;
    if (!Number.isInteger(this.startupTrials) || this.startupTrials < 0)
      throw new UserError(`startupTrials: expected an integer >= 0, got ${this.startupTrials}`);
    if (!Number.isInteger(this.candidates) || this.candidates < 1)
      throw new UserError(`candidates: expected an integer >= 1, got ${this.candidates}`);
    if (!(this.gamma > 0 && this.gamma < 1))
      throw new UserError(`gamma: expected a number in (0, 1), got ${this.gamma}`);
  }

  ask(): Params {
    const random = trialRandom(this.seed, this.trials.length);
    const succeeded = this.trials.filter((t) => t.value !== null);
    if (this.trials.length < this.startupTrials || succeeded.length < 2) return this.randomParams(random);

    const ranked = [...this.trials].sort((a, b) => this.loss(a) - this.loss(b) || a.number - b.number);
    const goodCount = Math.max(
      1,
      Math.min(25, Math.ceil(this.gamma * succeeded.length), succeeded.length - 1),
    );
    const good = ranked.slice(0, goodCount).map((t) => activeValues(this.space, t.params));
    const rest = ranked.slice(goodCount).map((t) => activeValues(this.space, t.params));
    const observed = (group: Map<string, ParamValue>[], id: string): ParamValue[] =>
      group.flatMap((values) => (values.has(id) ? [values.get(id)!] : []));

    return walkSpace(this.space, ({ id, parameter }) => {
      const l = estimator(parameter, observed(good, id));
      const g = estimator(parameter, observed(rest, id));
      let bestValue: ParamValue | undefined;
      let bestScore = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < this.candidates; i++) {
        const candidate = l.sample(random);
        const score = l.logDensity(candidate) - g.logDensity(candidate);
        if (score > bestScore) {
          bestScore = score;
          bestValue = candidate;
        }
      }
      return bestValue!;
    });
  }
}

/**
 * Runs `trials` evaluations of `objective` with `optimizer` (for tests and simulations; the
 * CLI drives ask/tell itself so that it can save each trial).
 */
export function optimize(
  optimizer: Optimizer,
  objective: (params: Params) => number | null,
  trials: number,
): Trial | undefined {
  for (let i = 0; i < trials; i++) {
    const params = optimizer.ask();
    optimizer.tell(params, objective(params));
  }
  return optimizer.best();
}
