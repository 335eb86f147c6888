/**
 * What a comparison of two jobs answers first, in words (pure): which is cheaper per image and by
 * how much, which is faster, and how often the predictions agree. The ratio of the whole jobs'
 * figures is always given; whether it names a winner is judged from a resampling of the jobs'
 * invocations (`ratio-interval.ts`). The page's first screen and the command's line say the same.
 */
import path from 'node:path';
import { formatUsd } from '../../util/money.js';
import type { ComparedJob, JobComparison, RatioInterval } from './job-comparison.js';
import { MIN_JUDGED_INVOCATIONS } from './ratio-interval.js';

/** Ratios this close to 1 are called equal. */
const SAME_WITHIN = 0.005;

/** `A (folder)` or `B (folder)`. */
export function sideName(side: 'a' | 'b', job: ComparedJob): string {
  return `${side.toUpperCase()} (${path.basename(job.dir)})`;
}

/**
 * How sure a winner is: `clear` (the 95 % interval of B / A lies on one side of 1),
 * `within-noise` (it spans 1: no clear winner), or `not-judged` (too few invocations).
 */
export type Judgement = 'clear' | 'within-noise' | 'not-judged';

/** Which side is ahead on a figure of the whole jobs, by how much, and how sure that is. */
export interface Verdict {
  /** `a` or `b` (ahead on the whole jobs' figure), `same` (equal), or `unknown` (a value missing). */
  winner: 'a' | 'b' | 'same' | 'unknown';
  /** By how much the side ahead is ahead (`14 % less`, `1.12×`); null without one. */
  amount: string | null;
  /** How sure it is (`ratio-interval.ts`); null for `same` and `unknown`. */
  judged: Judgement | null;
  text: string;
}

/** `clear`, `within-noise` or `not-judged` for an interval of B / A. */
function judgementOf(interval: RatioInterval): Judgement {
  if (interval.low === null || interval.high === null) return 'not-judged';
  return interval.low > 1 || interval.high < 1 ? 'clear' : 'within-noise';
}

/** The words on a ratio's interval that follow its verdict, after a semicolon. */
function intervalWords(interval: RatioInterval, judged: Judgement): string {
  if (judged === 'not-judged')
    return `not enough invocations to judge the spread (A ${interval.invocations.a} and B ${interval.invocations.b} that predicted images; needed: ${MIN_JUDGED_INVOCATIONS} a side, and as many beside a lone cold or warm one)`;
  return `B / A ${interval.low!.toFixed(2)} to ${interval.high!.toFixed(2)} over resampled invocations (95 %)`;
}

/** A verdict for the side ahead, with the sentence for each judgement. */
function verdict(
  winner: 'a' | 'b',
  amount: string,
  interval: RatioInterval,
  says: { ahead: string; figure: string; values: string },
): Verdict {
  const judged = judgementOf(interval);
  const reason = intervalWords(interval, judged);
  const text =
    judged === 'within-noise'
      ? `no clear winner ${says.figure}: ${says.ahead}, within the invocations' spread (${says.values}; ${reason})`
      : `${says.ahead} (${says.values}; ${reason})`;
  return { winner, amount, judged, text };
}

/** Lower is better (cost): the cheaper side of the whole jobs and how much less it costs, in percent. */
export function cheaperVerdict(c: JobComparison): Verdict {
  const f = c.figures.costPerImageUsd;
  const [na, nb] = [sideName('a', c.a), sideName('b', c.b)];
  if (f.a === null || f.b === null || f.ratio === null)
    return { winner: 'unknown', amount: null, judged: null, text: 'no cost to compare' };
  const perImage = `${formatUsd(f.a)} against ${formatUsd(f.b)} per image`;
  if (Math.abs(f.ratio - 1) < SAME_WITHIN)
    return {
      winner: 'same',
      amount: null,
      judged: null,
      text: `${na} and ${nb} cost the same per image (${perImage})`,
    };
  const [winner, cheap, dear] = f.b < f.a ? (['b', f.b, f.a] as const) : (['a', f.a, f.b] as const);
  const share = (1 - cheap / dear) * 100;
  const amount = `${share.toFixed(share < 10 ? 1 : 0)} %`;
  const name = winner === 'a' ? na : nb;
  return verdict(winner, `${amount} less`, c.intervals.costPerImageUsd, {
    ahead: `${name} is ${amount} cheaper per image`,
    figure: 'in cost per image',
    // The side named first: its figure first.
    values: `${formatUsd(cheap)} against ${formatUsd(dear)} per image`,
  });
}

