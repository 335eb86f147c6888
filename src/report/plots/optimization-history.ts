/** The optimizer's history as a plot: every trial's value, and the best value so far. */
import { renderSvgPlot, type PlotPoint } from '../svg/plot.js';

/** The fields of a trial the plot reads (see `planning/tpe.ts`). */
export interface HistoryTrial {
  number: number;
  value: number | null;
}

/** Options of {@link optimizationHistoryPlot}. */
export interface HistoryPlotOptions {
  direction: 'minimize' | 'maximize';
  /** What the objective measures, e.g. `images per dollar`. */
  objective: string;
  title?: string;
  yLog?: boolean;
}

/** Best value after each trial (failed trials, `value: null`, keep the previous best). */
export function bestSoFar(trials: readonly HistoryTrial[], direction: 'minimize' | 'maximize'): PlotPoint[] {
  const points: PlotPoint[] = [];
  let best: number | undefined;
  for (const t of trials) {
    if (t.value !== null && Number.isFinite(t.value)) {
      if (best === undefined || (direction === 'minimize' ? t.value < best : t.value > best)) best = t.value;
    }
    if (best !== undefined) points.push({ x: t.number, y: best });
  }
  return points;
}

/** An SVG of trial values (dots) and the best so far (a step line) against the trial number. */
export function optimizationHistoryPlot(
  trials: readonly HistoryTrial[],
  options: HistoryPlotOptions,
): string {
  const values = trials.filter((t) => t.value !== null).map((t) => ({ x: t.number, y: t.value as number }));
  // Failed trials sit on the lowest value, so that they show without stretching the axis.
  const floor = Math.min(...values.map((p) => p.y));
  const failed = Number.isFinite(floor)
    ? trials.filter((t) => t.value === null).map((t) => ({ x: t.number, y: floor }))
    : [];
  return renderSvgPlot({
    title: options.title ?? `Optimization history (${options.direction} ${options.objective})`,
    xLabel: 'trial (in the order run)',
    xIntegers: true,
    yLabel: options.objective,
    yLog: options.yLog ?? false,
    series: [
      { name: 'trial value', points: values, style: 'dots' },
      ...(failed.length > 0
        ? [
            {
              name: 'failed trial (no value)',
              points: failed,
              style: 'dots' as const,
              marker: 'triangle' as const,
              color: '#999',
            },
          ]
        : []),
      { name: 'best so far', points: bestSoFar(trials, options.direction), style: 'step' },
    ],
  });
}
