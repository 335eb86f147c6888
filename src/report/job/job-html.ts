/**
 * A job's report as one HTML page (pure): the totals, the timeline, progress over time, where
 * the time went, cost, errors, the spec and model, the job's files and the plots in its folder.
 */
import type { InvocationRecord, JobRecord } from '../../manager/types.js';
import {
  cards,
  countCard,
  escapeHtml,
  keyValueTable,
  renderPage,
  svgImage,
  type Section,
} from '../html/page.js';
import { formatCount, formatSeconds, formatUsd } from '../svg/format.js';
import type { ErrorGroup } from './error-groups.js';
import { plannedWorkers } from '../job-summary.js';
import { contractRows } from './job-contract-rows.js';
import { costSection, errorsSection, progressSection, timeSection } from './job-sections.js';
import { timelineSvg } from './timeline.js';
import { timelineLegend } from './timeline-legend.js';

/** A file of the job's folder, linked from the report. */
export interface FolderFile {
  name: string;
  bytes: number;
}

/** What the report shows besides `job.json`. */
export interface JobReportExtras {
  /** Inputs with an error, by message (from `results.jsonl`); null when it could not be read. */
  inputErrors: readonly ErrorGroup[] | null;
  files: readonly FolderFile[];
  /** SVG files found in the folder, shown as images. */
  plots: ReadonlyArray<{ name: string; svg: string }>;
  /** ISO time the report was made. */
  generatedAt: string;
}

/** Split ids kept per invocation in the page's data (the record in `job.json` has them all). */
const SPLIT_IDS_KEPT = 20;

/** An invocation as the page's script shows it: its record, with a long split list cut. */
function pageRecord(inv: InvocationRecord): Record<string, unknown> {
  const { splitIds, ...rest } = inv;
  const ids = Array.isArray(splitIds) ? splitIds : [];
  return {
    ...rest,
    splitCount: ids.length,
    splitIds:
      ids.length > SPLIT_IDS_KEPT
        ? [...ids.slice(0, SPLIT_IDS_KEPT), `... ${ids.length - SPLIT_IDS_KEPT} more`]
        : ids,
  };
}

function summaryCards(record: JobRecord): string {
  const s = record.summary;
  // What a reader asks first (did it work, how long, how much) leads; how it ran follows.
  return cards([
    countCard('inputs', 'inputs', s.inputs),
    countCard('ok', 'with a prediction', s.ok),
    countCard('errors', 'with an error', s.errors, true),
    s.latencySeconds === null
      ? {
          // No last result, so no latency: how long it ran says how long it took instead.
          field: 'latencySeconds',
          label: `ran (no latency: the job ${s.status === 'cancelled' ? 'was cancelled' : 'stopped'})`,
          value: null,
          text: formatSeconds(s.elapsedSeconds),
        }
      : {
          field: 'latencySeconds',
          label: 'latency (first submit to last result)',
          value: s.latencySeconds,
          text: formatSeconds(s.latencySeconds),
        },
    { field: 'costUsd', label: 'cost', value: s.costUsd, text: formatUsd(s.costUsd) },
    {
      field: 'imagesPerSecond',
      label: 'images per second',
      value: s.imagesPerSecond,
      text: s.imagesPerSecond === null ? '—' : s.imagesPerSecond.toFixed(1),
    },
    { field: 'billedSeconds', label: 'billed', value: s.billedSeconds, text: formatSeconds(s.billedSeconds) },
    countCard('invocations', 'invocations', s.invocations),
    countCard('failedInvocations', 'failed invocations', s.failedInvocations, true),
    countCard('retries', 'retries and copies', s.retries),
    countCard('coldStarts', 'cold starts', s.coldStarts),
  ]);
}

function timelineSection(record: JobRecord): string {
  return [
    `<p>One row per worker, one bar per invocation (<span data-field="timelineBars" data-value="${record.invocations.length}">${record.invocations.length}</span>). Hover a bar or a mark for what it is; click a bar for its record.</p>`,
    timelineLegend(record),
    `<div class="scroll">${timelineSvg(record)}</div>`,
    '<details><summary>Selected invocation</summary><pre id="details">Click a bar of the timeline.</pre></details>',
  ].join('\n');
}

/** The model's (and labels') digest as the job started with it; a record from before they were kept says so. */
function modelDigestHtml(model: JobRecord['model'] | undefined): string {
  if (!model?.sha256) return '<span class="muted">not recorded (a job run by an earlier version)</span>';
  const bytes = model.bytes !== undefined ? ` (${escapeHtml(formatCount(model.bytes))} bytes)` : '';
  const labels = model.labelsSha256 ? `; labels <code>${escapeHtml(model.labelsSha256)}</code>` : '';
  return `<code>${escapeHtml(model.sha256)}</code>${bytes}${labels}`;
}

