/** Horizontal bar charts as SVG text (pure): one labelled bar per quantity, its value at its end. */
import { escapeXml } from './format.js';
import { DEFAULT_PLOT_WIDTH, PALETTE } from './plot-types.js';

/** One bar. */
export interface Bar {
  label: string;
  value: number;
  /** Text at the end of the bar (default: the value). */
  text?: string;
  color?: string;
}

/** What to draw. */
export interface BarChartOptions {
  title: string;
  /** What the bars measure, with its unit: `seconds (summed over functions)`. */
  axisLabel: string;
  bars: readonly Bar[];
  width?: number;
}

const ROW = 26;
/** A generous width of one character of the 13 px sans-serif text, so that labels always fit. */
const CHAR_PX = 7.4;
const fmt = (n: number): string => n.toFixed(1);

/** The chart's SVG document. Bars of negative or non-finite value are drawn empty. */
export function renderBarChart(options: BarChartOptions): string {
  const width = options.width ?? DEFAULT_PLOT_WIDTH;
  const labelWidth = Math.min(280, 20 + CHAR_PX * Math.max(4, ...options.bars.map((b) => b.label.length)));
  const left = labelWidth;
  // The value written after the longest bar must end inside the chart.
  const valueWidth =
    16 + CHAR_PX * Math.max(4, ...options.bars.map((b) => (b.text ?? String(b.value)).length));
  const right = Math.max(left + 120, width - valueWidth);
  const top = 40;
  const height = top + options.bars.length * ROW + 34;
  const max = Math.max(0, ...options.bars.map((b) => (Number.isFinite(b.value) ? b.value : 0)));
  const scale = (v: number): number =>
    max > 0 && Number.isFinite(v) && v > 0 ? (right - left) * (v / max) : 0; // v / max first: 600 * 1e308 overflows
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="13">`,
    `<title>${escapeXml(options.title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(options.title)}</text>`,
  ];
  options.bars.forEach((b, i) => {
    const y = top + i * ROW;
    const color = b.color ?? PALETTE[i % PALETTE.length]!;
    out.push(
      `<text x="${left - 8}" y="${y + 17}" text-anchor="end">${escapeXml(b.label)}</text>`,
      `<rect class="bar" x="${left}" y="${y + 4}" width="${fmt(scale(b.value))}" height="${ROW - 8}" fill="${color}"/>`,
      `<text x="${fmt(left + scale(b.value) + 6)}" y="${y + 17}">${escapeXml(b.text ?? String(b.value))}</text>`,
    );
  });
  const axisY = top + options.bars.length * ROW + 2;
  out.push(
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${axisY}" stroke="#222"/>`,
    `<text x="${(left + right) / 2}" y="${axisY + 22}" text-anchor="middle" font-size="14">${escapeXml(options.axisLabel)}</text>`,
    '</svg>',
    '',
  );
  return out.join('\n');
}
