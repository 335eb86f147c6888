/** Axes of a plot (pure): "nice" ticks on linear and log scales, the value-to-pixel map, and the frame drawn from them. */
import { escapeXml, formatTick } from './format.js';

/**
 * "Nice" linear ticks (steps of 1, 2 or 5 x 10^k) covering [min, max]; `integers` keeps the
 * step at 1 or more, for counts (functions, jobs, images), where a tick at 0.5 means nothing.
 */
export function linearTicks(min: number, max: number, target = 6, integers = false): number[] {
  if (min === max) return [min];
  const raw = (max - min) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const nice = ([1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag) as number;
  const step = integers ? Math.max(1, nice) : nice;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step - 1e-9) * step; t <= max + step * 1e-9; t += step)
    ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** Ticks within each decade, sparsest first: the first set giving enough ticks is used. */
const LOG_MULTIPLIERS = [[1], [1, 2, 5], [1, 2, 3, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]] as const;

/**
 * Log ticks: powers of ten, with 2 and 5 (then 3, then every digit) between them where the range
 * spans too few decades for 4 ticks.
 */
export function logTicks(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  let ticks: number[] = [];
  for (const multipliers of LOG_MULTIPLIERS) {
    ticks = [];
    for (let e = lo; e <= hi; e++) {
      for (const m of multipliers) {
        const t = Number((m * 10 ** e).toPrecision(12));
        if (t >= min * (1 - 1e-9) && t <= max * (1 + 1e-9)) ticks.push(t);
      }
    }
    if (ticks.length >= 4) break;
  }
  return ticks.length >= 2 ? ticks : [min, max];
}

/** An axis: where a value lands in pixels, and its ticks. */
export interface Axis {
  toPixel(v: number): number;
  ticks: number[];
  log: boolean;
  /** The values at the two ends of the axis. */
  domain: readonly [number, number];
}

/**
 * An axis covering `values` (padded by 4 %) from pixel `from` to pixel `to`. `fromZero` keeps 0
 * in view on a linear axis (counts and durations read better from 0, and never go below it);
 * `integers` ticks whole numbers only.
 */
export function makeAxis(
  values: readonly number[],
  log: boolean,
  from: number,
  to: number,
  fromZero = false,
  integers = false,
): Axis {
  const finite = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  let min = finite.length > 0 ? Math.min(...finite) : NaN;
  let max = finite.length > 0 ? Math.max(...finite) : NaN;
  if (!Number.isFinite(min)) [min, max] = log ? [1, 10] : [0, 1];
  if (fromZero && !log) [min, max] = [Math.min(0, min), Math.max(0, max)];
  if (min === max && fromZero && !log && min === 0) max = 1;
  if (min === max)
    [min, max] = log
      ? [min / 2, max * 2]
      : [min - (Math.abs(min) || 1) * 0.5, max + (Math.abs(max) || 1) * 0.5];
  if (log) {
    const [lmin, lmax] = [Math.log10(min), Math.log10(max)];
    const pad = (lmax - lmin) * 0.04;
    const [a, b] = [lmin - pad, lmax + pad];
    return {
      toPixel: (v) => from + ((Math.log10(v) - a) / (b - a)) * (to - from),
      ticks: logTicks(10 ** a, 10 ** b),
      log,
      domain: [10 ** a, 10 ** b],
    };
  }
  const pad = (max - min) * 0.04;
  const [a, b] = [fromZero && min === 0 ? 0 : min - pad, max + pad];
  return {
    toPixel: (v) => from + ((v - a) / (b - a)) * (to - from),
    ticks: linearTicks(a, b, 6, integers),
    log,
    domain: [a, b],
  };
}

/** How many times the largest value must exceed the smallest for a log axis to read better. */
export const LOG_SCALE_RATIO = 50;

/**
 * Whether `values` span enough orders of magnitude that a log axis shows them better than a
 * linear one (where the small ones would sit on the axis). Only where every finite value is
 * positive, so that a log axis leaves no point out.
 */
export function spansDecades(values: readonly number[]): boolean {
  const finite = values.filter(Number.isFinite);
  if (finite.length < 2 || finite.some((v) => v <= 0)) return false;
  return Math.max(...finite) / Math.min(...finite) >= LOG_SCALE_RATIO;
}

/** The plot's frame: grid lines at the ticks, tick labels, and the box around the plot area. */
export function axesSvg(
  xAxis: Axis,
  yAxis: Axis,
  area: { left: number; top: number; right: number; bottom: number },
): string[] {
  const fmt = (n: number): string => n.toFixed(1);
  const out = ['<g class="grid" stroke="#e3e3e3">'];
  for (const t of xAxis.ticks) {
    const x = fmt(xAxis.toPixel(t));
    out.push(`<line x1="${x}" y1="${area.top}" x2="${x}" y2="${area.bottom}"/>`);
  }
  for (const t of yAxis.ticks) {
    const y = fmt(yAxis.toPixel(t));
    out.push(`<line x1="${area.left}" y1="${y}" x2="${area.right}" y2="${y}"/>`);
  }
  out.push('</g>', '<g class="tick-labels" fill="#222">');
  for (const t of xAxis.ticks)
    out.push(
      `<text x="${fmt(xAxis.toPixel(t))}" y="${area.bottom + 17}" text-anchor="middle">${escapeXml(formatTick(t))}</text>`,
    );
  for (const t of yAxis.ticks)
    out.push(
      `<text x="${area.left - 7}" y="${fmt(yAxis.toPixel(t) + 4)}" text-anchor="end">${escapeXml(formatTick(t))}</text>`,
    );
  out.push(
    '</g>',
    `<rect x="${area.left}" y="${area.top}" width="${area.right - area.left}" height="${area.bottom - area.top}" fill="none" stroke="#222"/>`,
  );
  return out;
}
