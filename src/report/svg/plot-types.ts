/**
 * What a plot is made of (its options, series, points and reference lines) and the styles its
 * parts share: the palette and the dash of lines that are not data.
 */
import type { Marker } from './markers.js';

/** One point of a series; `yLow`..`yHigh` draws an error bar. */
export interface PlotPoint {
  x: number;
  y: number;
  yLow?: number;
  yHigh?: number;
}

/** How a series is drawn. `step` holds each value until the next x (a best-so-far curve). */
export type SeriesStyle = 'line' | 'dots' | 'line+dots' | 'step';

/** A named set of points. */
export interface PlotSeries {
  name: string;
  points: readonly PlotPoint[];
  style: SeriesStyle;
  /** CSS colour; default: the next colour of the palette. */
  color?: string;
  /** Default `circle`. */
  marker?: Marker;
  /** Marker radius in pixels (default 4). */
  markerSize?: number;
  /** Draw the whole line dashed. */
  dashed?: boolean;
  /** The x range the line rests on data; outside it the line is dashed (an extrapolation). */
  solidX?: readonly [number, number];
}

/** A horizontal (`axis: 'y'`) or vertical (`axis: 'x'`) dashed line across the plot. */
export interface ReferenceLine {
  axis: 'x' | 'y';
  value: number;
  name: string;
  color?: string;
}

/** What to plot and how. */
export interface PlotOptions {
  title: string;
  /** Axis labels name the quantity and its unit: `latency (s)`. */
  xLabel: string;
  yLabel: string;
  series: readonly PlotSeries[];
  xLog?: boolean;
  yLog?: boolean;
  /** Keep 0 in view on a linear axis. */
  xFromZero?: boolean;
  yFromZero?: boolean;
  /** An axis that counts whole things (trials, workers, jobs, images): ticks at whole numbers only. */
  xIntegers?: boolean;
  yIntegers?: boolean;
  referenceLines?: readonly ReferenceLine[];
  /** Draw the line y = x with this legend name (predicted against measured). */
  diagonal?: string;
  /** Pixels: the whole width, and the height without the legend (default {@link DEFAULT_PLOT_WIDTH} x 440). */
  width?: number;
  height?: number;
}

/** Colours that stay apart for colour-blind readers (Okabe and Ito). */
export const PALETTE = [
  '#0072B2',
  '#D55E00',
  '#009E73',
  '#CC79A7',
  '#E69F00',
  '#56B4E9',
  '#000000',
  '#F0E442',
];

/** The dash of a line that is not measured data: an extrapolation, a reference line, y = x. */
export const DASH = '7 5';

/**
 * The width plots and bar charts are drawn at, in pixels. A report's figures shrink to the page's
 * width, never grow past this one: at a 400 px wide page (376 px for a figure) their 13 px text
 * is drawn at 9 px, the smallest the report's layout allows on a screen.
 */
export const DEFAULT_PLOT_WIDTH = 540;
