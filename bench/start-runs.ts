/**
 * What the function start-up benchmark makes of its runs (pure): the modules a process loaded,
 * counted by package, and how each build compares with the first in the rounds they shared.
 */
import { median } from './machine.js';

/** Modules a log lists, counted by npm package (ours: `obifaas`; Node's built-ins left out). */
export function countModules(lines: string[]): { files: number; byPackage: Record<string, number> } {
  const files = new Set(lines.filter((l) => l.startsWith('file://')));
  const byPackage: Record<string, number> = {};
  for (const url of files) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    const name = m?.[1] ?? 'obifaas';
    byPackage[name] = (byPackage[name] ?? 0) + 1;
  }
  return {
    files: files.size,
    byPackage: Object.fromEntries(Object.entries(byPackage).sort((a, b) => b[1] - a[1])),
  };
}

/**
 * The median, over rounds, of `runs[r][field] / baseline[r][field]` (a build against the first,
 * round by round, so that the load a round ran under weighs on both), to 3 decimals; each
 * field measured in both.
 */
export function pairedRatios<T extends object>(
  runs: readonly T[],
  baseline: readonly T[],
): Record<string, number> {
  const ratios: Record<string, number> = {};
  for (const field of Object.keys(baseline[0] ?? {})) {
    const xs: number[] = [];
    runs.forEach((run, r) => {
      const [x, base] = [
        (run as Record<string, unknown>)[field],
        (baseline[r] as Record<string, unknown>)?.[field],
      ];
      if (typeof x === 'number' && typeof base === 'number' && base > 0) xs.push(x / base);
    });
    if (xs.length > 0) ratios[field] = Math.round(median(xs) * 1000) / 1000;
  }
  return ratios;
}
