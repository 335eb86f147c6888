/**
 * Line and scatter plots as standalone SVG text (pure, no dependencies), made to be printed:
 * labelled axes, ticks that read `5M` rather than `5.0e6`, error bars, lines dashed where a
 * model extrapolates, reference lines (caps, targets, y = x), and a legend below the plot
 * whose markers are those drawn, so that it never hides a point. Files open in any browser.
 */
import { makeAxis, type Axis } from './axes.js';
import { escapeXml, formatTick } from './format.js';
import { legendSvg, type LegendEntry } from './legend.js';
import { markerSvg, type Marker } from './markers.js';

export type { Marker } from './markers.js';

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
  /** Pixels: the whole width, and the height without the legend (default 760 x 440). */
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

const MARGIN = { left: 80, right: 24, top: 40, bottom: 50 };
const DASH = '7 5';
const fmt = (n: number): string => n.toFixed(1);

/** Polylines of a series' pixels: solid inside `solidX`, dashed outside it. */
function lineSvg(
  pixels: readonly (readonly [number, number])[],
  xs: readonly number[],
  s: PlotSeries & { color: string },
): string[] {
  const coords = (from: number, to: number): string => {
    const out: string[] = [];
    for (let i = from; i <= to; i++) {
      const [x, y] = pixels[i]!;
      if (s.style === 'step' && i > from) out.push(`${fmt(x)},${fmt(pixels[i - 1]![1])}`);
      out.push(`${fmt(x)},${fmt(y)}`);
    }
    return out.join(' ');
  };
  const inside = (i: number): boolean =>
    !s.solidX || (xs[i]! >= s.solidX[0] - 1e-9 && xs[i]! <= s.solidX[1] + 1e-9);
  const out: string[] = [];
  let start = 0;
  for (let i = 1; i <= pixels.length; i++) {
    const dashedNow = s.dashed === true || !(inside(i - 1) && inside(Math.min(i, pixels.length - 1)));
    const dashedStart =
      s.dashed === true || !(inside(start) && inside(Math.min(start + 1, pixels.length - 1)));
    if (i === pixels.length || dashedNow !== dashedStart) {
      const end = Math.min(i, pixels.length - 1);
      if (end > start)
        out.push(
          `<polyline fill="none" stroke="${s.color}" stroke-width="2.2"${dashedStart ? ` stroke-dasharray="${DASH}"` : ''} points="${coords(start, end)}"/>`,
        );
      start = end;
    }
  }
  return out;
}

/** Whether a series has a part drawn dashed because it extrapolates. */
function extrapolates(s: PlotSeries): boolean {
  if (!s.solidX || s.style === 'dots') return false;
  const [lo, hi] = s.solidX;
  return s.points.some((p) => p.x < lo - 1e-9 || p.x > hi + 1e-9);
}

/**
 * Renders the plot. Points that are not finite, or not positive on a log axis, are left out.
 * Returns a complete SVG document.
 */
