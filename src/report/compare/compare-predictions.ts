/**
 * Two jobs' result lines compared by key (pure): which keys both have, which are an error in
 * one job or both, and for a classify job how often the top-1 class agrees, how much the top-5
 * overlap, and which inputs differ.
 */
import type { ClassScore, InputResult } from '../../core/prediction.js';
import {
  SHOWN_ROWS,
  type ClassifyAgreement,
  type ComparedClass,
  type ComparedKeys,
} from './job-comparison.js';

/** How many of the top classes `top5Overlap` compares. */
const TOP_N = 5;

/** Result lines by key, the first line of a key kept (a job has one line per input). */
export function byKey(results: readonly InputResult[]): Map<string, InputResult> {
  const map = new Map<string, InputResult>();
  for (const r of results) if (!map.has(r.key)) map.set(r.key, r);
  return map;
}

/** The keys both jobs have, in A's order, and how many each has alone. */
export function commonKeys(
  a: ReadonlyMap<string, InputResult>,
  b: ReadonlyMap<string, InputResult>,
): { keys: string[]; counts: ComparedKeys } {
  const keys = [...a.keys()].filter((k) => b.has(k));
  return {
    keys,
    counts: { common: keys.length, onlyA: a.size - keys.length, onlyB: b.size - keys.length },
  };
}

function shown(c: ClassScore): ComparedClass {
  return { class: c.class, label: typeof c.label === 'string' ? c.label : null, score: c.score };
}

/** The share of `b`'s top classes (at most 5) that are among `a`'s. */
function overlap(a: readonly ClassScore[], b: readonly ClassScore[]): number {
  const mine = new Set(a.slice(0, TOP_N).map((c) => c.class));
  const theirs = b.slice(0, TOP_N);
  return theirs.length === 0 ? 0 : theirs.filter((c) => mine.has(c.class)).length / theirs.length;
}

const hasTop = (r: InputResult): r is InputResult & { top: ClassScore[] } =>
  r.error === null && Array.isArray(r.top) && r.top.length > 0;

/** The inputs of `keys` that are an error in one job or both (the first 50 of one-sided ones listed). */
export function comparedErrors(
  keys: readonly string[],
  a: ReadonlyMap<string, InputResult>,
  b: ReadonlyMap<string, InputResult>,
): Pick<ClassifyAgreement, 'oneSidedErrors' | 'oneSidedErrorsNotShown' | 'errorsInBoth'> {
  let errorsInBoth = 0;
  let oneSidedCount = 0;
  const oneSided: ClassifyAgreement['oneSidedErrors'] = [];
  for (const key of keys) {
    const [ra, rb] = [a.get(key), b.get(key)];
    if (!ra || !rb || (ra.error === null && rb.error === null)) continue;
    if (ra.error !== null && rb.error !== null) errorsInBoth++;
    else if (oneSidedCount++ < SHOWN_ROWS) {
      const [errorIn, error, other] =
        ra.error !== null ? (['a', ra.error, rb] as const) : (['b', rb.error!, ra] as const);
      const top = other.top?.[0];
      oneSided.push({ key, errorIn, error, prediction: top ? shown(top) : null });
    }
  }
  return { oneSidedErrors: oneSided, oneSidedErrorsNotShown: oneSidedCount - oneSided.length, errorsInBoth };
}

/** The classify agreement of A and B on `keys` (keys both have). */
export function classifyAgreement(
  keys: readonly string[],
  a: ReadonlyMap<string, InputResult>,
  b: ReadonlyMap<string, InputResult>,
): ClassifyAgreement {
  let compared = 0;
  let top1Agree = 0;
  let overlapSum = 0;
  let differingCount = 0;
  const differing: ClassifyAgreement['differing'] = [];
  for (const key of keys) {
    const [ra, rb] = [a.get(key), b.get(key)];
    if (!ra || !rb || !hasTop(ra) || !hasTop(rb)) continue;
    compared++;
    overlapSum += overlap(ra.top, rb.top);
    const [ta, tb] = [ra.top[0]!, rb.top[0]!];
    if (ta.class === tb.class) top1Agree++;
    else if (differingCount++ < SHOWN_ROWS) differing.push({ key, a: shown(ta), b: shown(tb) });
  }
  return {
    kind: 'classify',
    compared,
    top1Agree,
    top1AgreePercent: compared > 0 ? (100 * top1Agree) / compared : null,
    top5Overlap: compared > 0 ? overlapSum / compared : null,
    differing,
    differingNotShown: differingCount - differing.length,
    ...comparedErrors(keys, a, b),
  };
}
