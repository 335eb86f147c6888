/**
 * The Tree-structured Parzen Estimator (Bergstra et al. 2011, as in hyperopt; pure): an
 * optimizer behind the ask/tell interface of `optimizer.ts`, whose proposals follow the trials
 * that went well.
 */
import type { Random } from '../core/random.js';
import { UserError } from '../errors.js';
import { BaseOptimizer, type OptimizerOptions, type Proposer } from './optimizer.js';
import { categoricalEstimator, numericEstimator, type ParzenEstimator } from './parzen.js';
import { activeValues, walkSpace } from './space-points.js';
import type { Parameter, ParamValue, SearchSpace } from './space.js';

/** TPE settings; defaults follow hyperopt. */
export interface TpeOptions extends OptimizerOptions {
  /** Trials drawn at random before the model is used (default 10). */
  startupTrials?: number;
  /** Candidates drawn from the good-trials density per parameter (default 24). */
  candidates?: number;
  /** Fraction of trials counted as good (default 0.25, at most 25 trials). */
  gamma?: number;
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

  protected proposer(random: Random): Proposer {
    const succeeded = this.trials.filter((t) => t.value !== null);
    if (this.trials.length < this.startupTrials || succeeded.length < 2) return this.priorProposer(random);
    const ranked = [...this.trials].sort((a, b) => this.loss(a) - this.loss(b) || a.number - b.number);
    const goodCount = Math.max(
      1,
      Math.min(25, Math.ceil(this.gamma * succeeded.length), succeeded.length - 1),
    );
    const good = ranked.slice(0, goodCount).map((t) => activeValues(this.space, t.params));
    const rest = ranked.slice(goodCount).map((t) => activeValues(this.space, t.params));
    const observed = (group: Map<string, ParamValue>[], id: string): ParamValue[] =>
      group.flatMap((values) => (values.has(id) ? [values.get(id)!] : []));
    const estimators = new Map<string, { l: ParzenEstimator; g: ParzenEstimator }>();
    const densities = (id: string, parameter: Parameter): { l: ParzenEstimator; g: ParzenEstimator } => {
      let pair = estimators.get(id);
      if (!pair) {
        pair = { l: estimator(parameter, observed(good, id)), g: estimator(parameter, observed(rest, id)) };
        estimators.set(id, pair);
      }
      return pair;
    };
    return {
      draw: () =>
        walkSpace(this.space, ({ id, parameter }) => {
          const { l, g } = densities(id, parameter);
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
        }),
      score: (params) => {
        let total = 0;
        walkSpace(this.space, ({ id, name, parameter }) => {
          const { l, g } = densities(id, parameter);
          const value = params[name]!;
          total += l.logDensity(value) - g.logDensity(value);
          return value;
        });
        return total;
      },
    };
  }
}
