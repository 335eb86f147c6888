/**
 * A plot's series drawn (pure SVG text): lines (solid, or dashed where they extrapolate), step
 * lines, error bars and markers, in pixels of the plot's axes.
 */
import type { Axis } from './axes.js';
import { escapeXml } from './format.js';
import { markerSvg } from './markers.js';
import { DASH, type PlotSeries } from './plot-types.js';

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
export function extrapolates(s: PlotSeries): boolean {
  if (!s.solidX || s.style === 'dots') return false;
  const [lo, hi] = s.solidX;
  return s.points.some((p) => p.x < lo - 1e-9 || p.x > hi + 1e-9);
}

/**
 * The SVG of one series: its line (unless dots only), its error bars and its markers. `okY` says
 * which y values the axis can show (an error bar's end that it cannot stops at the point).
 */
export function seriesSvg(
  s: PlotSeries & { color: string },
  xAxis: Axis,
  yAxis: Axis,
  okY: (v: number) => boolean,
): string[] {
  const pixels = s.points.map((p) => [xAxis.toPixel(p.x), yAxis.toPixel(p.y)] as const);
  const out = [`<g class="series" data-name="${escapeXml(s.name)}">`];
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
    for (const [x, y] of pixels) out.push(markerSvg(s.marker ?? 'circle', x, y, s.markerSize ?? 4, s.color));
  out.push('</g>');
  return out;
}
