/** What a trace holds (pure): jobs, images, sizes, arrivals per hour and malformed rows. */
import { UserError } from '../errors.js';
import { distribution } from './day-report.js';
import { formatTimestamp } from './timestamp.js';
import type { ParsedTrace } from './trace-csv.js';

/** What `trace check --json` prints. */
export interface TraceCheck {
  file: string;
  jobs: number;
  images: number;
  malformed: ParsedTrace['malformed'];
  firstStart: string;
  lastStart: string;
  jobSize: ReturnType<typeof distribution>;
  /** Jobs starting in each hour of the day (UTC), 0..23. */
  jobsPerHour: number[];
}

export function checkTrace(trace: ParsedTrace): TraceCheck {
  const first = trace.rows[0];
  const last = trace.rows[trace.rows.length - 1];
  if (!first || !last) throw new UserError(`${trace.source}: the trace has no jobs`);
  const perHour = new Array<number>(24).fill(0);
  for (const r of trace.rows) {
    const hour = new Date(r.startedAtMs).getUTCHours();
    perHour[hour] = (perHour[hour] ?? 0) + 1;
  }
  return {
    file: trace.source,
    jobs: trace.rows.length,
    images: trace.rows.reduce((s, r) => s + r.images, 0),
    malformed: trace.malformed,
    firstStart: formatTimestamp(first.startedAtMs),
    lastStart: formatTimestamp(last.startedAtMs),
    jobSize: distribution(trace.rows.map((r) => r.images)),
    jobsPerHour: perHour,
  };
}