export function renderSvgPlot(options: PlotOptions): string {
  const width = options.width ?? 760;
  const plotBottom = (options.height ?? 440) - MARGIN.bottom;
  const okX = (v: number): boolean => Number.isFinite(v) && (!options.xLog || v > 0);
  const okY = (v: number): boolean => Number.isFinite(v) && (!options.yLog || v > 0);
  const series = options.series.map((s, i) => ({
    ...s,
    points: s.points.filter((p) => okX(p.x) && okY(p.y)),
    color: s.color ?? PALETTE[i % PALETTE.length]!,
  }));
  const refs = (options.referenceLines ?? []).filter((r) => (r.axis === 'x' ? okX(r.value) : okY(r.value)));
  const all = series.flatMap((s) => s.points);
  const ys = all.flatMap((p) => [p.y, p.yLow ?? p.y, p.yHigh ?? p.y]).filter(okY);
  const plotRight = width - MARGIN.right;
  const xValues = [...all.map((p) => p.x), ...refs.filter((r) => r.axis === 'x').map((r) => r.value)];
  const yValues = [...ys, ...refs.filter((r) => r.axis === 'y').map((r) => r.value)];
  if (options.diagonal) {
    const both = [...xValues, ...yValues];
    xValues.push(...both);
    yValues.push(...both);
  }
  const xAxis = makeAxis(
    xValues,
    options.xLog === true,
    MARGIN.left,
    plotRight,
    options.xFromZero,
    options.xIntegers,
  );
  const yAxis = makeAxis(
    yValues,
    options.yLog === true,
    plotBottom,
    MARGIN.top,
    options.yFromZero,
    options.yIntegers,
  );

  const entries: LegendEntry[] = series.map((s) => ({
    name: s.name,
    color: s.color,
    line: s.style !== 'dots' ? (s.dashed ? 'dashed' : 'solid') : 'none',
    ...(s.style === 'dots' || s.style === 'line+dots' ? { marker: s.marker ?? 'circle' } : {}),
    ...(s.points.some((p) => p.yLow !== undefined || p.yHigh !== undefined) ? { errorBar: true } : {}),
  }));
  if (series.some(extrapolates))
    entries.push({ name: 'dashed: extrapolated beyond the samples', color: '#555', line: 'dashed' });
  for (const r of refs) entries.push({ name: r.name, color: r.color ?? '#555', line: 'dashed' });
  if (options.diagonal) entries.push({ name: options.diagonal, color: '#555', line: 'dashed' });
  const legend = legendSvg(entries, MARGIN.left, plotBottom + MARGIN.bottom - 6, plotRight - MARGIN.left);
  const height = plotBottom + MARGIN.bottom + legend.height;

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="13">`,
    `<title>${escapeXml(options.title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(options.title)}</text>`,
    ...axesSvg(xAxis, yAxis, plotRight, plotBottom),
    `<text x="${(MARGIN.left + plotRight) / 2}" y="${plotBottom + 38}" text-anchor="middle" font-size="14">${escapeXml(options.xLabel + (options.xLog ? ' (log scale)' : ''))}</text>`,
    `<text x="18" y="${(MARGIN.top + plotBottom) / 2}" text-anchor="middle" font-size="14" transform="rotate(-90 18 ${(MARGIN.top + plotBottom) / 2})">${escapeXml(options.yLabel + (options.yLog ? ' (log scale)' : ''))}</text>`,
    '<g class="data">',
  ];
  for (const r of refs) {
    const color = r.color ?? '#555';
    if (r.axis === 'y') {
      const y = fmt(yAxis.toPixel(r.value));
      out.push(
        `<line class="reference" x1="${MARGIN.left}" y1="${y}" x2="${plotRight}" y2="${y}" stroke="${color}" stroke-width="1.6" stroke-dasharray="${DASH}"/>`,
      );
    } else {
      const x = fmt(xAxis.toPixel(r.value));
      out.push(
        `<line class="reference" x1="${x}" y1="${MARGIN.top}" x2="${x}" y2="${plotBottom}" stroke="${color}" stroke-width="1.6" stroke-dasharray="${DASH}"/>`,
      );
    }
  }
  if (options.diagonal) {
    const lo = Math.max(xAxis.domain[0], yAxis.domain[0]);
    const hi = Math.min(xAxis.domain[1], yAxis.domain[1]);
    const ends = [lo, hi];
    if (hi > lo)
      out.push(
        `<line class="diagonal" x1="${fmt(xAxis.toPixel(ends[0]!))}" y1="${fmt(yAxis.toPixel(ends[0]!))}" x2="${fmt(xAxis.toPixel(ends[1]!))}" y2="${fmt(yAxis.toPixel(ends[1]!))}" stroke="#555" stroke-width="1.4" stroke-dasharray="${DASH}"/>`,
      );
  }
  for (const s of series) {
    const pixels = s.points.map((p) => [xAxis.toPixel(p.x), yAxis.toPixel(p.y)] as const);
    out.push(`<g class="series" data-name="${escapeXml(s.name)}">`);
    if (s.style !== 'dots' && pixels.length > 1)
      out.push(
        ...lineSvg(
          pixels,
          s.points.map((p) => p.x),
          s,
        ),
      );
    s.points.forEach((p, i) => {
      if (p.yLow === undefined && p.yHigh === undefined) return;
      const lo = okY(p.yLow ?? p.y) ? (p.yLow ?? p.y) : p.y;
      const hi = okY(p.yHigh ?? p.y) ? (p.yHigh ?? p.y) : p.y;
      const x = pixels[i]![0];
      const [y1, y2] = [yAxis.toPixel(lo), yAxis.toPixel(hi)];
      out.push(
        `<path class="error-bar" d="M${fmt(x)} ${fmt(y1)}V${fmt(y2)}M${fmt(x - 4)} ${fmt(y1)}h8M${fmt(x - 4)} ${fmt(y2)}h8" stroke="${s.color}" stroke-width="1.4" fill="none"/>`,
      );
    });
    if (s.style === 'dots' || s.style === 'line+dots')
      for (const [x, y] of pixels)
        out.push(markerSvg(s.marker ?? 'circle', x, y, s.markerSize ?? 4, s.color));
    out.push('</g>');
  }
  out.push('</g>', legend.svg, '</svg>', '');
  return out.join('\n');
}

function axesSvg(xAxis: Axis, yAxis: Axis, plotRight: number, plotBottom: number): string[] {
  const out = ['<g class="grid" stroke="#e3e3e3">'];
  for (const t of xAxis.ticks) {
    const x = fmt(xAxis.toPixel(t));
    out.push(`<line x1="${x}" y1="${MARGIN.top}" x2="${x}" y2="${plotBottom}"/>`);
  }
  for (const t of yAxis.ticks) {
    const y = fmt(yAxis.toPixel(t));
    out.push(`<line x1="${MARGIN.left}" y1="${y}" x2="${plotRight}" y2="${y}"/>`);
  }
  out.push('</g>', '<g class="tick-labels" fill="#222">');
  for (const t of xAxis.ticks)
    out.push(
      `<text x="${fmt(xAxis.toPixel(t))}" y="${plotBottom + 17}" text-anchor="middle">${escapeXml(formatTick(t))}</text>`,
    );
  for (const t of yAxis.ticks)
    out.push(
      `<text x="${MARGIN.left - 7}" y="${fmt(yAxis.toPixel(t) + 4)}" text-anchor="end">${escapeXml(formatTick(t))}</text>`,
    );
  out.push(
    '</g>',
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotRight - MARGIN.left}" height="${plotBottom - MARGIN.top}" fill="none" stroke="#222"/>`,
  );
  return out;
}

/**
 * Stacks complete SVG documents (plots) into one, one below the other, for a figure with
 * panels that share a theme (a trade-off in cost and in latency).
 */
export function stackSvg(documents: readonly string[], title?: string): string {
  const size = (svg: string): [number, number] => {
    const m = /^<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
    return [Number(m?.[1] ?? 760), Number(m?.[2] ?? 460)];
  };
  const sizes = documents.map(size);
  const width = Math.max(0, ...sizes.map(([w]) => w));
  const height = sizes.reduce((h, [, ht]) => h + ht, 0);
  let y = 0;
  const inner = documents.map((svg, i) => {
    const placed = svg.replace(/^<svg /, `<svg x="0" y="${y}" `).trimEnd();
    y += sizes[i]![1];
    return placed;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    ...(title ? [`<title>${escapeXml(title)}</title>`] : []),
    ...inner,
    '</svg>',
    '',
  ].join('\n');
}
