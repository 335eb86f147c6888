/** A day report as a few lines for a terminal (pure), from the same object `--json` prints. */
import type { DayReport, Distribution } from './day-report.js';
import { formatUsd } from '../util/money.js';
import { plural } from '../util/plural.js';

const secs = (s: number): string => (s < 10 ? s.toFixed(2) : s < 100 ? s.toFixed(1) : s.toFixed(0));

/** One distribution's row: its name and the values of p50, p90, p99 and max, formatted. */
type DistributionRow = [name: string, values: string[] | null];

const QUANTILES = ['p50', 'p90', 'p99', 'max'] as const;

function row(name: string, d: Distribution | null, f: (x: number) => string): DistributionRow {
  return [name, d ? QUANTILES.map((q) => f(d[q])) : null];
}

/** The rows as a table whose columns line up, however wide the widest value (dollars can be). */
function distributionTable(rows: readonly DistributionRow[]): string[] {
  const nameWidth = Math.max(...rows.map(([name]) => name.length));
  const valueWidth = Math.max(...rows.flatMap(([, values]) => (values ?? []).map((v) => v.length)));
  return rows.map(([name, values]) =>
    values
      ? `  ${name.padEnd(nameWidth)}  ${values.map((v, i) => `${QUANTILES[i]} ${v.padStart(valueWidth)}`).join('  ')}`
      : `  ${name.padEnd(nameWidth)}  -`,
  );
}

export function formatDaySummary(report: DayReport): string {
  const t = report.totals;
  const d = report.distributions;
  const lines = [
    `${report.source === 'simulate' ? 'Simulated' : 'Replayed'} ${plural(t.jobs, 'job')}, ${t.images.toLocaleString('en-US')} images` +
      (report.trace.file ? ` from ${report.trace.file}` : '') +
      (report.trace.malformedRows > 0
        ? ` (${plural(report.trace.malformedRows, 'malformed row')} skipped)`
        : ''),
    `  succeeded ${t.succeeded}, failed ${t.failed}, cancelled ${t.cancelled}; ${plural(t.correctedJobs, 'job')} got fewer workers than asked`,
    `  cost ${formatUsd(t.costUsd)} (${formatUsd(t.costPerMillionImagesUsd)} per million images), billed ${secs(t.billedSeconds)} s`,
    `  invocations ${t.invocations} (${t.failedInvocations} failed); split retries ${t.retries}, speculative copies ${t.copies}` +
      (t.inputRetries > 0 ? `; inputs retried after a read error ${t.inputRetries}` : ''),
    `  makespan ${secs(t.makespanSeconds)} s; peak ${plural(t.peakWorkers, 'worker')}, ${plural(t.peakJobs, 'job')} at once`,
    ...distributionTable([
      row('queue wait s', d.queueWaitSeconds, secs),
      row('latency s', d.latencySeconds, secs),
      row('turnaround s', d.turnaroundSeconds, secs),
      row('workers', d.workers, (x) => String(x)),
      row('cost per job', d.costUsd, formatUsd),
    ]),
  ];
  return lines.join('\n');
}
