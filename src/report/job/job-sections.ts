/**
 * The sections of a job's report that read as figures and tables (pure): progress over time,
 * where the time went, cost, errors. Each returns trusted HTML with every value escaped.
 */
import type { JobRecord } from '../../manager/types.js';
import { dataTable, escapeHtml, figure, keyValueTable } from '../html/page.js';
import { renderBarChart } from '../svg/bars.js';
import { formatPercent, formatSeconds, formatUsd } from '../svg/format.js';
import { resumedSummary } from '../job-summary.js';
import { PALETTE, renderSvgPlot } from '../svg/plot.js';
import type { ErrorGroup } from './error-groups.js';
import { invocationErrorGroups } from './error-groups.js';
import { costBreakdown, plannedFigures, progressSeries, timeBreakdown } from './job-figures.js';
import { RESULTS_PER_WINDOW } from './throughput.js';

const TIME_AXIS = 'time since the first invocation (s)';

export function progressSection(record: JobRecord): string {
  const p = progressSeries(record);
  const caps = [
    {
      axis: 'y' as const,
      value: record.spec?.backend?.maxConcurrency ?? Number.NaN,
      name: 'cap: backend concurrency',
      color: PALETTE[1],
    },
    {
      axis: 'y' as const,
      value: record.summary.workers,
      name: resumedSummary(record.summary) ? 'planned workers (last run)' : 'planned workers',
      color: PALETTE[2],
    },
  ];
  return [
    figure(
      renderSvgPlot({
        title: 'Images with a result',
        xLabel: TIME_AXIS,
        yLabel: 'images (cumulative)',
        xFromZero: true,
        yFromZero: true,
        yIntegers: true,
        height: 340,
        referenceLines: [{ axis: 'y', value: record.summary.inputs, name: 'inputs', color: '#555' }],
        series: [
          { name: 'images done', style: 'step', points: p.done },
          ...(p.errors.some((e) => e.y > 0)
            ? [{ name: 'images with an error', style: 'step' as const, points: p.errors, color: PALETTE[1] }]
            : []),
        ],
      }),
      'Inputs with a result line as time went on: a split counts when its result arrives.',
    ),
    figure(
      renderSvgPlot({
        title: 'Throughput',
        xLabel: TIME_AXIS,
        yLabel: 'images per second',
        xFromZero: true,
        yFromZero: true,
        height: 300,
        series: [
          {
            name: `images/s over a moving ${formatSeconds(p.windowSeconds)} window`,
            style: 'line',
            points: p.rate,
          },
        ],
      }),
      `How fast results came, as a moving average: the images whose split's result arrived in the ` +
        `${formatSeconds(p.windowSeconds)} before each moment, divided by ${formatSeconds(p.windowSeconds)}. ` +
        "The window is twice a split's median run time, so that it holds results from every worker, " +
        `and at least ${RESULTS_PER_WINDOW} times the mean gap between results (the job's length at most); the line rises ` +
        'from 0 over the first window.',
    ),
    figure(
      renderSvgPlot({
        title: 'Functions running against the caps',
        xLabel: TIME_AXIS,
        yLabel: 'functions',
        xFromZero: true,
        yFromZero: true,
        yIntegers: true,
        height: 320,
        referenceLines: caps,
        series: [
          { name: 'running (cold start or work)', style: 'step', points: p.running },
          { name: 'invoked, waiting for a function', style: 'step', points: p.waiting, color: '#999' },
        ],
      }),
      'Functions starting or working at each moment, and invocations still waiting for one, against ' +
        "the backend's concurrency and the workers the job planned.",
    ),
  ].join('\n');
}

export function timeSection(record: JobRecord): string {
  const t = timeBreakdown(record);
  const s = (v: number): string => formatSeconds(v);
  const parts: string[] = [];
  if (t.stageBusySeconds) {
    const b = t.stageBusySeconds;
    parts.push(
      figure(
        renderBarChart({
          title: 'Pipeline stages: busy time summed over functions',
          axisLabel: 'seconds (concurrent tasks of a stage add up)',
          bars: [
            { label: 'load (fetch inputs)', value: b.load, text: s(b.load) },
            { label: 'preprocess (decode, resize)', value: b.preprocess, text: s(b.preprocess) },
            { label: 'predict (model)', value: b.predict, text: s(b.predict) },
          ],
        }),
        "Time each stage of the functions' pipeline was busy, summed over functions; the stages run " +
          'at once, so their sum can exceed the time the functions ran.',
      ),
    );
  } else
    parts.push(
      '<p class="muted">No function reported its stage times (a job recorded before they were kept).</p>',
    );
  parts.push(
    figure(
      renderBarChart({
        title: 'Function time',
        axisLabel: 'seconds summed over invocations',
        bars: [
          { label: 'billed', value: t.billedSeconds, text: s(t.billedSeconds) },
          { label: 'function run time', value: t.functionSeconds, text: s(t.functionSeconds) },
          { label: 'cold starts (init)', value: t.initSeconds, text: s(t.initSeconds) },
          {
            label: 'on split attempts',
            value: t.splitSeconds,
            text: `${s(t.splitSeconds)} (${formatPercent(t.splitSeconds, t.functionSeconds)} of run time)`,
          },
        ],
      }),
      'Billed time is the time functions ran plus their cold starts; time on split attempts counts ' +
        "from the end of each function's cold start.",
    ),
  );
  if (t.tail) {
    const idle = Math.max(0, t.tail.functionSeconds - t.tail.splitSeconds);
    parts.push(
      `<p data-field="tailSeconds" data-value="${t.tail.seconds}">The tail: ${escapeHtml(s(t.tail.seconds))} from the start of the last split's first attempt (at ${escapeHtml(s(t.tail.startSeconds))}) to the last result, ${escapeHtml(formatPercent(t.tail.seconds, record.summary.latencySeconds ?? record.summary.elapsedSeconds))} of the job's latency. Functions ran ${escapeHtml(s(t.tail.functionSeconds))} during it, ${escapeHtml(s(idle))} of them (${escapeHtml(formatPercent(idle, t.tail.functionSeconds))}) on no split: waiting for stragglers.</p>`,
    );
  }
  return parts.join('\n');
}

