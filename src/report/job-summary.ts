/**
 * A job's summary for people (a table) and for programs (`--json`), from the same object so the
 * two always agree.
 */
import type { JobSummary } from '../manager/types.js';
import { plural } from '../util/plural.js';
import { formatUsd } from '../util/money.js';
import { labelledLines } from '../util/text-layout.js';

/** The `--json` object: the summary as is (keys documented in the README). */
export function summaryJson(summary: JobSummary): Record<string, unknown> {
  return { ...summary };
}

/** Shown for a figure that means nothing for the job (null in `--json`). */
export const NOT_MEANINGFUL = '—';

/** Seconds with a precision that suits their size. */
export function seconds(value: number): string {
  return value >= 100
    ? `${value.toFixed(0)} s`
    : value >= 10
      ? `${value.toFixed(1)} s`
      : `${value.toFixed(2)} s`;
}

/** Label/value rows of the human summary. */
export function summaryRows(s: JobSummary): Array<[string, string]> {
  return [
    ['Job', `${s.job} (${s.jobId}): ${statusText(s)}`],
    ['Inputs', `${s.inputs} (${s.ok} ok, ${plural(s.errors, 'error')})`],
    ...(s.modelSha256 !== undefined ? [['Model', `SHA-256 ${s.modelSha256}`] as [string, string]] : []),
    [
      'Functions',
      `${invocationCounts(s)}, ${s.mode} mode, ${s.backend} backend at ${s.memoryMb} MB; ` +
        `${plural(s.retries, 'retry', 'retries')}, ${plural(s.failedInvocations, 'failure')}, ${plural(s.coldStarts, 'cold start')}`,
    ],
    [
      'Latency',
      s.latencySeconds !== null
        ? `${seconds(s.latencySeconds)} (first submit to last result${overRuns(s)})`
        : `${NOT_MEANINGFUL} (${whyNoLatency(s)}; it ran ${seconds(s.elapsedSeconds)})`,
    ],
    [
      'Throughput',
      s.imagesPerSecond !== null
        ? `${s.imagesPerSecond.toFixed(1)} images/s (predictions, first submit to last prediction${overRuns(s)})`
        : `${NOT_MEANINGFUL} (no input got a prediction)`,
    ],
    [
      'Billed',
      `${seconds(s.billedSeconds)} (function ${seconds(s.functionSeconds)}, init ${seconds(s.initSeconds)})` +
        (s.estimatedInvocations !== undefined
          ? `; ${seconds(s.estimatedBilledSeconds ?? 0)} of it estimated for ${plural(s.estimatedInvocations, 'invocation')} whose end was not recorded`
          : ''),
    ],
    [
      'Cost',
      `${formatUsd(s.costUsd)} (${formatUsd(s.costPerMillionImagesUsd)} per million images, ${s.priceModel} prices)`,
    ],
    ['Output', s.out],
  ];
}

/**
 * "7 invocations of 8 planned", or for a resumed job, whose last run planned workers only for
 * the splits left: "7 invocations over 2 runs (3 in this run, of 3 planned; 4 before it)".
 */
function invocationCounts(s: JobSummary): string {
  const all = plural(s.invocations, 'invocation');
  if (!resumedSummary(s) || s.invocationsInEarlierRuns === undefined) return `${all} of ${s.workers} planned`;
  const earlier = s.invocationsInEarlierRuns;
  return `${all} over ${s.runs} runs (${s.invocations - earlier} in this run, of ${s.workers} planned; ${earlier} before it)`;
}

/** True for a job that ran more than once (resumed), whose `workers` are its last run's. */
export function resumedSummary(s: JobSummary): boolean {
  return s.runs !== undefined && s.runs > 1;
}

/** "8 workers planned", or "3 workers planned by the last of 2 runs" for a resumed job. */
export function plannedWorkers(s: JobSummary): string {
  const workers = `${plural(s.workers, 'worker')} planned`;
  return resumedSummary(s) ? `${workers} by the last of ${s.runs} runs` : workers;
}

/** ", summed over 2 runs" for a resumed job. */
function overRuns(s: JobSummary): string {
  return resumedSummary(s) ? `, summed over ${s.runs} runs` : '';
}

/** The job's status, with why it was cancelled when the cancel gave a reason. */
function statusText(s: Pick<JobSummary, 'status' | 'cancelReason'>): string {
  return s.cancelReason !== undefined ? `${s.status} (${s.cancelReason})` : s.status;
}

function whyNoLatency(s: JobSummary): string {
  if (s.status === 'cancelled') return 'the job was cancelled';
  if (s.status === 'failed') return 'the job stopped early';
  return 'no input got a prediction';
}

/**
 * The summary as aligned lines of text. Given the terminal's `width`, a value too long for it
 * goes on at word breaks under itself, so that the labels stay alone in their column (a word
 * longer than the line, such as a path, is not broken).
 */
export function formatSummaryTable(summary: JobSummary, width?: number): string {
  return labelledLines(summaryRows(summary), { width }).join('\n');
}
