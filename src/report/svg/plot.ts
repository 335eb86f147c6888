/**
 * Line and scatter plots as standalone SVG text (pure, no dependencies), made to be printed:
 * labelled axes, ticks that read `5M` rather than `5.0e6`, error bars, lines dashed where a
 * model extrapolates, labelled reference lines (caps, targets; y = x), and a legend below the plot
 * whose markers are those drawn, so that it never hides a point. Files open in any browser.
 */
import { axesSvg, makeAxis } from './axes.js';
import { escapeXml } from './format.js';
import { legendSvg, type LegendEntry } from './legend.js';
import { DEFAULT_PLOT_WIDTH, PALETTE, type PlotOptions } from './plot-types.js';
import { diagonalSvg, mergeReferenceLines, referenceLinesSvg } from './reference-lines.js';
import { extrapolates, seriesSvg } from './series.js';

export type { Marker } from './markers.js';
export type { PlotOptions, PlotPoint, PlotSeries, ReferenceLine, SeriesStyle } from './plot-types.js';
export { DEFAULT_PLOT_WIDTH, PALETTE } from './plot-types.js';

const MARGIN = { left: 80, right: 24, top: 40, bottom: 50 };

/**
 * Renders the plot. Points that are not finite, or not positive on a log axis, are left out.
 * Returns a complete SVG document.
 */
export function renderSvgPlot(options: PlotOptions): string {
  const width = options.width ?? DEFAULT_PLOT_WIDTH;
  const plotBottom = (options.height ?? 440) - MARGIN.bottom;
  const okX = (v: number): boolean => Number.isFinite(v) && (!options.xLog || v > 0);
  const okY = (v: number): boolean => Number.isFinite(v) && (!options.yLog || v > 0);
  const series = options.series.map((s, i) => ({
    ...s,
    points: s.points.filter((p) => okX(p.x) && okY(p.y)),
    color: s.color ?? PALETTE[i % PALETTE.length]!,
  }));
  const refs = mergeReferenceLines(
    (options.referenceLines ?? []).filter((r) => (r.axis === 'x' ? okX(r.value) : okY(r.value))),
  );
  const all = series.flatMap((s) => s.points);
  const ys = all.flatMap((p) => [p.y, p.yLow ?? p.y, p.yHigh ?? p.y]).filter(okY);
  const plotRight = width - MARGIN.right;
  const area = { left: MARGIN.left, top: MARGIN.top, right: plotRight, bottom: plotBottom };
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

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="13">`,
    `<title>${escapeXml(options.title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(options.title)}</text>`,
    ...axesSvg(xAxis, yAxis, area),
    `<text x="${(MARGIN.left + plotRight) / 2}" y="${plotBottom + 38}" text-anchor="middle" font-size="14">${escapeXml(options.xLabel + (options.xLog ? ' (log scale)' : ''))}</text>`,
    `<text x="18" y="${(MARGIN.top + plotBottom) / 2}" text-anchor="middle" font-size="14" transform="rotate(-90 18 ${(MARGIN.top + plotBottom) / 2})">${escapeXml(options.yLabel + (options.yLog ? ' (log scale)' : ''))}</text>`,
    '<g class="data">',
    ...referenceLinesSvg(refs, xAxis, yAxis, area),
    ...(options.diagonal ? diagonalSvg(xAxis, yAxis) : []),
    ...series.flatMap((s) => seriesSvg(s, xAxis, yAxis, okY)),
    '</g>',
    legend.svg,
    '</svg>',
    '',
  ].join('\n');
}
