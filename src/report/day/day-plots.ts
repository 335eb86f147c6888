/**
 * A day's plots as SVG (pure): latency and queueing delay against arrival, functions and jobs
 * running against the caps, and cost per job against its target; stacked, the figure `simulate`
 * and `replay` write as `day.svg`.
 */
import type { DayReport } from '../../trace/day-report.js';
import { spansDecades } from '../svg/axes.js';
import { PALETTE, renderSvgPlot, type ReferenceLine } from '../svg/plot.js';
import { stackSvg } from '../svg/stack.js';
import { dayConcurrency, dayLimits, dayTimeUnit } from './day-figures.js';
import { formatUsd } from '../../util/money.js';

const FAILED = PALETTE[1];

/** One of the day's plots, with a line that says what it shows. */
export interface DayPlot {
  svg: string;
  caption: string;
}

/** The day's plots: latency, queueing delay, concurrency and cost per job. */
export function dayPlots(report: DayReport): DayPlot[] {
  const jobs = report.jobs;
  const ok = jobs.filter((j) => j.status === 'succeeded');
  const bad = jobs.filter((j) => j.status !== 'succeeded');
  const limits = dayLimits(report);
  const unit = dayTimeUnit(report);
  const at = (seconds: number): number => seconds / unit.seconds;
  const arrivalLabel = `arrival (${unit.name} after the first job)`;
  const timeLabel = `time (${unit.name} after the first job)`;
  const inUnit = (points: ReadonlyArray<{ x: number; y: number }>): Array<{ x: number; y: number }> =>
    points.map((p) => ({ ...p, x: at(p.x) }));
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
  const cprPerMillion = ok.map((j) => (j.cprUsd === null ? Number.NaN : j.cprUsd * 1e6));
  const cprLog = spansDecades(cprPerMillion);
  const plots = [
    renderSvgPlot({
      title: 'Latency of each job against its arrival',
      xLabel: arrivalLabel,
      yLabel: 'latency, start to last result (s)',
      xFromZero: true,
      yFromZero: true,
      height: 360,
      referenceLines: deadline,
      series: [
        {
          name: 'succeeded',
          style: 'dots',
          points: ok.map((j) => ({ x: at(j.submittedAtSeconds), y: j.latencySeconds ?? Number.NaN })),
        },
        ...(bad.length > 0
          ? [
              {
                name: 'failed or cancelled (turnaround)',
                style: 'dots' as const,
                marker: 'triangle' as const,
                color: FAILED,
                points: bad.map((j) => ({ x: at(j.submittedAtSeconds), y: j.turnaroundSeconds })),
              },
            ]
          : []),
      ],
    }),
    renderSvgPlot({
      title: 'Queueing delay: submission to start',
      xLabel: arrivalLabel,
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
          points: jobs.map((j) => ({ x: at(j.submittedAtSeconds), y: j.queueWaitSeconds })),
        },
      ],
    }),
    renderSvgPlot({
      title: 'Functions running over the day against the cap',
      xLabel: timeLabel,
      yLabel: 'concurrent functions (workers granted)',
      xFromZero: true,
      yFromZero: true,
      yIntegers: true,
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
      series: [{ name: 'functions running', style: 'step', points: inUnit(concurrency.functions) }],
    }),
    renderSvgPlot({
      title: 'Jobs running over the day against the cap',
      xLabel: timeLabel,
      yLabel: 'concurrent jobs',
      xFromZero: true,
      yFromZero: true,
      yIntegers: true,
      height: 280,
      referenceLines:
        limits.maxJobs !== null
          ? [{ axis: 'y', value: limits.maxJobs, name: `cap: ${limits.maxJobs} jobs`, color: FAILED }]
          : [],
      series: [{ name: 'jobs running', style: 'step', color: PALETTE[3], points: inUnit(concurrency.jobs) }],
    }),
    renderSvgPlot({
      title: 'Cost of each job per million images',
      xLabel: arrivalLabel,
      yLabel: 'cost per million images (USD)',
      xFromZero: true,
      yFromZero: !cprLog,
      yLog: cprLog,
      height: 320,
      referenceLines:
        limits.cprPerMillionUsd !== null
          ? [
              {
                axis: 'y',
                value: limits.cprPerMillionUsd,
                name: `CPR target: ${formatUsd(limits.cprPerMillionUsd)} per million`,
                color: FAILED,
              },
            ]
          : [],
      series: [
        {
          name: 'succeeded jobs',
          style: 'dots',
          color: PALETTE[4],
          points: ok.map((j, i) => ({ x: at(j.submittedAtSeconds), y: cprPerMillion[i]! })),
        },
      ],
    }),
  ];
  const waited = jobs.some((j) => j.queueWaitSeconds > 0);
  const captions = [
    "Each job's latency, from its start to its last result, against when it arrived" +
      (bad.length > 0 ? '; a failed or cancelled job shows its turnaround instead.' : '.'),
    'How long each job waited after its submission for the caps on functions and jobs to let it start.' +
      (waited ? '' : ' No job waited.'),
    'Functions granted to the jobs running at each moment of the day, against the cap on functions.',
    'Jobs running at each moment of the day, against the cap on jobs running at once.',
    'What each succeeded job cost per million of its images' +
      (limits.cprPerMillionUsd !== null ? ', against the CPR target.' : '.'),
  ];
  return plots.map((svg, i) => ({ svg, caption: captions[i] ?? '' }));
}

/** The day's plots stacked into one SVG figure (what `simulate` and `replay` write as `day.svg`). */
export function dayFigureSvg(report: DayReport): string {
  return stackSvg(
    dayPlots(report).map((p) => p.svg),
    `${report.source === 'simulate' ? 'Simulated' : 'Replayed'} day`,
  );
}
