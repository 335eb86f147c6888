import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { parseSpace, type Params } from './space.js';
import { optimize, RandomSearch, type Optimizer } from './optimizer.js';
import { TpeOptimizer } from './tpe.js';

/** Branin: three global minima of 0.397887 on [-5, 10] x [0, 15]. */
function branin(p: Params): number {
  const x1 = p.x1 as number;
  const x2 = p.x2 as number;
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) + 10;
}

const braninSpace = parseSpace({
  parameters: { x1: { type: 'float', min: -5, max: 10 }, x2: { type: 'float', min: 0, max: 15 } },
});

/**
 * A conditional mixed space: `kind` opens a different set of parameters. The minimum, 0, is at
 * kind a, x = 45, mode r, level 13; branch b bottoms out at 1.5 and branch c is a flat 4.
 */
const mixedSpace = parseSpace({
  parameters: {
    kind: {
      type: 'categorical',
      values: ['a', 'b', 'c'],
      branches: {
        a: {
          x: { type: 'int', min: 1, max: 64 },
          mode: { type: 'categorical', values: ['p', 'q', 'r', 's'] },
        },
        b: { x: { type: 'int', min: 1, max: 100 }, z: { type: 'float', min: 0, max: 1 } },
      },
    },
    level: { type: 'int', min: 0, max: 20 },
  },
});

