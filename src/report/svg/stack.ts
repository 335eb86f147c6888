/** Plots stacked into one SVG document (pure), one panel below the other. */
import { escapeXml } from './format.js';
import { DEFAULT_PLOT_WIDTH } from './plot-types.js';

/**
 * Stacks complete SVG documents (plots) into one, one below the other, for a figure with
 * panels that share a theme (a trade-off in cost and in latency).
 */
export function stackSvg(documents: readonly string[], title?: string): string {
  const size = (svg: string): [number, number] => {
    const m = /^<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
    return [Number(m?.[1] ?? DEFAULT_PLOT_WIDTH), Number(m?.[2] ?? 460)];
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
