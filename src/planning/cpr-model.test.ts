import { describe, expect, it } from 'vitest';
import { Random } from '../core/random.js';
import { SpecError, UserError } from '../errors.js';
import { fitCprModel } from './cpr-fit.js';
import {
  parseCprModel,
  predictCpr,
  predictLatency,
  predictSeconds,
  REFERENCE_CPR_MODEL,
  type CprModel,
} from './cpr-model.js';
import { parseCprSamples, type CprSample } from './cpr-records.js';
import { leastSquares, nonNegativeLeastSquares } from './least-squares.js';
import { samplingPlan } from './sampling-plan.js';

const PRICE_3008 = (3008 / 1024) * 1.6667e-5;

/** The reference's formula, written out as its notebook evaluated it. */
function referenceSeconds(w: number, n: number): number {
  return (
    Math.exp(0.79864 * Math.log(n) + 0.17423 * Math.log(w) + -0.76546) +
    Math.exp(0.99926 * Math.log(w) + 1.61964)
  );
}

/** Jobs of the reference's sampling plan, timed by `truth` with multiplicative log-normal noise. */
function syntheticSamples(truth: CprModel, noise: number, seed: number): CprSample[] {
  const random = new Random(seed);
  return samplingPlan({ maxImages: 1000, batchSize: 16, seed }).map(({ images, workers }) => {
    const jitter = (): number => Math.exp(random.normal(0, noise));
    const computeSeconds =
      Math.exp(
        truth.compute.b2 * Math.log(images) + truth.compute.b1 * Math.log(workers) + truth.compute.b3,
      ) * jitter();
    const initSeconds = Math.exp(truth.init.a1 * Math.log(workers) + truth.init.a0) * jitter();
    return {
      images,
      workers,
      computeSeconds,
      initSeconds,
      latencySeconds: predictLatency(truth, workers, images) * jitter(),
      costUsd: (computeSeconds + initSeconds) * PRICE_3008,
      memoryMb: 3008,
    };
  });
}

describe('least squares', () => {
  it('solves an overdetermined system exactly when it is consistent', () => {
    const rows = [
      [1, 2, 1],
      [2, 0, 1],
      [3, 1, 1],
      [4, 5, 1],
      [0.5, 0.25, 1],
    ];
    const fit = leastSquares(
      rows,
      rows.map((r) => 2 * r[0]! - 3 * r[1]! + 0.5),
    );
    expect(fit.fullRank).toBe(true);
    expect(fit.coefficients[0]).toBeCloseTo(2, 10);
    expect(fit.coefficients[1]).toBeCloseTo(-3, 10);
    expect(fit.coefficients[2]).toBeCloseTo(0.5, 10);
    expect(fit.residualSumOfSquares).toBeLessThan(1e-20);
  });

  it('reports a rank-deficient design', () => {
    const fit = leastSquares(
      [
        [1, 2],
        [2, 4],
        [3, 6],
      ],
      [1, 2, 3],
    );
    expect(fit.fullRank).toBe(false);
  });

  it('keeps coefficients non-negative when asked', () => {
    const rows = [
      [1, 1],
      [1, 2],
      [1, 3],
    ];
    const fit = nonNegativeLeastSquares(rows, [3, 2, 1]);
    expect(fit.coefficients[1]).toBe(0);
    expect(fit.coefficients[0]).toBeCloseTo(2, 10);
  });
});

describe('CPR model in the reference layout', () => {
  const referenceJson = {
    init: { coef: [0.99926], intercept: 1.61964 },
    acc: { coef_i: 0.79864, coef_f: 0.17423, intercept: -0.76546 },
  };

  it("reproduces the reference formula's predictions exactly", () => {
    const model = parseCprModel(referenceJson);
    for (const [w, n] of [
      [1, 1],
      [10, 1000],
      [3, 77],
      [250, 8000],
    ] as const) {
      expect(predictSeconds(model, w, n)).toBe(referenceSeconds(w, n));
      expect(predictCpr(model, w, n, PRICE_3008)).toBe((referenceSeconds(w, n) * PRICE_3008) / n);
    }
    // Worked independently: 172.868 s compute + 50.427 s init for 1000 images on 10 workers.
    expect(predictSeconds(model, 10, 1000)).toBeCloseTo(223.294854, 5);
    expect(predictCpr(model, 10, 1000, PRICE_3008) * 1e6).toBeCloseTo(10.93236, 4);
  });

  it('accepts coef as a plain number and matches the shipped reference model', () => {
    const model = parseCprModel({ ...referenceJson, init: { coef: 0.99926, intercept: 1.61964 } });
    expect(model.init).toEqual(REFERENCE_CPR_MODEL.init);
    expect(model.compute).toEqual(REFERENCE_CPR_MODEL.compute);
  });

  it('names every missing or bad field', () => {
    expect(() => parseCprModel({ init: { coef: 'x' }, acc: { coef_i: 1 } }, 'm.json')).toThrow(
      "invalid CPR model m.json: init.coef: expected a number or a list of one number, got 'x'; init.intercept: missing: expected a number; acc.coef_f: missing: expected a number; acc.intercept: missing: expected a number",
    );
    expect(() => parseCprModel({ init: { a0: 1, a1: 1 } })).toThrow(/compute: missing: expected an object/);
    expect(() => parseCprModel([1, 2])).toThrow(UserError);
    expect(() => parseCprModel({ ...REFERENCE_CPR_MODEL, memoryMB: 3008 }, 'm.json')).toThrow(
      "invalid CPR model m.json: memoryMB: unknown key; did you mean 'memoryMb'?",
    );
  });

  it('round-trips our own layout through JSON', () => {
    const model: CprModel = {
      ...REFERENCE_CPR_MODEL,
      latency: { c0: 2, c1: 1.1, c2: 0.01 },
      pricePerSecondUsd: PRICE_3008,
    };
    expect(parseCprModel(JSON.parse(JSON.stringify(model)))).toEqual(model);
  });
});

