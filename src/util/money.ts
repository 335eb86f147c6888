/** Dollar amounts in words for people: the one formatter every printed amount goes through. */

/** Dollars with enough digits to tell small amounts apart (`$0.000267`, `$4.45`), never an exponent. */
export function formatUsd(v: number): string {
  if (!Number.isFinite(v)) return '-';
  if (v === 0) return '$0';
  if (Math.abs(v) >= 1) return `$${v.toFixed(2)}`;
  // Three significant digits without an exponent: $0.000267, $0.000000800.
  return `$${v.toFixed(Math.min(12, 2 - Math.floor(Math.log10(Math.abs(v)))))}`;
}
