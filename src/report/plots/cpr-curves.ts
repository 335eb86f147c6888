/**
 * The CPR model against its samples, as a figure with two panels: predicted cost per million
 * images against workers (one curve per image count, solid where samples back it and dashed
 * where it extrapolates, measured means with min-max error bars), and each sample's predicted
 * against its measured cost, with the line y = x.
 */
import { measuredCpr } from '../../planning/cpr-fit.js';
import { predictCpr, predictLatency, type CprModel } from '../../planning/cpr-model.js';
import type { CprSample } from '../../planning/cpr-records.js';
import { PALETTE, renderSvgPlot, type PlotPoint, type PlotSeries } from '../svg/plot.js';
import { stackSvg } from '../svg/stack.js';

/** Options of {@link cprCurvesPlot}. */
export interface CprPlotOptions {
  pricePerSecondUsd: number;
  /** Image counts to draw a curve for; default: up to 4 spread over the samples' range. */
  imageCounts?: number[];
  /** Largest worker count on the x axis; default: the samples' largest, at least 8. */
  maxWorkers?: number;
  title?: string;
}

/** Up to `count` image counts spread evenly on a log scale over the samples' range. */
export function curveImageCounts(samples: readonly CprSample[], count = 4): number[] {
  const images = samples.map((s) => s.images);
  const [lo, hi] = [Math.min(...images), Math.max(...images)];
  if (!Number.isFinite(lo)) return [1000];
  if (lo === hi) return [lo];
  const counts = Array.from({ length: count }, (_, i) =>
    Math.round(Math.exp(Math.log(lo) + ((Math.log(hi) - Math.log(lo)) * i) / (count - 1))),
  );
  return [...new Set(counts)];
}

/** Mean and range of the values of each x, sorted by x. */
export function meanWithRange(points: readonly PlotPoint[]): PlotPoint[] {
  const byX = new Map<number, number[]>();
  for (const p of points) byX.set(p.x, [...(byX.get(p.x) ?? []), p.y]);
  return [...byX.entries()]
    .sort(([a], [b]) => a - b)
    .map(([x, ys]) => {
      const y = ys.reduce((s, v) => s + v, 0) / ys.length;
      return ys.length > 1 ? { x, y, yLow: Math.min(...ys), yHigh: Math.max(...ys) } : { x, y };
    });
}

const PER_MILLION = 1e6;

/**
 * The SVG figure. Each sample is drawn in the colour of the curve whose image count is nearest
 * (on a log scale); samples at the same worker count are drawn as their mean with a bar from
 * the lowest to the highest.
 */
export function cprCurvesPlot(
  model: CprModel,
  samples: readonly CprSample[],
  options: CprPlotOptions,
): string {
  const price = options.pricePerSecondUsd;
  const counts = options.imageCounts ?? curveImageCounts(samples);
  const maxWorkers = options.maxWorkers ?? Math.max(8, ...samples.map((s) => s.workers));
  const workers: number[] = [];
  for (let w = 1; w <= maxWorkers; w = w < 10 ? w + 1 : Math.ceil(w * 1.1)) workers.push(w);
  if (workers[workers.length - 1] !== maxWorkers) workers.push(maxWorkers);
  const nearest = (n: number): number =>
    counts.reduce(
      (best, c, i) => (Math.abs(Math.log(c / n)) < Math.abs(Math.log(counts[best]! / n)) ? i : best),
      0,
    );
  const allWorkers = samples.map((s) => s.workers);
  const curves: PlotSeries[] = [];
  const measured: PlotSeries[] = [];
  counts.forEach((n, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    const mine = samples.filter((s) => nearest(s.images) === i);
    const backing = mine.length > 0 ? mine.map((s) => s.workers) : allWorkers;
    curves.push({
      name: `model, ${n.toLocaleString('en-US')} images`,
      style: 'line',
      color,
      points: workers.map((w) => ({ x: w, y: predictCpr(model, w, n, price) * PER_MILLION })),
      ...(backing.length > 0 ? { solidX: [Math.min(...backing), Math.max(...backing)] as const } : {}),
    });
    if (mine.length === 0) return;
    measured.push({
      name: `measured near ${n.toLocaleString('en-US')} images`,
      style: 'dots',
      color,
      points: meanWithRange(mine.map((s) => ({ x: s.workers, y: measuredCpr(s, price) * PER_MILLION }))),
    });
  });
  const curvesPanel = renderSvgPlot({
    title: options.title ?? 'CPR model: cost per million images against workers',
    xLabel: 'workers (concurrent functions)',
    xIntegers: true,
    yLabel: 'cost per million images (USD)',
    xLog: maxWorkers > 20,
    yLog: true,
    series: [...curves, ...measured],
  });
  if (samples.length === 0) return curvesPanel;
  return stackSvg(
    [
      curvesPanel,
      renderSvgPlot({
        title: 'Predicted against measured, per sample',
        xLabel: 'measured cost per million images (USD)',
        yLabel: 'predicted cost per million images (USD)',
        xLog: true,
        yLog: true,
        diagonal: 'y = x (perfect prediction)',
        series: [
          {
            name: 'cost per million images',
            style: 'dots',
            points: samples.map((s) => ({
              x: measuredCpr(s, price) * PER_MILLION,
              y: predictCpr(model, s.workers, s.images, price) * PER_MILLION,
            })),
          },
        ],
      }),
      renderSvgPlot({
        title: 'Latency: predicted against measured, per sample',
        xLabel: 'measured latency (s)',
        yLabel: 'predicted latency (s)',
        xLog: true,
        yLog: true,
        diagonal: 'y = x (perfect prediction)',
        series: [
          {
            name: 'latency',
            style: 'dots',
            marker: 'square',
            color: PALETTE[1],
            points: samples.map((s) => ({
              x: s.latencySeconds,
              y: predictLatency(model, s.workers, s.images),
            })),
          },
        ],
      }),
    ],
    options.title ?? 'CPR model against its samples',
  );
}
