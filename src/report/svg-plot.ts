/**
 * Line and scatter plots as standalone SVG text (pure, no dependencies): axes with ticks and
 * labels, optional log axes, and a legend. Files open in any browser.
 */

/** One point of a series. */
export interface PlotPoint {
  x: number;
  y: number;
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
}

/** What to plot and how. */
export interface PlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly PlotSeries[];
  xLog?: boolean;
  yLog?: boolean;
  /** Pixels (default 760 x 460). */
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

const MARGIN = { left: 78, right: 24, top: 44, bottom: 58 };
const LEGEND_ROW = 18;

/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Short text for a tick value: 3 significant digits, no exponent between 1e-3 and 1e6. */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-3) return v.toExponential(1).replace('e+', 'e');
  return String(Number(v.toPrecision(3)));
}

/** "Nice" linear ticks (steps of 1, 2 or 5 x 10^k) covering [min, max]. */
export function linearTicks(min: number, max: number, target = 6): number[] {
  if (min === max) return [min];
  const raw = (max - min) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag) as number;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step - 1e-9) * step; t <= max + step * 1e-9; t += step)
    ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** Log ticks: powers of ten, with 2 and 5 between them when the range spans few decades. */
export function logTicks(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const multipliers = Math.log10(max / min) <= 2.5 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let e = lo; e <= hi; e++) {
    for (const m of multipliers) {
      const t = Number((m * 10 ** e).toPrecision(12));
      if (t >= min * (1 - 1e-9) && t <= max * (1 + 1e-9)) ticks.push(t);
    }
  }
  return ticks.length >= 2 ? ticks : [min, max];
}

interface Axis {
  toPixel(v: number): number;
  ticks: number[];
}

function makeAxis(values: number[], log: boolean, from: number, to: number): Axis {
  let min = Math.min(...values);
  let max = Math.max(...values);
  if (!Number.isFinite(min)) [min, max] = log ? [1, 10] : [0, 1];
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
    };
  }
  const pad = (max - min) * 0.04;
  const [a, b] = [min - pad, max + pad];
  return { toPixel: (v) => from + ((v - a) / (b - a)) * (to - from), ticks: linearTicks(a, b) };
}

const fmt = (n: number): string => n.toFixed(1);

/**
 * Renders the plot. Points that are not finite, or not positive on a log axis, are left out.
 * Returns a complete SVG document.
 */
