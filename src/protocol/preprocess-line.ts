/**
 * A resolved preprocessing in one line of words (pure), as `model inspect`, `model annotate`
 * and a job's report show it.
 */

/** One line for a resolved preprocessing: `224x224, shorter-side (crop 0.875), bilinear, ...`. */
export function preprocessLine(p: {
  size: { height: number; width: number };
  resize: { mode: string; cropFraction?: number; resizeTo?: number | null; padValue?: readonly number[] };
  interpolation: string;
  scale: number;
  mean: readonly number[];
  std: readonly number[];
  channels: string;
  layout: string;
  dtype: string;
}): string {
  const r = p.resize;
  const resize =
    r.mode === 'letterbox'
      ? `letterbox (pad ${JSON.stringify(r.padValue)})`
      : r.resizeTo !== undefined && r.resizeTo !== null
        ? `${r.mode} to ${r.resizeTo}`
        : `${r.mode} (crop ${Number(r.cropFraction?.toFixed(4))})`;
  const scale = Math.abs(p.scale - 1 / 255) < 1e-12 ? '1/255' : String(Number(p.scale.toPrecision(6)));
  const list = (xs: readonly number[]): string => `[${xs.map((x) => Number(x.toPrecision(6))).join(', ')}]`;
  return `${p.size.height}x${p.size.width}, ${resize}, ${p.interpolation}, scale ${scale}, mean ${list(p.mean)}, std ${list(p.std)}, ${p.channels}, ${p.layout}, ${p.dtype}`;
}
