/** Text for SVG and HTML (pure): escaping, and numbers people read at a glance. */

/** Escapes text for XML or HTML content and attribute values. */
export function escapeXml(text: string): string {
  return (
    text
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
      // Characters XML does not allow (a model's tensor name may hold them): shown as U+FFFD.
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd')
  );
}

const LARGE = [
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
] as const;
const SMALL = [
  [1e-3, 'm'],
  [1e-6, 'µ'],
  [1e-9, 'n'],
] as const;

const sig = (v: number, digits: number): string => String(Number(v.toPrecision(digits)));

/**
 * A number in at most 3 significant digits that never reads like `5.0e6`: thousands
 * separators up to 9,999, SI prefixes beyond (`12.5k`, `5M`) and below 0.001 (`12µ`).
 */
export function formatTick(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return v === 0 ? '0' : String(v);
  const a = Math.abs(v);
  if (a >= 1e4) {
    const [scale, suffix] = LARGE.find(([s]) => a >= s) ?? LARGE[3];
    return `${sig(v / scale, 3)}${suffix}`;
  }
  if (a >= 1000) return Number(v.toPrecision(3)).toLocaleString('en-US');
  if (a >= 1e-3) return sig(v, 3);
  const [scale, suffix] = SMALL.find(([s]) => a >= s) ?? SMALL[2];
  return `${sig(v / scale, 3)}${suffix}`;
}

/** Seconds as people say them: `850 ms`, `12.3 s`, `4 min 05 s`, `2 h 10 min`. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '-';
  // Rounded to the unit shown first, so that 2 h 59.7 min reads 3 h 00 min, never 2 h 60 min.
  const ms = Math.round(s * 1000);
  if (ms < 1000) return `${ms} ms`;
  if (s < 99.95) return `${s.toFixed(s < 9.995 ? 2 : 1)} s`;
  const seconds = Math.round(s);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
  const minutes = Math.round(s / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

export { formatUsd } from '../../util/money.js';

/** An integer with thousands separators. */
export function formatCount(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-';
}

/** A share as a percentage (`12.5 %`). */
export function formatPercent(part: number, whole: number): string {
  if (!(whole > 0) || !Number.isFinite(part)) return '-';
  const p = (part / whole) * 100;
  return `${p < 10 ? p.toFixed(1) : p.toFixed(0)} %`;
}
