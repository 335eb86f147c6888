/**
 * A day's report as one HTML page and as a figure (pure): latency and queueing delay against
 * arrival, functions and jobs running against the caps, cost per job against its target, the
 * jobs, and, given a second day of the same trace, the per-job error between the two.
 */
import type { DayReport } from '../../trace/day-report.js';
import {
  cards,
  dataTable,
  escapeHtml,
  figure,
  keyValueTable,
  renderPage,
  type Section,
} from '../html/page.js';
import { formatCount, formatSeconds, formatUsd } from '../svg/format.js';
import { PALETTE, renderSvgPlot, stackSvg, type ReferenceLine } from '../svg/plot.js';
import { dayConcurrency, dayLimits } from './day-figures.js';

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

const ARRIVAL = 'arrival (s after the first job)';
const FAILED = PALETTE[1];

/** The day's plots: latency, queueing delay, concurrency and cost per job. */
export function dayPlots(report: DayReport): string[] {
  const jobs = report.jobs;
  const ok = jobs.filter((j) => j.status === 'succeeded');
  const bad = jobs.filter((j) => j.status !== 'succeeded');
  const limits = dayLimits(report);
  const concurrency = dayConcurrency(report);
  const deadline: ReferenceLine[] =
    limits.deadlineSeconds !== null
      ? [
          {
            axis: 'y',
            value: limits.deadlineSeconds,
            name: `deadline: ${limits.deadlineSeconds} s`,
            color: FAILED,
          },
        ]
      : [];
  const plots = [
    renderSvgPlot({
      title: 'Latency of each job against its arrival',
      xLabel: ARRIVAL,
      yLabel: 'latency, start to last result (s)',
      xFromZero: true,
      yFromZero: true,
      height: 360,
      referenceLines: deadline,
      series: [
        {
          name: 'succeeded',
          style: 'dots',
          points: ok.map((j) => ({ x: j.submittedAtSeconds, y: j.latencySeconds ?? Number.NaN })),
        },
        ...(bad.length > 0
          ? [
              {
                name: 'failed or cancelled (turnaround)',
                style: 'dots' as const,
                marker: 'triangle' as const,
                color: FAILED,
                points: bad.map((j) => ({ x: j.submittedAtSeconds, y: j.turnaroundSeconds })),
              },
            ]
          : []),
      ],
    }),
    renderSvgPlot({
      title: 'Queueing delay: submission to start',
      xLabel: ARRIVAL,
      yLabel: 'queueing delay (s)',
      xFromZero: true,
      yFromZero: true,
      height: 320,
      series: [
        {
          name: 'queue wait',
          style: 'dots',
          marker: 'square',
          color: PALETTE[2],
          points: jobs.map((j) => ({ x: j.submittedAtSeconds, y: j.queueWaitSeconds })),
        },
      ],
    }),
    renderSvgPlot({
      title: 'Functions running over the day against the cap',
      xLabel: 'time (s after the first job)',
      yLabel: 'concurrent functions (workers granted)',
      xFromZero: true,
      yFromZero: true,
      height: 320,
      referenceLines:
        limits.maxWorkers !== null
          ? [
              {
                axis: 'y',
                value: limits.maxWorkers,
                name: `cap: ${limits.maxWorkers} functions`,
                color: FAILED,
              },
            ]
          : [],
      series: [{ name: 'functions running', style: 'step', points: concurrency.functions }],
    }),
    renderSvgPlot({
      title: 'Jobs running over the day against the cap',
      xLabel: 'time (s after the first job)',
      yLabel: 'concurrent jobs',
      xFromZero: true,
      yFromZero: true,
      height: 280,
      referenceLines:
        limits.maxJobs !== null
          ? [{ axis: 'y', value: limits.maxJobs, name: `cap: ${limits.maxJobs} jobs`, color: FAILED }]
          : [],
      series: [{ name: 'jobs running', style: 'step', color: PALETTE[3], points: concurrency.jobs }],
    }),
    renderSvgPlot({
      title: 'Cost of each job per million images',
      xLabel: ARRIVAL,
      yLabel: 'cost per million images (USD)',
      xFromZero: true,
      yFromZero: true,
      height: 320,
      referenceLines:
        limits.cprPerMillionUsd !== null
          ? [
              {
                axis: 'y',
                value: limits.cprPerMillionUsd,
                name: `CPR target: $${limits.cprPerMillionUsd} per million`,
                color: FAILED,
              },
            ]
          : [],
      series: [
        {
          name: 'succeeded jobs',
          style: 'dots',
          color: PALETTE[4],
          points: ok.map((j) => ({
            x: j.submittedAtSeconds,
            y: j.cprUsd === null ? Number.NaN : j.cprUsd * 1e6,
          })),
        },
      ],
    }),
  ];
  return plots;
}

/** The day's plots stacked into one SVG figure (what `simulate` and `replay` write as `day.svg`). */
export function dayFigureSvg(report: DayReport): string {
  return stackSvg(dayPlots(report), `${report.source === 'simulate' ? 'Simulated' : 'Replayed'} day`);
}

function comparisonHtml(c: DayComparison): string {
  const pct = (v: number): string => (Number.isFinite(v) ? `${(v * 100).toFixed(1)} %` : '-');
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
        xFromZero: true,
        yFromZero: true,
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
        yFromZero: true,
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
    { field: 'jobs', label: 'jobs', value: t.jobs, text: formatCount(t.jobs) },
    { field: 'succeeded', label: 'succeeded', value: t.succeeded, text: formatCount(t.succeeded) },
    { field: 'failed', label: 'failed', value: t.failed, text: formatCount(t.failed) },
    { field: 'images', label: 'images', value: t.images, text: formatCount(t.images) },
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
    { field: 'peakWorkers', label: 'peak functions', value: t.peakWorkers, text: formatCount(t.peakWorkers) },
  ]);
  const sections: Section[] = [
    { id: 'summary', title: 'Summary', html: summary },
    {
      id: 'plots',
      title: 'The day',
      html: dayPlots(report)
        .map((svg) => figure(svg))
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
