/**
 * The legend of a job's timeline (pure HTML): one entry for each kind of bar, shading and mark the
 * timeline draws for this job, with how many there are, in one fixed order. Kinds that do not
 * occur are left out, so that the legend says what the reader will find.
 */
import type { JobRecord } from '../../manager/types.js';
import { escapeHtml } from '../html/page.js';
import { countMarks, functionStart, invocationEnd, type MarkKind } from './job-figures.js';
import { failedAttemptPattern, markSvg, TIMELINE_COLORS } from './timeline.js';

/** One entry: what it looks like (trusted HTML), what it is, and how many the timeline holds. */
interface LegendItem {
  key: string;
  symbol: string;
  text: string;
  count: number;
}

const MARK_NAMES: Record<MarkKind, string> = {
  failed: 'failed invocation',
  timeout: 'timeout (invocation, or a worker gone silent)',
  retry: 'retry of a split',
  'copy-won': 'speculative copy that won',
  'copy-lost': 'speculative copy that lost',
};

function swatch(color: string): string {
  return `<svg width="22" height="12"><rect x="1" y="1" width="20" height="10" fill="${color}"/></svg>`;
}

/** Every kind the timeline can draw, in the legend's order, each with its count in `record`. */
function legendItems(record: JobRecord): LegendItem[] {
  const c = TIMELINE_COLORS;
  const invs = record.invocations;
  const ends = { ok: 0, failed: 0, timeout: 0, stopped: 0 };
  for (const inv of invs) ends[invocationEnd(inv)]++;
  const attempts = record.splits.flatMap((s) => s.attempts).filter((a) => Number.isFinite(a.startedAt));
  const outcomes = (...kinds: string[]): number => attempts.filter((a) => kinds.includes(a.outcome)).length;
  const marks = countMarks(record);
  return [
    {
      key: 'wait',
      symbol: swatch(c.wait),
      text: 'invoked, waiting for a function',
      count: invs.filter((i) => functionStart(i) > i.submittedAt).length,
    },
    {
      key: 'init',
      symbol: swatch(c.init),
      text: 'cold start (init)',
      count: invs.filter((i) => i.startedAt > functionStart(i)).length,
    },
    {
      key: 'ok',
      symbol: swatch(c.work),
      text: 'working, succeeded (white ticks: split starts)',
      count: ends.ok,
    },
    {
      key: 'stopped',
      symbol: swatch(c.stopped),
      text: 'stopped by the job manager (job done, cancelled or stopped) or with it (killed)',
      count: ends.stopped,
    },
    { key: 'failed', symbol: swatch(c.failed), text: 'failed', count: ends.failed },
    { key: 'timed-out', symbol: swatch(c.timedOut), text: 'timed out', count: ends.timeout },
    {
      key: 'attempt-lost',
      symbol: swatch(c.lost),
      text: 'attempt that lost to another',
      count: outcomes('lost', 'superseded'),
    },
    {
      key: 'attempt-failed',
      symbol: `<svg width="22" height="12">${failedAttemptPattern('legend-failed-attempt')}<rect x="1" y="1" width="20" height="10" fill="url(#legend-failed-attempt)"/></svg>`,
      text: 'attempt that failed',
      count: outcomes('failed', 'invalid'),
    },
    {
      key: 'attempt-silent',
      symbol: swatch(c.silent),
      text: 'attempt whose worker went silent',
      count: outcomes('silent'),
    },
    ...(Object.keys(MARK_NAMES) as MarkKind[]).map((k) => ({
      key: `mark-${k}`,
      symbol: `<svg width="18" height="16">${markSvg(k, 9, 8, 5).replace('class="mark ', 'class="legend-mark ')}</svg>`,
      text: MARK_NAMES[k],
      count: marks[k],
    })),
  ];
}

/** The legend's HTML: the kinds that occur, each with its count (`data-legend`, `data-count`). */
export function timelineLegend(record: JobRecord): string {
  const items = legendItems(record).filter((i) => i.count > 0);
  return `<div class="legend timeline-legend">${items
    .map(
      (i) =>
        `<span data-legend="${i.key}">${i.symbol} ${escapeHtml(i.text)} (<span data-count="${i.count}">${i.count.toLocaleString('en-US')}</span>)</span>`,
    )
    .join('')}</div>`;
}
