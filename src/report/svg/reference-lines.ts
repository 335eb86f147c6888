/**
 * Reference lines of a plot (pure SVG text): caps, targets and deadlines dashed across the plot,
 * each labelled at its end, and the line y = x. Lines at one value are drawn once, labelled with
 * every name (`cap: backend concurrency = planned workers`), and labels of lines closer than a
 * label's height are moved apart, so that no line hides another's label.
 */
import type { Axis } from './axes.js';
import { escapeXml } from './format.js';
import { DASH, type ReferenceLine } from './plot-types.js';

/** A rectangle in pixels: the plot's area inside its axes, or the box a label takes. */
export interface PlotArea {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

const LABEL_FONT_PX = 13;
/** The height a label takes, from the line above it to the next (its font and a gap). */
const LABEL_HEIGHT_PX = 16;
/** A generous width of one character of a 13 px sans-serif label. */
const LABEL_CHAR_PX = 7.2;
/** Between a label and its line, and between a label and the plot's frame. */
const GAP_PX = 4;
const DEFAULT_COLOR = '#555';
const fmt = (n: number): string => n.toFixed(1);

/**
 * The lines with those on the same axis at the same value made one, named with each name joined
 * by ` = ` and coloured as the first: two lines drawn there would hide one another.
 */
export function mergeReferenceLines(lines: readonly ReferenceLine[]): ReferenceLine[] {
  const merged: Array<ReferenceLine & { names: string[] }> = [];
  for (const line of lines) {
    const same = merged.find((m) => m.axis === line.axis && m.value === line.value);
    if (!same) merged.push({ ...line, names: [line.name] });
    else if (!same.names.includes(line.name)) same.names.push(line.name);
  }
  return merged.map(({ names, ...line }) => ({ ...line, name: names.join(' = ') }));
}

type Box = PlotArea;

const overlaps = (a: Box, b: Box): boolean =>
  a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

/**
 * The lines (merge them first) and their labels. A horizontal line's label sits at its right end,
 * above it (below it at the top of the plot); a vertical line's at its top, to its right (left
 * near the right edge). A label that would overlap one placed before moves down a label's height.
 */
export function referenceLinesSvg(
  lines: readonly ReferenceLine[],
  xAxis: Axis,
  yAxis: Axis,
  area: PlotArea,
): string[] {
  const drawn = lines.map((line) => ({
    line,
    pixel: line.axis === 'y' ? yAxis.toPixel(line.value) : xAxis.toPixel(line.value),
  }));
  // Horizontal lines from the top down, then vertical ones from the left: labels move down.
  drawn.sort((a, b) => (a.line.axis === b.line.axis ? a.pixel - b.pixel : a.line.axis === 'y' ? -1 : 1));
  const out: string[] = [];
  const labels: string[] = [];
  const placed: Box[] = [];
  for (const { line, pixel } of drawn) {
    const color = line.color ?? DEFAULT_COLOR;
    const p = fmt(pixel);
    out.push(
      line.axis === 'y'
        ? `<line class="reference" x1="${area.left}" y1="${p}" x2="${area.right}" y2="${p}" stroke="${color}" stroke-width="1.6" stroke-dasharray="${DASH}"/>`
        : `<line class="reference" x1="${p}" y1="${area.top}" x2="${p}" y2="${area.bottom}" stroke="${color}" stroke-width="1.6" stroke-dasharray="${DASH}"/>`,
    );
    const width = line.name.length * LABEL_CHAR_PX;
    let anchor: 'start' | 'end';
    let x: number;
    let baseline: number;
    if (line.axis === 'y') {
      anchor = 'end';
      x = area.right - GAP_PX;
      baseline = pixel - GAP_PX;
      if (baseline - LABEL_FONT_PX < area.top + GAP_PX) baseline = pixel + GAP_PX + LABEL_FONT_PX;
    } else {
      const fitsRight = pixel + GAP_PX + width <= area.right - GAP_PX;
      anchor = fitsRight ? 'start' : 'end';
      x = fitsRight ? pixel + GAP_PX : pixel - GAP_PX;
      baseline = area.top + GAP_PX + LABEL_FONT_PX;
    }
    const boxAt = (y: number): Box => ({
      left: anchor === 'start' ? x : x - width,
      right: anchor === 'start' ? x + width : x,
      top: y - LABEL_FONT_PX,
      bottom: y + 3,
    });
    while (placed.some((b) => overlaps(b, boxAt(baseline))) && baseline + LABEL_HEIGHT_PX < area.bottom)
      baseline += LABEL_HEIGHT_PX;
    placed.push(boxAt(baseline));
    labels.push(
      `<text class="reference-label" x="${fmt(x)}" y="${fmt(baseline)}" text-anchor="${anchor}" font-size="${LABEL_FONT_PX}" fill="${color}" stroke="white" stroke-width="3" paint-order="stroke">${escapeXml(line.name)}</text>`,
    );
  }
  return [...out, ...labels];
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
