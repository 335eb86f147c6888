import { describe, expect, it } from 'vitest';
import { formatPlanComparison } from './plan-compare.js';
import type { PlanReport } from './plan-run.js';

const plan = (precision: PlanReport['precision'], pricePerSecondUsd: number): PlanReport => ({
  workers: 4,
  predictedCprPerMillion: 3.5,
  predictedLatencySeconds: 42,
  feasible: true,
  target: { type: 'cpr', usdPerMillion: 5 },
  maxWorkersConsidered: 32,
  meeting: { count: 29, ranges: [[4, 32]] },
  images: 1000,
  pricePerSecondUsd,
  memoryMb: 3008,
  modelFile: `/m/cpr-model-${precision}.json`,
  precision,
  latencyModel: 'fitted',
  extrapolation: { sampled: null, images: null, workers: null },
  warnings: [],
});

describe('formatPlanComparison', () => {
  it('prints the target, the predicted CPR and the price through the dollar formatter', () => {
    const text = formatPlanComparison({
      images: 1000,
      target: { type: 'cpr', usdPerMillion: 5 },
      plans: [plan('fp32', 4.8958e-5), plan('int8', 1.6667e-5)],
    });
    expect(text).toMatch(/^target +\$5\.00 per million images, 1000 images$/m);
    expect(text).toMatch(/^predicted CPR +\$3\.50 per million +\$3\.50 per million$/m);
    expect(text).toMatch(
      /^price +\$0\.0000490 per function-second \(3008 MB\) +\$0\.0000167 per function-second \(3008 MB\)$/m,
    );
    expect(text).not.toMatch(/\de-\d/);
  });
});
