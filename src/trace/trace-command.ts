/** The work of `obifaas trace make` and `obifaas trace check`. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { messageOf, UserError } from '../errors.js';
import { distribution } from './day-report.js';
import { formatTimestamp } from './timestamp.js';
import { readTraceCsv, type ParsedTrace } from './trace-csv.js';
import { formatTraceCsv, generateTrace } from './trace-gen.js';

export interface TraceMakeFlags {
  jobs: number;
  seed: number;
  date: string;
  out?: string;
  medianImages: number;
  sizeSigma: number;
  maxImages: number;
}

/** Writes a synthetic trace to `--out`, or to stdout. */
export async function runTraceMake(flags: TraceMakeFlags): Promise<void> {
  const rows = generateTrace({
    jobs: flags.jobs,
    seed: flags.seed,
    date: flags.date,
    medianImages: flags.medianImages,
    sizeSigma: flags.sizeSigma,
    maxImages: flags.maxImages,
  });
  const csv = formatTraceCsv(rows);
  if (!flags.out) {
    process.stdout.write(csv);
    return;
  }
  try {
    await mkdir(path.dirname(path.resolve(flags.out)), { recursive: true });
    await writeFile(flags.out, csv);
  } catch (err) {
    throw new UserError(`--out: cannot write '${flags.out}': ${messageOf(err)}`, { cause: err });
  }
  const images = rows.reduce((s, r) => s + r.images, 0);
  process.stdout.write(
    `wrote ${flags.out}: ${rows.length} jobs, ${images.toLocaleString('en-US')} images on ${flags.date} (seed ${flags.seed})\n`,
  );
}

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

/** Reads a trace and reports what it holds; with `strict`, malformed rows fail it. */
export async function runTraceCheck(
  file: string,
  flags: { strict?: boolean; json?: boolean },
): Promise<void> {
  const check = checkTrace(await readTraceCsv(file, { strict: flags.strict ?? false }));
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(check)}\n`);
    return;
  }
  const size = check.jobSize;
  const lines = [
    `${check.file}: ${check.jobs} jobs, ${check.images.toLocaleString('en-US')} images, ${check.firstStart} .. ${check.lastStart}`,
    size ? `  job size: p50 ${size.p50}, p90 ${size.p90}, p99 ${size.p99}, max ${size.max} images` : '',
    `  jobs per hour (UTC): ${check.jobsPerHour.join(' ')}`,
  ];
  if (check.malformed.length > 0) {
    lines.push(`  ${check.malformed.length} malformed row(s) skipped:`);
    for (const m of check.malformed) lines.push(`    line ${m.line}: ${m.message}`);
  }
  process.stdout.write(`${lines.filter((l) => l !== '').join('\n')}\n`);
}
