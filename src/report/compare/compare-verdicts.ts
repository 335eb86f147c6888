/**
 * What a comparison of two jobs answers first, in words (pure): which is cheaper per image and by
 * how much, which is faster (neither, when the difference is within the spread of the jobs' own
 * invocations), and how often the predictions agree. The page's first screen and the
 * command's line say the same.
 */
import path from 'node:path';
import { formatUsd } from '../../util/money.js';
import type { ComparedFigure, ComparedJob, JobComparison } from './job-comparison.js';
import { relativeSpread } from './invocation-spread.js';

/** Ratios this close to 1 are called equal. */
const SAME_WITHIN = 0.005;

/** `A (folder)` or `B (folder)`. */
export function sideName(side: 'a' | 'b', job: ComparedJob): string {
  return `${side.toUpperCase()} (${path.basename(job.dir)})`;
}

/** Which side wins a figure where lower is better, and by what share of the other's value. */
export interface Verdict {
  /**
   * `a`, `b`, `same` (equal, or apart by less than the spread of the jobs' own invocations), or
   * `unknown` where either value is missing.
   */
  winner: 'a' | 'b' | 'same' | 'unknown';
  /** By how much the winner wins (`14 % less`, `1.12×`); null without a winner. */
  amount: string | null;
  /** True when the values differ, but by less than the spread of the jobs' own invocations. */
  withinSpread?: true;
  text: string;
}

/**
 * The verdict for values apart by `apart` (larger / smaller − 1) that the spread of the jobs'
 * invocations does not bear out (`invocation-spread.ts`); null when it does, or is not known.
 */
function withinSpread(
  c: JobComparison,
  figure: keyof JobComparison['spreads'],
  apart: number,
  says: { same: string; lead: string; values: string },
): Verdict | null {
  const spread = relativeSpread(c.spreads[figure]);
  if (spread === null || apart > spread) return null;
  return {
    winner: 'same',
    amount: null,
    withinSpread: true,
    text:
      `${says.same}: ${says.lead} is within the invocations' spread (the middle half of a job's ` +
      `invocations spans ${(spread * 100).toFixed(0)} % of their median) (${says.values})`,
  };
}

/**
 * Lower is better (cost): the cheaper side and how much less it costs, in percent; about the same
 * when the difference is within the spread of the jobs' invocations' own costs.
 */
export function cheaperVerdict(c: JobComparison): Verdict {
  const f = c.figures.costPerImageUsd;
  const [na, nb] = [sideName('a', c.a), sideName('b', c.b)];
  if (f.a === null || f.b === null || f.ratio === null)
    return { winner: 'unknown', amount: null, text: 'no cost to compare' };
  const perImage = `${formatUsd(f.a)} against ${formatUsd(f.b)} per image`;
  if (Math.abs(f.ratio - 1) < SAME_WITHIN)
    return { winner: 'same', amount: null, text: `${na} and ${nb} cost the same per image (${perImage})` };
  const [winner, cheap, dear] = f.b < f.a ? (['b', f.b, f.a] as const) : (['a', f.a, f.b] as const);
  const share = (1 - cheap / dear) * 100;
  const amount = `${share.toFixed(share < 10 ? 1 : 0)} %`;
  const name = winner === 'a' ? na : nb;
  return (
    withinSpread(c, 'costPerImageUsd', dear / cheap - 1, {
      same: `${na} and ${nb} cost about the same per image`,
      lead: `${name}'s ${amount} less`,
      values: perImage,
    }) ?? { winner, amount: `${amount} less`, text: `${name} is ${amount} cheaper per image (${perImage})` }
  );
}

/**
 * How many times as fast the faster side is, by images per second; about as fast when the
 * difference is within the spread of the jobs' invocations' own rates.
 */
export function fasterVerdict(c: JobComparison): Verdict {
  const f: ComparedFigure = c.figures.imagesPerSecond;
  const [na, nb] = [sideName('a', c.a), sideName('b', c.b)];
  if (f.a === null || f.b === null || f.ratio === null || f.b === 0)
    return { winner: 'unknown', amount: null, text: 'no throughput to compare (a job with no prediction)' };
  const rates = `${f.a.toFixed(1)} against ${f.b.toFixed(1)} images/s`;
  if (Math.abs(f.ratio - 1) < SAME_WITHIN)
    return { winner: 'same', amount: null, text: `${na} and ${nb} are as fast (${rates})` };
  const winner = f.ratio > 1 ? 'b' : 'a';
  const times = f.ratio > 1 ? f.ratio : 1 / f.ratio;
  const name = winner === 'a' ? na : nb;
  return (
    withinSpread(c, 'imagesPerSecond', times - 1, {
      same: `${na} and ${nb} are about as fast`,
      lead: `${name}'s ${times.toFixed(2)}×`,
      values: rates,
    }) ?? {
      winner,
      amount: `${times.toFixed(2)}×`,
      text: `${name} is ${times.toFixed(2)}× as fast (${rates})`,
    }
  );
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
