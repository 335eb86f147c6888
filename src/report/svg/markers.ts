/** Point markers of plots and their legends (pure SVG text). */

/** The shape drawn at each point of a `dots` or `line+dots` series. */
export type Marker = 'circle' | 'square' | 'triangle' | 'diamond';

const fmt = (n: number): string => n.toFixed(1);

/** The SVG of one marker centred on (x, y); also used by the legend. */
export function markerSvg(marker: Marker, x: number, y: number, r: number, color: string): string {
  const fill = `fill="${color}" fill-opacity="0.8" stroke="${color}"`;
  switch (marker) {
    case 'square':
      return `<rect x="${fmt(x - r)}" y="${fmt(y - r)}" width="${fmt(2 * r)}" height="${fmt(2 * r)}" ${fill}/>`;
    case 'triangle':
      return `<path d="M${fmt(x)} ${fmt(y - r * 1.2)}L${fmt(x + r * 1.1)} ${fmt(y + r * 0.8)}H${fmt(x - r * 1.1)}Z" ${fill}/>`;
    case 'diamond':
      return `<path d="M${fmt(x)} ${fmt(y - r * 1.3)}L${fmt(x + r * 1.3)} ${fmt(y)}L${fmt(x)} ${fmt(y + r * 1.3)}L${fmt(x - r * 1.3)} ${fmt(y)}Z" ${fill}/>`;
    default:
      return `<circle cx="${fmt(x)}" cy="${fmt(y)}" r="${r}" ${fill}/>`;
  }
}
