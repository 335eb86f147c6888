/** What `obifaas trace make` and `obifaas trace check` do once their flags are parsed. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { messageOf, UserError } from '../../errors.js';
import { checkTrace, type TraceCheck } from '../../trace/trace-check.js';
import { readTraceCsv } from '../../trace/trace-csv.js';
import { formatTraceCsv, generateTrace } from '../../trace/trace-gen.js';
import { runCommand } from '../runner.js';
import { makeFolder } from '../../util/make-folder.js';

export interface TraceMakeFlags {
  jobs: number;
  seed: number;
  date: string;
  out?: string;
  medianImages: number;
  sizeSigma: number;
  maxImages: number;
  json?: boolean;
}

/** What `trace make --out FILE` wrote (the `--json` object). */
export interface TraceMade {
  file: string;
  jobs: number;
  images: number;
  date: string;
  seed: number;
}

/** Writes a synthetic trace to `--out`; returns what was written, or the CSV itself without `--out`. */
async function makeTrace(flags: TraceMakeFlags): Promise<TraceMade | string> {
  const rows = generateTrace({
    jobs: flags.jobs,
    seed: flags.seed,
    date: flags.date,
    medianImages: flags.medianImages,
    sizeSigma: flags.sizeSigma,
    maxImages: flags.maxImages,
  });
  const csv = formatTraceCsv(rows);
  if (flags.out === undefined) return csv;
  try {
    await makeFolder(path.dirname(path.resolve(flags.out)));
    await writeFile(flags.out, csv);
  } catch (err) {
    throw new UserError(`--out: cannot write '${flags.out}': ${messageOf(err)}`, { cause: err });
  }
  const images = rows.reduce((s, r) => s + r.images, 0);
  return { file: flags.out, jobs: rows.length, images, date: flags.date, seed: flags.seed };
}

/** The line `trace make --out FILE` prints, or the CSV itself. */
function formatTraceMade(made: TraceMade | string): string {
  if (typeof made === 'string') return made;
  return `wrote ${made.file}: ${made.jobs} jobs, ${made.images.toLocaleString('en-US')} images on ${made.date} (seed ${made.seed})`;
}

/** Runs `obifaas trace make`. */
export async function runTraceMake(flags: TraceMakeFlags): Promise<void> {
  // The CSV is what goes to standard output without --out: no JSON object can go with it.
  if (flags.json === true && flags.out === undefined)
    throw new UserError('--json needs --out FILE: without it the CSV itself goes to standard output');
  await runCommand({ json: flags.json === true, render: formatTraceMade }, async () => ({
    value: await makeTrace(flags),
  }));
}

/** The human report of a trace check. */
export function formatTraceCheck(check: TraceCheck): string {
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
  return lines.filter((l) => l !== '').join('\n');
}

/** Reads a trace and reports what it holds; with `strict`, malformed rows fail it. */
export async function runTraceCheck(
  file: string,
  flags: { strict?: boolean; json?: boolean },
): Promise<void> {
  await runCommand({ json: flags.json === true, render: formatTraceCheck }, async () => ({
    value: checkTrace(await readTraceCsv(file, { strict: flags.strict ?? false })),
  }));
}
