import { describe, expect, it } from 'vitest';
import { meetingTarget, type Plan, type PlanOption, type PlanTarget } from '../../planning/planner.js';
import { planTradeoffPlot } from './plan-tradeoff.js';

const options: PlanOption[] = [1, 2, 3].map((workers) => ({
  workers,
  predictedCprPerMillion: 2 + workers,
  predictedLatencySeconds: 60 / workers,
}));

function planFor(target: PlanTarget): Plan {
  return {
    ...options[0]!,
    feasible: true,
    target,
    maxWorkersConsidered: 3,
    meeting: meetingTarget(options, target),
  };
}

describe('planTradeoffPlot', () => {
  it.each([
    [2.5, '$2.50'],
    [1e-7, '$0.000000100'],
    [0.1 + 0.2, '$0.300'],
  ])('labels a CPR target of %s as %s per million', (usdPerMillion, text) => {
    const svg = planTradeoffPlot(options, planFor({ type: 'cpr', usdPerMillion }), 1000);
    expect(svg).toContain(`target: ${text} per million`);
    expect(svg).not.toMatch(/target: \$[\d.]*e-/);
  });
});