export function costSection(record: JobRecord): string {
  const c = costBreakdown(record);
  const sum = record.summary;
  const rows: Array<[string, string]> = [
    [
      'Total',
      `<span data-field="costUsd" data-value="${sum.costUsd}">${escapeHtml(formatUsd(sum.costUsd))}</span>`,
    ],
    [
      'Per million images',
      `<span data-field="costPerMillionImagesUsd" data-value="${sum.costPerMillionImagesUsd}">${escapeHtml(formatUsd(sum.costPerMillionImagesUsd))}</span>`,
    ],
    [
      'Images per dollar',
      sum.imagesPerDollar === null
        ? '-'
        : escapeHtml(Math.round(sum.imagesPerDollar).toLocaleString('en-US')),
    ],
    ['Prices', `${escapeHtml(sum.priceModel)}, ${escapeHtml(String(sum.memoryMb))} MB functions`],
  ];
  const parts = [keyValueTable(rows)];
  if (c) {
    const share = (v: number): string => formatPercent(v, c.totalUsd);
    parts.push(
      '<h3>By category</h3>',
      dataTable(
        ['category', 'cost', 'share'],
        [
          ['function run time', formatUsd(c.byComponent.functionUsd), share(c.byComponent.functionUsd)],
          ['cold starts (init)', formatUsd(c.byComponent.initUsd), share(c.byComponent.initUsd)],
          ['requests', formatUsd(c.byComponent.requestsUsd), share(c.byComponent.requestsUsd)],
          ['invocations that succeeded', formatUsd(c.byEnd.ok), share(c.byEnd.ok)],
          ['invocations that failed', formatUsd(c.byEnd.failed), share(c.byEnd.failed)],
          ['invocations that timed out', formatUsd(c.byEnd.timeout), share(c.byEnd.timeout)],
          [
            'invocations stopped by the job manager (job done, cancelled or stopped) or with it (killed)',
            formatUsd(c.byEnd.stopped),
            share(c.byEnd.stopped),
          ],
        ].map((r) => r.map(escapeHtml)),
        [1, 2],
      ),
    );
  }
  const planned = plannedFigures(record);
  if (planned) {
    const row = (
      name: string,
      predicted: number | undefined,
      measured: number | null,
      f: (v: number) => string,
    ): string[] =>
      predicted === undefined
        ? []
        : [
            name,
            f(predicted),
            measured === null ? '—' : f(measured),
            measured !== null && measured > 0
              ? `${(((measured - predicted) / predicted) * 100).toFixed(1)} %`
              : '-',
          ].map(escapeHtml);
    parts.push(
      '<h3>Planned against measured</h3>',
      dataTable(
        ['', 'predicted', 'measured', 'error'],
        [
          row('cost', planned.costUsd, sum.costUsd, formatUsd),
          row(
            'cost per million images',
            planned.costPerMillionImagesUsd,
            sum.costPerMillionImagesUsd,
            formatUsd,
          ),
          row('latency', planned.latencySeconds, sum.latencySeconds, formatSeconds),
        ].filter((r) => r.length > 0),
        [1, 2, 3],
      ),
    );
  }
  return parts.join('\n');
}

function groupsTable(groups: readonly ErrorGroup[], what: string): string {
  return dataTable(
    ['count', 'message', `first ${what}`],
    groups.map((g) => [
      String(g.count),
      `<code>${escapeHtml(g.message)}</code>`,
      escapeHtml(g.first.join(', ')),
    ]),
    [0],
  );
}

export function errorsSection(record: JobRecord, inputErrors: readonly ErrorGroup[] | null): string {
  const parts: string[] = [];
  if (inputErrors === null)
    parts.push('<p class="muted">results.jsonl could not be read: input errors are not shown.</p>');
  else if (inputErrors.length === 0) parts.push('<p>Every input has a prediction.</p>');
  else parts.push('<h3>Inputs with an error, by message</h3>', groupsTable(inputErrors, 'keys'));
  const invocationErrors = invocationErrorGroups(record);
  if (invocationErrors.length > 0)
    parts.push('<h3>Failed invocations, by message</h3>', groupsTable(invocationErrors, 'workers'));
  if (record.stopReason)
    parts.push(`<p>The job stopped early: <code>${escapeHtml(record.stopReason)}</code></p>`);
  return parts.join('\n');
}