function specSection(record: JobRecord): string {
  const p = record.pipeline;
  const rows: Array<[string, string]> = [
    [
      'Model',
      `<code>${escapeHtml(record.model?.uri ?? '-')}</code>${record.model?.path && record.model.path !== record.model.uri ? ` (${escapeHtml(record.model.path)})` : ''}`,
    ],
    ['Model SHA-256', modelDigestHtml(record.model)],
    ...contractRows(record).map(([label, text]): [string, string] => [label, escapeHtml(text)]),
    [
      'Inputs',
      `${escapeHtml(formatCount(record.inputs?.count ?? record.summary.inputs))} from <code>${escapeHtml(record.inputs?.location ?? '-')}</code> (${escapeHtml(record.inputs?.kind ?? '-')})`,
    ],
    [
      'Dispatch',
      `${escapeHtml(record.summary.mode)} on ${escapeHtml(record.summary.backend)}, ${escapeHtml(plannedWorkers(record.summary))}, split size ${escapeHtml(String(record.spec?.splitSize ?? '-'))}`,
    ],
  ];
  if (p)
    rows.push([
      'Pipeline',
      escapeHtml(
        `load x${p.load.concurrency}, preprocess x${p.preprocess.concurrency}, predict: batch ${p.predict.batchSize}, ${p.predict.intraOpThreads} intra-op / ${p.predict.interOpThreads} inter-op threads, ${p.predict.replicas} replica(s)`,
      ),
    ]);
  if (record.faults)
    rows.push([
      'Injected faults',
      escapeHtml(
        `${record.faults.policy.failPercent} % fail, ${record.faults.policy.delayPercent} % delayed up to ${record.faults.policy.delayMaxMs} ms` +
          `${record.faults.policy.readErrorPercent ? `, ${record.faults.policy.readErrorPercent} % of reads fail (passing)` : ''}` +
          ` (seed ${record.faults.policy.seed}); ${record.faults.workers.length} worker(s) affected`,
      ),
    ]);
  if (record.runs && record.runs.length > 1)
    rows.push(['Runs', escapeHtml(`${record.runs.length} (resumed ${record.runs.length - 1} time(s))`)]);
  return [
    keyValueTable(rows),
    `<details><summary>The resolved spec (as in job.json)</summary><pre>${escapeHtml(JSON.stringify(record.spec, null, 2))}</pre></details>`,
  ].join('\n');
}

/**
 * The folder's files as they were when the page was made: a static page cannot see files written
 * after it (a comparison, an export), so it says when it listed them and how to list them again.
 */
function filesSection(files: readonly FolderFile[], generatedAt: string): string {
  const when = `<p class="muted">The folder's files when this report was made (${escapeHtml(generatedAt)}); <code>obifaas report</code> on the folder lists those written since.</p>`;
  if (files.length === 0) return `<p class="muted">No files found beside the report.</p>${when}`;
  const kb = (n: number): string =>
    n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${when}<ul>${files.map((f) => `<li><a href="${escapeHtml(encodeURI(f.name))}">${escapeHtml(f.name)}</a> <span class="muted">${kb(f.bytes)}</span></li>`).join('')}</ul>`;
}

/** The whole page. */
export function jobReportHtml(record: JobRecord, extras: JobReportExtras): string {
  const s = record.summary;
  const sections: Section[] = [
    { id: 'summary', title: 'Summary', html: summaryCards(record) },
    { id: 'timeline', title: 'Timeline', html: timelineSection(record) },
    { id: 'progress', title: 'Progress over time', html: progressSection(record) },
    { id: 'time', title: 'Where the time went', html: timeSection(record) },
    { id: 'cost', title: 'Cost', html: costSection(record) },
    { id: 'errors', title: 'Errors', html: errorsSection(record, extras.inputErrors) },
    { id: 'spec', title: 'Spec and model', html: specSection(record) },
    { id: 'files', title: 'Files', html: filesSection(extras.files, extras.generatedAt) },
  ];
  if (extras.plots.length > 0)
    sections.push({
      id: 'plots',
      title: 'Plots in this folder',
      html: extras.plots.map((p) => svgImage(p.name, p.svg)).join('\n'),
    });
  const cancelReason =
    s.cancelReason !== undefined
      ? ` <span data-field="cancelReason">(${escapeHtml(s.cancelReason)})</span>`
      : '';
  const subtitle = `<span class="status status-${escapeHtml(s.status)}" data-field="status" data-value="${escapeHtml(s.status)}">${escapeHtml(s.status)}</span>${cancelReason} ${escapeHtml(record.jobId)}: ${escapeHtml(record.startedAt)} to ${escapeHtml(record.endedAt)}; report made ${escapeHtml(extras.generatedAt)}`;
  return renderPage({
    title: `Job ${record.name}`,
    subtitle,
    sections,
    data: { jobId: record.jobId, invocations: record.invocations.map(pageRecord) },
  });
}
