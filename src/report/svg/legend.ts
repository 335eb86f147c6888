/**
 * A plot's legend (pure SVG text), laid out in rows below the plot so that it hides no data.
 * Each entry shows what the series draws: its line (solid or dashed), its marker, its error bar.
 */
import { escapeXml } from './format.js';
import { markerSvg, type Marker } from './markers.js';

/** One legend entry. */
export interface LegendEntry {
  name: string;
  color: string;
  line: 'solid' | 'dashed' | 'none';
  marker?: Marker;
  errorBar?: boolean;
}

const ROW = 20;
const SWATCH = 30;
/** Width of one character at the legend's font size (13 px sans-serif), generous. */
const CHAR = 7.2;

/** The legend's SVG from (x, y), wrapping at `width`; and the height it takes. */
export function legendSvg(
  entries: readonly LegendEntry[],
  x: number,
  y: number,
  width: number,
): { svg: string; height: number } {
  if (entries.length === 0) return { svg: '', height: 0 };
  const out = ['<g class="legend">'];
  let cx = x;
  let cy = y + ROW / 2;
  for (const e of entries) {
    const w = SWATCH + 8 + e.name.length * CHAR + 18;
    if (cx > x && cx + w > x + width) {
      cx = x;
      cy += ROW;
    }
    const mid = cx + SWATCH / 2;
    if (e.line !== 'none')
      out.push(
        `<line x1="${cx}" y1="${cy}" x2="${cx + SWATCH}" y2="${cy}" stroke="${e.color}" stroke-width="2.2"${e.line === 'dashed' ? ' stroke-dasharray="7 5"' : ''}/>`,
      );
    if (e.errorBar)
      out.push(
        `<path d="M${mid} ${cy - 7}V${cy + 7}M${mid - 4} ${cy - 7}h8M${mid - 4} ${cy + 7}h8" stroke="${e.color}" stroke-width="1.4" fill="none"/>`,
      );
    if (e.marker) out.push(markerSvg(e.marker, mid, cy, 4, e.color));
    out.push(`<text x="${cx + SWATCH + 8}" y="${cy + 4.5}">${escapeXml(e.name)}</text>`);
    cx += w;
  }
  out.push('</g>');
  return { svg: out.join('\n'), height: cy - y + ROW / 2 + 8 };
}
