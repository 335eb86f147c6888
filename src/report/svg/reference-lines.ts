/**
 * Reference lines of a plot (pure SVG text): caps, targets and deadlines dashed across the plot,
 * and the line y = x.
 */
import type { Axis } from './axes.js';
import { DASH, type ReferenceLine } from './plot-types.js';

/** The plot's area in pixels, inside its axes. */
export interface PlotArea {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

const DEFAULT_COLOR = '#555';
const fmt = (n: number): string => n.toFixed(1);

/** The lines, dashed across the plot. */
export function referenceLinesSvg(
  lines: readonly ReferenceLine[],
  xAxis: Axis,
  yAxis: Axis,
  area: PlotArea,
): string[] {
  return lines.map((line) => {
    const color = line.color ?? DEFAULT_COLOR;
    if (line.axis === 'y') {
      const y = fmt(yAxis.toPixel(line.value));
      return `<line class="reference" x1="${area.left}" y1="${y}" x2="${area.right}" y2="${y}" stroke="${color}" stroke-width="1.6" stroke-dasharray="${DASH}"/>`;
    }
    const x = fmt(xAxis.toPixel(line.value));
    return `<line class="reference" x1="${x}" y1="${area.top}" x2="${x}" y2="${area.bottom}" stroke="${color}" stroke-width="1.6" stroke-dasharray="${DASH}"/>`;
  });
}

/** The line y = x across the part of the plot both axes share (none where they share none). */
export function diagonalSvg(xAxis: Axis, yAxis: Axis): string[] {
  const lo = Math.max(xAxis.domain[0], yAxis.domain[0]);
  const hi = Math.min(xAxis.domain[1], yAxis.domain[1]);
  if (!(hi > lo)) return [];
  return [
    `<line class="diagonal" x1="${fmt(xAxis.toPixel(lo))}" y1="${fmt(yAxis.toPixel(lo))}" x2="${fmt(xAxis.toPixel(hi))}" y2="${fmt(yAxis.toPixel(hi))}" stroke="${DEFAULT_COLOR}" stroke-width="1.4" stroke-dasharray="${DASH}"/>`,
  ];
}