export function renderSvgPlot(options: PlotOptions): string {
  const width = options.width ?? 760;
  const height = options.height ?? 460;
  const keep = (p: PlotPoint): boolean =>
    Number.isFinite(p.x) && Number.isFinite(p.y) && (!options.xLog || p.x > 0) && (!options.yLog || p.y > 0);
  const series = options.series.map((s, i) => ({
    ...s,
    points: s.points.filter(keep),
    color: s.color ?? PALETTE[i % PALETTE.length]!,
  }));
  const all = series.flatMap((s) => s.points);
  const plotRight = width - MARGIN.right;
  const plotBottom = height - MARGIN.bottom;
  const xAxis = makeAxis(
    all.map((p) => p.x),
    options.xLog === true,
    MARGIN.left,
    plotRight,
  );
  const yAxis = makeAxis(
    all.map((p) => p.y),
    options.yLog === true,
    plotBottom,
    MARGIN.top,
  );
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(options.title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15">${escapeXml(options.title)}</text>`,
  );
  // Grid and ticks.
  out.push('<g class="axes" stroke="#ddd">');
  for (const t of xAxis.ticks) {
    const x = fmt(xAxis.toPixel(t));
    out.push(`<line x1="${x}" y1="${MARGIN.top}" x2="${x}" y2="${plotBottom}"/>`);
  }
  for (const t of yAxis.ticks) {
    const y = fmt(yAxis.toPixel(t));
    out.push(`<line x1="${MARGIN.left}" y1="${y}" x2="${plotRight}" y2="${y}"/>`);
  }
  out.push('</g>', '<g class="tick-labels" fill="#333">');
  for (const t of xAxis.ticks)
    out.push(
      `<text x="${fmt(xAxis.toPixel(t))}" y="${plotBottom + 16}" text-anchor="middle">${escapeXml(formatTick(t))}</text>`,
    );
  for (const t of yAxis.ticks)
    out.push(
      `<text x="${MARGIN.left - 6}" y="${fmt(yAxis.toPixel(t) + 4)}" text-anchor="end">${escapeXml(formatTick(t))}</text>`,
    );
  out.push('</g>');
  out.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotRight - MARGIN.left}" height="${plotBottom - MARGIN.top}" fill="none" stroke="#333"/>`,
    `<text x="${(MARGIN.left + plotRight) / 2}" y="${height - 16}" text-anchor="middle">${escapeXml(options.xLabel + (options.xLog ? ' (log)' : ''))}</text>`,
    `<text x="18" y="${(MARGIN.top + plotBottom) / 2}" text-anchor="middle" transform="rotate(-90 18 ${(MARGIN.top + plotBottom) / 2})">${escapeXml(options.yLabel + (options.yLog ? ' (log)' : ''))}</text>`,
  );
  // Series.
  const allPixels: (readonly [number, number])[] = [];
  for (const s of series) {
    const pixels = s.points.map((p) => [xAxis.toPixel(p.x), yAxis.toPixel(p.y)] as const);
    allPixels.push(...pixels);
    out.push(`<g class="series" data-name="${escapeXml(s.name)}">`);
    if ((s.style === 'line' || s.style === 'line+dots' || s.style === 'step') && pixels.length > 1) {
      const coords: string[] = [];
      pixels.forEach(([x, y], i) => {
        if (s.style === 'step' && i > 0) coords.push(`${fmt(x)},${fmt(pixels[i - 1]![1])}`);
        coords.push(`${fmt(x)},${fmt(y)}`);
      });
      out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${coords.join(' ')}"/>`);
    }
    if (s.style === 'dots' || s.style === 'line+dots') {
      for (const [x, y] of pixels)
        out.push(`<circle cx="${fmt(x)}" cy="${fmt(y)}" r="3.5" fill="${s.color}" fill-opacity="0.75"/>`);
    }
    out.push('</g>');
  }
  // Legend: in the inside corner that hides the fewest points (top right first).
  const legendWidth = 14 + 7 * Math.max(0, ...series.map((s) => s.name.length)) + 24;
  const legendHeight = series.length * LEGEND_ROW + 8;
  const corners = [
    [plotRight - legendWidth - 8, MARGIN.top + 8],
    [MARGIN.left + 8, MARGIN.top + 8],
    [plotRight - legendWidth - 8, plotBottom - legendHeight - 8],
    [MARGIN.left + 8, plotBottom - legendHeight - 8],
  ] as const;
  const hidden = ([x, y]: readonly [number, number]): number =>
    allPixels.filter(
      ([px, py]) => px >= x - 4 && px <= x + legendWidth + 4 && py >= y - 4 && py <= y + legendHeight + 4,
    ).length;
  const [lx, ly] = corners.reduce((best, c) => (hidden(c) < hidden(best) ? c : best));
  out.push(
    `<g class="legend"><rect x="${lx}" y="${ly}" width="${legendWidth}" height="${legendHeight}" fill="white" fill-opacity="0.85" stroke="#bbb"/>`,
  );
  series.forEach((s, i) => {
    const y = ly + 4 + i * LEGEND_ROW + LEGEND_ROW / 2;
    const mark =
      s.style === 'dots'
        ? `<rect x="${lx + 10}" y="${y - 4}" width="8" height="8" fill="${s.color}"/>`
        : `<rect x="${lx + 6}" y="${y - 1.5}" width="16" height="3" fill="${s.color}"/>`;
    out.push(`${mark}<text x="${lx + 28}" y="${y + 4}">${escapeXml(s.name)}</text>`);
  });
  out.push('</g>', '</svg>', '');
  return out.join('\n');
}
