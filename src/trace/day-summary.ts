/** A day report as a few lines for a terminal (pure), from the same object `--json` prints. */
import type { DayReport, Distribution } from './day-report.js';
import { formatUsd } from '../util/money.js';

const secs = (s: number): string => (s < 10 ? s.toFixed(2) : s < 100 ? s.toFixed(1) : s.toFixed(0));

function row(name: string, d: Distribution | null, f: (x: number) => string): string {
  if (!d) return `  ${name.padEnd(14)} -`;
  return `  ${name.padEnd(14)} p50 ${f(d.p50).padStart(9)}  p90 ${f(d.p90).padStart(9)}  p99 ${f(d.p99).padStart(9)}  max ${f(d.max).padStart(9)}`;
}

export function formatDaySummary(report: DayReport): string {
  const t = report.totals;
  const d = report.distributions;
  const lines = [
    `${report.source === 'simulate' ? 'Simulated' : 'Replayed'} ${t.jobs} job(s), ${t.images.toLocaleString('en-US')} images` +
      (report.trace.file ? ` from ${report.trace.file}` : '') +
      (report.trace.malformedRows > 0 ? ` (${report.trace.malformedRows} malformed row(s) skipped)` : ''),
    `  succeeded ${t.succeeded}, failed ${t.failed}, cancelled ${t.cancelled}; ${t.correctedJobs} job(s) got fewer workers than asked`,
    `  cost ${formatUsd(t.costUsd)} (${formatUsd(t.costPerMillionImagesUsd)} per million images), billed ${secs(t.billedSeconds)} s`,
    `  invocations ${t.invocations} (${t.failedInvocations} failed); split retries ${t.retries}, speculative copies ${t.copies}`,
    `  makespan ${secs(t.makespanSeconds)} s; peak ${t.peakWorkers} workers, ${t.peakJobs} job(s) at once`,
    row('queue wait s', d.queueWaitSeconds, secs),
    row('latency s', d.latencySeconds, secs),
    row('turnaround s', d.turnaroundSeconds, secs),
    row('workers', d.workers, (x) => String(x)),
    row('cost per job', d.costUsd, formatUsd),
  ];
  return lines.join('\n');
}
