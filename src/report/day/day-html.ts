/**
 * A day's report as one HTML page (pure; its plots are `day-plots.ts`'s): latency and queueing delay against
 * arrival, functions and jobs running against the caps, cost per job against its target, the
 * jobs, and, given a second day of the same trace, the per-job error between the two.
 */
import type { DayReport } from '../../trace/day-report.js';
import {
  cards,
  countCard,
  dataTable,
  escapeHtml,
  figure,
  keyValueTable,
  renderPage,
  type Section,
} from '../html/page.js';
import { spansDecades } from '../svg/axes.js';
import { formatCount, formatSeconds, formatUsd } from '../svg/format.js';
import { PALETTE, renderSvgPlot } from '../svg/plot.js';
import { dayPlots } from './day-plots.js';

/** Per-job latency of two days of the same trace (a replay and a simulation), matched by id. */
export interface DayComparison {
  /** What each side is, e.g. `replay (day-a)` and `simulate (day-b)`. */
  realName: string;
  simulatedName: string;
  jobs: ReadonlyArray<{
    id: string;
    images: number;
    realSeconds: number;
    simulatedSeconds: number;
    relativeError: number;
  }>;
  maxRelativeError: number;
  medianRelativeError: number;
  meanRelativeError: number;
}

function comparisonHtml(c: DayComparison): string {
  const pct = (v: number): string => (Number.isFinite(v) ? `${(v * 100).toFixed(1)} %` : '-');
  const latencyLog = spansDecades(c.jobs.flatMap((j) => [j.realSeconds, j.simulatedSeconds]));
  const errorLog = spansDecades(c.jobs.map((j) => j.relativeError));
  return [
    keyValueTable([
      ['Compared', `${escapeHtml(c.realName)} against ${escapeHtml(c.simulatedName)}`],
      [
        'Jobs in both (succeeded)',
        `<span data-field="comparedJobs" data-value="${c.jobs.length}">${c.jobs.length}</span>`,
      ],
      [
        'Latency error: median / mean / max',
        escapeHtml(
          `${pct(c.medianRelativeError)} / ${pct(c.meanRelativeError)} / ${pct(c.maxRelativeError)}`,
        ),
      ],
    ]),
    figure(
      renderSvgPlot({
        title: 'Latency per job: one day against the other',
        xLabel: `${c.realName}: latency (s)`,
        yLabel: `${c.simulatedName}: latency (s)`,
        diagonal: 'y = x (same latency)',
        xFromZero: !latencyLog,
        yFromZero: !latencyLog,
        xLog: latencyLog,
        yLog: latencyLog,
        height: 380,
        series: [
          {
            name: 'job',
            style: 'dots',
            points: c.jobs.map((j) => ({ x: j.realSeconds, y: j.simulatedSeconds })),
          },
        ],
      }),
    ),
    figure(
      renderSvgPlot({
        title: 'Relative latency error per job',
        xLabel: 'images in the job',
        yLabel: '|difference| / first latency (%)',
        xLog: spansDecades(c.jobs.map((j) => j.images)),
        yLog: errorLog,
        yFromZero: !errorLog,
        height: 320,
        series: [
          {
            name: 'job',
            style: 'dots',
            marker: 'square',
            color: PALETTE[1],
            points: c.jobs.map((j) => ({ x: j.images, y: j.relativeError * 100 })),
          },
        ],
      }),
    ),
  ].join('\n');
}

/** Jobs listed in the page (all of them are in `day.json`). */
const JOBS_SHOWN = 500;

function jobsTable(report: DayReport): string {
  const rows = report.jobs
    .slice(0, JOBS_SHOWN)
    .map((j) => [
      j.folder ? `<a href="${escapeHtml(encodeURI(j.folder))}/">${escapeHtml(j.id)}</a>` : escapeHtml(j.id),
      escapeHtml(j.status),
      formatCount(j.images),
      `${j.workers ?? '-'} / ${j.requestedWorkers}`,
      escapeHtml(j.submittedAtSeconds.toFixed(1)),
      escapeHtml(j.queueWaitSeconds.toFixed(2)),
      j.latencySeconds === null ? '-' : escapeHtml(j.latencySeconds.toFixed(2)),
      j.costUsd === null ? '-' : escapeHtml(formatUsd(j.costUsd)),
      j.cprUsd === null ? '-' : escapeHtml(formatUsd(j.cprUsd * 1e6)),
    ]);
  const more =
    report.jobs.length > JOBS_SHOWN
      ? `<p class="muted">The first ${JOBS_SHOWN} of ${report.jobs.length} jobs; day.json has them all.</p>`
      : '';
  return (
    dataTable(
      [
        'job',
        'status',
        'images',
        'workers (got / asked)',
        'submitted (s)',
        'queue (s)',
        'latency (s)',
        'cost',
        'per million',
      ],
      rows,
      [2, 4, 5, 6, 7, 8],
    ) + more
  );
}

/** The whole page. */
export function dayReportHtml(
  report: DayReport,
  options: { generatedAt: string; comparison?: DayComparison },
): string {
  const t = report.totals;
  const summary = cards([
    countCard('jobs', 'jobs', t.jobs),
    countCard('succeeded', 'succeeded', t.succeeded),
    countCard('failed', 'failed', t.failed, true),
    countCard('images', 'images', t.images),
    { field: 'costUsd', label: 'cost', value: t.costUsd, text: formatUsd(t.costUsd) },
    {
      field: 'costPerMillionImagesUsd',
      label: 'per million images',
      value: t.costPerMillionImagesUsd,
      text: formatUsd(t.costPerMillionImagesUsd),
    },
    {
      field: 'makespanSeconds',
      label: 'makespan',
      value: t.makespanSeconds,
      text: formatSeconds(t.makespanSeconds),
    },
    countCard('peakWorkers', 'peak functions', t.peakWorkers),
  ]);
  const sections: Section[] = [
    { id: 'summary', title: 'Summary', html: summary },
    {
      id: 'plots',
      title: 'The day',
      html: dayPlots(report)
        .map((p) => figure(p.svg, p.caption))
        .join('\n'),
    },
  ];
  if (options.comparison)
    sections.push({
      id: 'compare',
      title: 'Against the other day',
      html: comparisonHtml(options.comparison),
    });
  sections.push(
    { id: 'jobs', title: 'Jobs', html: jobsTable(report) },
    {
      id: 'settings',
      title: 'Settings',
      html: `<pre>${escapeHtml(JSON.stringify({ trace: report.trace, settings: report.settings, details: report.details }, null, 2))}</pre>`,
    },
  );
  const what = report.source === 'simulate' ? 'Simulated day' : 'Replayed day';
  return renderPage({
    title: `${what}${report.trace.file ? `: ${report.trace.file}` : ''}`,
    subtitle: `<span class="status status-succeeded" data-field="source" data-value="${escapeHtml(report.source)}">${escapeHtml(report.source)}</span> day.json of ${escapeHtml(report.createdAt)}; report made ${escapeHtml(options.generatedAt)}`,
    sections,
  });
}
