/**
 * The ask/tell interface of the optimizers of a black-box objective over a {@link SearchSpace}
 * (pure), what they share, and random search; the Tree-structured Parzen Estimator is in
 * `tpe.ts`. The caller evaluates each proposal (runs a trial) and tells the value.
 *
 * Each proposal is drawn from a generator seeded by `(seed, trial number)`, so replaying a saved
 * history with `tell` and asking again gives what an uninterrupted run would have: a crashed
 * optimization can resume.
 *
 * A point is never proposed twice. When a proposal was tried already, more are drawn from the
 * same generator; when those were tried too, a discrete space's untried points are listed and
 * the best of them under the model is taken (random search: any of them). Once every point of a
 * finite space has been tried, `remaining()` is 0 and `ask()` refuses.
 */
import { Random } from '../core/random.js';
import { UserError } from '../errors.js';
import { checkParams, enumerateSpace, paramsKey, samplePrior, spaceSize, walkSpace } from './space-points.js';
import type { Params, SearchSpace } from './space.js';

/** One evaluated proposal. `value` is null for a trial that failed (counted as the worst). */
export interface Trial {
  number: number;
  params: Params;
  value: number | null;
}

/** Whether larger or smaller objective values are better. */
export type Direction = 'minimize' | 'maximize';

/** The ask/tell interface shared by the TPE (`tpe.ts`) and {@link RandomSearch}. */
export interface Optimizer {
  readonly direction: Direction;
  readonly history: readonly Trial[];
  /** Proposes the next parameters to evaluate: a point not tried before. */
  ask(): Params;
  /** Points of the space not tried yet (infinite for a space with a float parameter). */
  remaining(): number;
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

/** Most points a discrete space may hold for its untried points to be listed. */
export const ENUMERATION_LIMIT = 200_000;

/** Proposals drawn (and found tried) before the untried points are listed. */
const PROPOSAL_ATTEMPTS = 32;

/** Draws from the prior, in a space too large to list, before giving up on finding a new point. */
const PRIOR_ATTEMPTS = 10_000;

/** How one `ask()` proposes: drawing a point, and scoring one (higher is more promising). */
export interface Proposer {
  draw(): Params;
  score(params: Params): number;
}

/** A generator for trial `number` of a run seeded with `seed`. */
function trialRandom(seed: number, number: number): Random {
  return new Random((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(number + 1, 0x85ebca6b)) >>> 0);
}

export abstract class BaseOptimizer implements Optimizer {
  readonly direction: Direction;
  protected readonly seed: number;
  protected readonly trials: Trial[] = [];
  /** The keys of the points told so far. */
  private readonly tried = new Set<string>();
  /** Points in the space (infinite with a float parameter). */
  readonly size: number;

  constructor(
    readonly space: SearchSpace,
    options: OptimizerOptions,
  ) {
    this.seed = options.seed ?? 0;
    this.direction = options.direction ?? 'minimize';
    if (this.direction !== 'minimize' && this.direction !== 'maximize') {
      throw new UserError(`direction: expected 'minimize' or 'maximize', got '${String(this.direction)}'`);
    }
    this.size = spaceSize(space);
  }

  get history(): readonly Trial[] {
    return this.trials;
  }

  remaining(): number {
    return this.size - this.tried.size;
  }

  /** The proposer of one `ask()`, drawing from `random`. */
  protected abstract proposer(random: Random): Proposer;

  ask(): Params {
    if (this.remaining() <= 0)
      throw new UserError(`all ${this.size} points of the search space have been tried`);
    const random = trialRandom(this.seed, this.trials.length);
    const proposer = this.proposer(random);
    for (let attempt = 0; attempt < PROPOSAL_ATTEMPTS; attempt++) {
      const params = proposer.draw();
      if (!this.tried.has(paramsKey(params))) return params;
    }
    return this.untried(proposer, random);
  }

  /** A point not tried yet, when drawing kept finding tried ones. */
  private untried(proposer: Proposer, random: Random): Params {
    const points = enumerateSpace(this.space, ENUMERATION_LIMIT);
    if (points === null) {
      for (let attempt = 0; attempt < PRIOR_ATTEMPTS; attempt++) {
        const params = this.randomParams(random);
        if (!this.tried.has(paramsKey(params))) return params;
      }
      throw new Error(`no untried point found in ${PRIOR_ATTEMPTS} draws from the prior`);
    }
    let best: Params | undefined;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (const params of points) {
      if (this.tried.has(paramsKey(params))) continue;
      const score = proposer.score(params);
      if (best === undefined || score > bestScore) {
        best = params;
        bestScore = score;
      }
    }
    return walkSpace(this.space, ({ name }) => best![name]!); // in the order the space lists them
  }

  tell(params: Params, value: number | null): Trial {
    const issues = checkParams(this.space, params);
    if (issues.length > 0)
      throw new UserError(
        `trial ${this.trials.length}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      );
    const clean = value === null || !Number.isFinite(value) ? null : value;
    const trial: Trial = { number: this.trials.length, params: { ...params }, value: clean };
    this.trials.push(trial);
    this.tried.add(paramsKey(params));
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

  /** Draws from the prior; untried points are equally promising (ordered by a seeded hash). */
  protected priorProposer(random: Random): Proposer {
    let offset: number | undefined;
    return {
      draw: () => this.randomParams(random),
      score: (params) => {
        offset ??= random.next();
        let h = 0x811c9dc5;
        for (const c of paramsKey(params)) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
        return (h / 4294967296 + offset) % 1;
      },
    };
  }
}

/** Random search: every proposal drawn from the prior. */
export class RandomSearch extends BaseOptimizer {
  constructor(space: SearchSpace, options: OptimizerOptions = {}) {
    super(space, options);
  }

  protected proposer(random: Random): Proposer {
    return this.priorProposer(random);
  }
}

/**
 * Runs `trials` evaluations of `objective` with `optimizer`, fewer when a finite space runs out
 * of untried points (for tests and simulations; the CLI drives ask/tell itself so that it can
 * save each trial).
 */
export function optimize(
  optimizer: Optimizer,
  objective: (params: Params) => number | null,
  trials: number,
): Trial | undefined {
  for (let i = 0; i < trials && optimizer.remaining() > 0; i++) {
    const params = optimizer.ask();
    optimizer.tell(params, objective(params));
  }
  return optimizer.best();
}