describe('fitCprModel', () => {
  const truth: CprModel = { ...REFERENCE_CPR_MODEL, latency: { c0: 3, c1: 1.1, c2: 0.05 } };

  it('recovers known coefficients within 5% from noisy samples of the model itself', () => {
    const model = fitCprModel(syntheticSamples(truth, 0.02, 7), { pricePerSecondUsd: PRICE_3008 });
    const pairs: [number, number][] = [
      [model.init.a0, truth.init.a0],
      [model.init.a1, truth.init.a1],
      [model.compute.b1, truth.compute.b1],
      [model.compute.b2, truth.compute.b2],
      [model.compute.b3, truth.compute.b3],
    ];
    for (const [got, want] of pairs) expect(Math.abs(got - want) / Math.abs(want)).toBeLessThan(0.05);
    expect(model.latency!.c0).toBeGreaterThan(2.5);
    expect(model.latency!.c0).toBeLessThan(3.5);
    expect(Math.abs(model.latency!.c1 - 1.1) / 1.1).toBeLessThan(0.05);
    expect(model.fit!.samples).toBe(60);
    expect(model.fit!.heldOut).toBe(60);
    expect(model.fit!.method).toBe('5-fold');
    expect(model.fit!.mapeCpr!).toBeLessThan(0.05);
    expect(model.fit!.mapeLatency!).toBeLessThan(0.05);
    expect(model.memoryMb).toBe(3008);
  });

  it('measures a larger held-out error on noisier samples', () => {
    const quiet = fitCprModel(syntheticSamples(truth, 0.02, 3)).fit!;
    const noisy = fitCprModel(syntheticSamples(truth, 0.3, 3)).fit!;
    expect(noisy.mapeCpr!).toBeGreaterThan(quiet.mapeCpr! * 3);
    expect(noisy.rmseLogSeconds!).toBeGreaterThan(quiet.rmseLogSeconds!);
  });

  it('refuses empty, single and too few samples', () => {
    expect(() => fitCprModel([])).toThrow(/from 0 sample\(s\): need at least 3/);
    expect(() => fitCprModel(syntheticSamples(truth, 0, 1).slice(0, 1))).toThrow(/from 1 sample/);
  });

  it('names the record and field of NaN, negative, zero and fractional values', () => {
    const samples: unknown[] = syntheticSamples(truth, 0, 1).slice(0, 5);
    samples[1] = { ...(samples[1] as object), computeSeconds: Number.NaN };
    samples[3] = { ...(samples[3] as object), initSeconds: -2, workers: 2.5 };
    samples[4] = { ...(samples[4] as object), latencySeconds: 0 };
    const error = (() => {
      try {
        fitCprModel(samples);
      } catch (err) {
        return err as SpecError;
      }
      throw new Error('expected a refusal');
    })();
    expect(error).toBeInstanceOf(SpecError);
    expect(error.issues.map((i) => i.path)).toEqual([
      'sample 1: computeSeconds',
      'sample 3: workers',
      'sample 3: initSeconds',
      'sample 4: latencySeconds',
    ]);
  });

  it('refuses samples that cannot pin the model down, or mix memory sizes', () => {
    const one = [10, 20, 40, 80].map((images) => ({
      ...syntheticSamples(truth, 0, 1)[0]!,
      images,
      workers: 1,
    }));
    expect(() => fitCprModel(one)).toThrow(/every sample uses 1 worker/);
    const mixed = syntheticSamples(truth, 0, 1).map((s, i) => ({ ...s, memoryMb: i % 2 ? 1769 : 3008 }));
    expect(() => fitCprModel(mixed)).toThrow(/mix memory sizes \(3008, 1769 MB\)/);
  });
});

describe('parseCprSamples', () => {
  it('reads JSONL and reports bad lines by number', () => {
    const good =
      '{"images":64,"workers":2,"computeSeconds":10,"initSeconds":3,"latencySeconds":7,"costUsd":0.001,"memoryMb":3008,"job":"a"}';
    expect(parseCprSamples(`${good}\n\n${good}\n`)).toHaveLength(2);
    expect(() =>
      parseCprSamples(`${good}\n{oops\n${good.replace('"workers":2', '"workers":-1')}\n`, 'd/samples.jsonl'),
    ).toThrow(
      /d\/samples\.jsonl:2: not valid JSON; d\/samples\.jsonl:3: workers: expected an integer >= 1, got -1/,
    );
  });
});
