/**
 * The trade-off behind `obifaas plan`: predicted cost per million images and predicted latency
 * against workers, each with the target and the chosen worker count marked.
 */
import type { Plan, PlanOption } from '../../planning/planner.js';
import { spansDecades } from '../svg/axes.js';
import { PALETTE, renderSvgPlot, type ReferenceLine } from '../svg/plot.js';
import { stackSvg } from '../svg/stack.js';
import { formatUsd } from '../../util/money.js';

/** The SVG figure of a plan: two panels sharing the workers axis. */
export function planTradeoffPlot(options: readonly PlanOption[], plan: Plan, images: number): string {
  const xLog = options.length > 50;
  const chosen = (y: number): { x: number; y: number }[] => [{ x: plan.workers, y }];
  const target = plan.target;
  const cprTarget: ReferenceLine[] =
    target.type === 'cpr'
      ? [
          {
            axis: 'y',
            value: target.usdPerMillion,
            name: `target: ${formatUsd(target.usdPerMillion)} per million`,
            color: PALETTE[1],
          },
        ]
      : [];
  const deadline: ReferenceLine[] =
    target.type === 'deadline'
      ? [{ axis: 'y', value: target.seconds, name: `deadline: ${target.seconds} s`, color: PALETTE[1] }]
      : [];
  const chosenName = `chosen: ${plan.workers} workers${plan.feasible ? '' : ' (target not met)'}`;
  const count = images.toLocaleString('en-US');
  const latencies = options.map((o) => o.predictedLatencySeconds).filter((v) => v > 0);
  const latencyLog = spansDecades(latencies);
  return stackSvg(
    [
      renderSvgPlot({
        title: `Plan for ${count} images: predicted cost against workers`,
        xLabel: 'workers (concurrent functions)',
        xIntegers: true,
        yLabel: 'predicted cost per million images (USD)',
        xLog,
        yFromZero: true,
        referenceLines: cprTarget,
        series: [
          {
            name: 'predicted cost',
            style: 'line',
            points: options.map((o) => ({ x: o.workers, y: o.predictedCprPerMillion })),
          },
          {
            name: chosenName,
            style: 'dots',
            marker: 'diamond',
            markerSize: 6,
            color: PALETTE[6],
            points: chosen(plan.predictedCprPerMillion),
          },
        ],
      }),
      renderSvgPlot({
        title: `Plan for ${count} images: predicted latency against workers`,
        xLabel: 'workers (concurrent functions)',
        xIntegers: true,
        yLabel: 'predicted latency (s)',
        xLog,
        yLog: latencyLog,
        yFromZero: !latencyLog,
        referenceLines: deadline,
        series: [
          {
            name: 'predicted latency',
            style: 'line',
            color: PALETTE[2],
            points: options.map((o) => ({ x: o.workers, y: o.predictedLatencySeconds })),
          },
          {
            name: chosenName,
            style: 'dots',
            marker: 'diamond',
            markerSize: 6,
            color: PALETTE[6],
            points: chosen(plan.predictedLatencySeconds),
          },
        ],
      }),
    ],
    `Plan for ${count} images`,
  );
}
