/** The CPR model against its samples: predicted cost per million images vs workers. */
import { measuredCpr } from '../../planning/cpr-fit.js';
import { predictCpr, type CprModel } from '../../planning/cpr-model.js';
import type { CprSample } from '../../planning/cpr-records.js';
import { PALETTE, renderSvgPlot, type PlotSeries } from '../svg-plot.js';

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

/**
 * An SVG with one predicted-CPR curve per image count, and each sample's measured CPR as a dot
 * in the colour of the curve whose image count is nearest (on a log scale).
 */
export function cprCurvesPlot(
  model: CprModel,
  samples: readonly CprSample[],
  options: CprPlotOptions,
): string {
  const counts = options.imageCounts ?? curveImageCounts(samples);
  const maxWorkers = options.maxWorkers ?? Math.max(8, ...samples.map((s) => s.workers));
  const workers: number[] = [];
  for (let w = 1; w <= maxWorkers; w = w < 10 ? w + 1 : Math.ceil(w * 1.1)) workers.push(w);
  if (workers[workers.length - 1] !== maxWorkers) workers.push(maxWorkers);
  const series: PlotSeries[] = [];
  counts.forEach((n, i) => {
    series.push({
      name: `model, ${n} images`,
      style: 'line',
      color: PALETTE[i % PALETTE.length]!,
      points: workers.map((w) => ({ x: w, y: predictCpr(model, w, n, options.pricePerSecondUsd) * 1e6 })),
    });
  });
  const nearest = (n: number): number =>
    counts.reduce(
      (best, c, i) => (Math.abs(Math.log(c / n)) < Math.abs(Math.log(counts[best]! / n)) ? i : best),
      0,
    );
  counts.forEach((n, i) => {
    const mine = samples.filter((s) => nearest(s.images) === i);
    if (mine.length === 0) return;
    series.push({
      name: `samples near ${n} images`,
      style: 'dots',
      color: PALETTE[i % PALETTE.length]!,
      points: mine.map((s) => ({ x: s.workers, y: measuredCpr(s, options.pricePerSecondUsd) * 1e6 })),
    });
  });
  return renderSvgPlot({
    title: options.title ?? 'CPR model: predicted cost per million images vs workers, with samples',
    xLabel: 'workers',
    yLabel: 'USD per million images',
    xLog: maxWorkers > 20,
    yLog: true,
    series,
  });
}