function mixed(p: Params): number {
  const level = ((p.level as number) - 13) ** 2 / 20;
  if (p.kind === 'a') return ((p.x as number) - 45) ** 2 / 200 + (p.mode === 'r' ? 0 : 2) + level;
  if (p.kind === 'b')
    return 1.5 + (((p.x as number) - 20) / 30) ** 2 + 4 * ((p.z as number) - 0.8) ** 2 + level;
  return 4 + level;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function medianBest(make: (seed: number) => Optimizer, objective: (p: Params) => number): number {
  const bests: number[] = [];
  for (let seed = 1; seed <= 20; seed++) bests.push(optimize(make(seed), objective, 50)!.value!);
  return median(bests);
}

describe('TPE against random search (20 seeds, 50 trials, median best)', () => {
  it('wins on Branin (continuous, minimize)', () => {
    const tpe = medianBest((seed) => new TpeOptimizer(braninSpace, { seed }), branin);
    const random = medianBest((seed) => new RandomSearch(braninSpace, { seed }), branin);
    console.log(
      `Branin: TPE median best ${tpe.toFixed(4)}, random search median best ${random.toFixed(4)} (optimum 0.3979)`,
    );
    expect(tpe).toBeLessThan(random);
    expect(tpe).toBeGreaterThanOrEqual(0.397887 - 1e-6);
  });

  it('wins on a mixed categorical/integer conditional space', () => {
    const tpe = medianBest((seed) => new TpeOptimizer(mixedSpace, { seed }), mixed);
    const random = medianBest((seed) => new RandomSearch(mixedSpace, { seed }), mixed);
    console.log(
      `Mixed conditional: TPE median best ${tpe.toFixed(4)}, random search median best ${random.toFixed(4)} (optimum 0)`,
    );
    expect(tpe).toBeLessThan(random);
  });

  it('maximizes when asked: maximizing -f proposes exactly what minimizing f does', () => {
    const up = new TpeOptimizer(mixedSpace, { seed: 3, direction: 'maximize' });
    const down = new TpeOptimizer(mixedSpace, { seed: 3 });
    const best = optimize(up, (p) => -mixed(p), 40)!;
    optimize(down, mixed, 40);
    expect(up.history.map((t) => t.params)).toEqual(down.history.map((t) => t.params));
    expect(best.value).toBe(Math.max(...up.history.map((t) => t.value!)));
    expect(best.value).toBe(-down.best()!.value!);
  });
});

describe('TpeOptimizer', () => {
  it('only proposes points of the space, with branch parameters only under their branch', () => {
    const tpe = new TpeOptimizer(mixedSpace, { seed: 9, startupTrials: 3 });
    for (let i = 0; i < 30; i++) {
      const p = tpe.ask();
      expect(Object.keys(p).sort()).toEqual(
        p.kind === 'a'
          ? ['kind', 'level', 'mode', 'x']
          : p.kind === 'b'
            ? ['kind', 'level', 'x', 'z']
            : ['kind', 'level'],
      );
      if (p.kind === 'b') expect(p.x).toSatisfy((x: number) => Number.isInteger(x) && x >= 1 && x <= 100);
      tpe.tell(p, mixed(p));
    }
  });

  it('is deterministic for a seed and resumes from a replayed history', () => {
    const run = (n: number): Optimizer => {
      const o = new TpeOptimizer(braninSpace, { seed: 4 });
      optimize(o, branin, n);
      return o;
    };
    const full = run(25);
    const resumed = new TpeOptimizer(braninSpace, { seed: 4 });
    for (const t of full.history.slice(0, 18)) resumed.tell(t.params, t.value);
    for (let i = 18; i < 25; i++) {
      const p = resumed.ask();
      expect(p).toEqual(full.history[i]!.params);
      resumed.tell(p, branin(p));
    }
    expect(new TpeOptimizer(braninSpace, { seed: 5 }).ask()).not.toEqual(full.history[0]!.params);
  });

  it('counts failed trials as the worst and never reports them as best', () => {
    const tpe = new TpeOptimizer(braninSpace, { seed: 2, startupTrials: 2 });
    optimize(tpe, (p) => ((p.x1 as number) > 5 ? null : branin(p)), 30);
    expect(tpe.best()!.value).not.toBeNull();
    expect(tpe.history.some((t) => t.value === null)).toBe(true);
  });

  it('refuses parameters outside the space and bad settings', () => {
    const tpe = new TpeOptimizer(braninSpace);
    expect(() => tpe.tell({ x1: 20, x2: 1 }, 1)).toThrow(/trial 0: x1: 20 is not in \[-5, 10\]/);
    expect(() => tpe.tell({ x1: 0, x2: 1, x3: 1 }, 1)).toThrow(/x3: not a parameter/);
    expect(() => new TpeOptimizer(braninSpace, { gamma: 1.5 })).toThrow(UserError);
    expect(() => new RandomSearch(braninSpace, { direction: 'up' as 'minimize' })).toThrow(/direction/);
  });
});

/** The shape of the default space, small: 2 + 2 x 2 + 1 = 7 points. */
const smallSpace = parseSpace({
  parameters: {
    memory: {
      type: 'categorical',
      values: [1024, 2048, 4096],
      branches: {
        '1024': { batchSize: { type: 'categorical', values: [8, 16] } },
        '2048': {
          batchSize: { type: 'categorical', values: [8, 16] },
          replicas: { type: 'int', min: 1, max: 2 },
        },
      },
    },
  },
});
const key = (p: Params): string => JSON.stringify(Object.entries(p).sort());

describe('a discrete space: no point twice', () => {
  const noisy = (p: Params): number =>
    (p.memory === 2048 && p.batchSize === 16 ? 10 : 1) + (Number(p.replicas ?? 0) % 2);

  for (const [name, make] of [
    ['TPE', (seed: number) => new TpeOptimizer(smallSpace, { seed, startupTrials: 3 })],
    ['random search', (seed: number) => new RandomSearch(smallSpace, { seed })],
  ] as const) {
    it(`${name} tries each of the 7 points once, then stops`, () => {
      for (let seed = 1; seed <= 10; seed++) {
        const optimizer: Optimizer = make(seed);
        expect(optimizer.remaining()).toBe(7);
        optimize(optimizer, noisy, 20);
        const keys = optimizer.history.map((t) => key(t.params));
        expect(keys).toHaveLength(7);
        expect(new Set(keys).size).toBe(7);
        expect(optimizer.remaining()).toBe(0);
        expect(() => optimizer.ask()).toThrow(/all 7 points of the search space have been tried/);
      }
    });
  }

  it('TPE, focused on one good point, proposes untried neighbours rather than the best again', () => {
    const tpe = new TpeOptimizer(smallSpace, { seed: 3, startupTrials: 2 });
    for (let i = 0; i < 6; i++) {
      const p = tpe.ask();
      expect(tpe.history.map((t) => key(t.params))).not.toContain(key(p));
      tpe.tell(p, noisy(p));
    }
    expect(tpe.remaining()).toBe(1);
  });

  it('a replayed history with a repeated point (an older log) counts the point once', () => {
    const tpe = new TpeOptimizer(smallSpace, { seed: 1 });
    tpe.tell({ memory: 4096 }, 1);
    tpe.tell({ memory: 4096 }, 2);
    expect(tpe.remaining()).toBe(6);
    expect(tpe.ask()).not.toEqual({ memory: 4096 });
  });
});