/** How many times as fast the faster side of the whole jobs is, by images per second. */
export function fasterVerdict(c: JobComparison): Verdict {
  const f = c.figures.imagesPerSecond;
  const [na, nb] = [sideName('a', c.a), sideName('b', c.b)];
  if (f.a === null || f.b === null || f.ratio === null || f.b === 0)
    return {
      winner: 'unknown',
      amount: null,
      judged: null,
      text: 'no throughput to compare (a job with no prediction)',
    };
  const rates = `${f.a.toFixed(1)} against ${f.b.toFixed(1)} images/s`;
  if (Math.abs(f.ratio - 1) < SAME_WITHIN)
    return { winner: 'same', amount: null, judged: null, text: `${na} and ${nb} are as fast (${rates})` };
  const winner = f.ratio > 1 ? 'b' : 'a';
  const times = (f.ratio > 1 ? f.ratio : 1 / f.ratio).toFixed(2);
  const name = winner === 'a' ? na : nb;
  const [fast, slow] = winner === 'a' ? [f.a, f.b] : [f.b, f.a];
  return verdict(winner, `${times}×`, c.intervals.imagesPerSecond, {
    ahead: `${name} is ${times}× as fast`,
    figure: 'in speed',
    // The side named first: its figure first.
    values: `${fast.toFixed(1)} against ${slow.toFixed(1)} images/s`,
  });
}

/** A cosine similarity as the page and the command show it. */
export const formatCosine = (v: number): string => v.toFixed(4);

/** How often the top-1 class agrees (classify), or how alike the vectors are (embed), on how many inputs. */
export function agreementText(c: JobComparison): string {
  const p = c.predictions;
  const count = (n: number): string => n.toLocaleString('en-US');
  if (p.kind === 'embed') {
    if (p.cosine === null) return 'no input has a vector in both jobs';
    const { min, median, mean } = p.cosine;
    return `the vectors' cosine similarity: median ${formatCosine(median)}, mean ${formatCosine(mean)}, min ${formatCosine(min)} over the ${count(p.compared)} inputs both embedded`;
  }
  if (p.top1AgreePercent === null) return 'no input has a prediction in both jobs';
  return `top-1 agrees on ${p.top1AgreePercent.toFixed(1)} % of the inputs both predicted (${count(p.top1Agree)} of ${count(p.compared)})`;
}

/** Which inputs were compared: all of them, or those both jobs have. */
export function keysText(c: JobComparison): string {
  const k = c.keys;
  if (k.onlyA === 0 && k.onlyB === 0)
    return `both jobs have the same ${k.common.toLocaleString('en-US')} inputs`;
  return `compared on the ${k.common.toLocaleString('en-US')} inputs both have; ${k.onlyA.toLocaleString('en-US')} only in A, ${k.onlyB.toLocaleString('en-US')} only in B`;
}

/** Whether both jobs ran the same model, from the digests their records keep. */
export function modelText(c: JobComparison): string {
  const short = (j: JobComparison['a']): string =>
    `${j.model.sha256 === null ? 'unknown' : j.model.sha256.slice(0, 12)}${j.model.sha256From === 'file' ? ' (of the file now: its job.json records none)' : ''}`;
  if (c.sameModel === true) {
    const fromFile = c.a.model.sha256From === 'file' || c.b.model.sha256From === 'file';
    return `same model (SHA-256 ${c.a.model.sha256!.slice(0, 12)}${fromFile ? ', read from the model file now for a job.json that records none' : ''})`;
  }
  if (c.sameModel === false) return `different models (SHA-256 A ${short(c.a)}, B ${short(c.b)})`;
  return `the models cannot be compared: a model file is not readable here and its job.json records no digest (A ${short(c.a)}, B ${short(c.b)})`;
}

/** The answers, one per line. */
export function verdictLines(c: JobComparison): string[] {
  return [cheaperVerdict(c).text, fasterVerdict(c).text, agreementText(c), modelText(c), keysText(c)];
}
