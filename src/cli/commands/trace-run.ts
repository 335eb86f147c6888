/** What `obifaas trace make` and `obifaas trace check` do once their flags are parsed. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { messageOf, UserError } from '../../errors.js';
import { checkTrace, type TraceCheck } from '../../trace/trace-check.js';
import { readTraceCsv } from '../../trace/trace-csv.js';
import { formatTraceCsv, generateTrace } from '../../trace/trace-gen.js';
import { runCommand } from '../runner.js';

export interface TraceMakeFlags {
  jobs: number;
  seed: number;
  date: string;
  out?: string;
  medianImages: number;
  sizeSigma: number;
  maxImages: number;
}

/** Writes a synthetic trace to `--out`; returns what to print (the CSV itself without `--out`). */
async function makeTrace(flags: TraceMakeFlags): Promise<string> {
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
    await mkdir(path.dirname(path.resolve(flags.out)), { recursive: true });
    await writeFile(flags.out, csv);
  } catch (err) {
    throw new UserError(`--out: cannot write '${flags.out}': ${messageOf(err)}`, { cause: err });
  }
  const images = rows.reduce((s, r) => s + r.images, 0);
  return `wrote ${flags.out}: ${rows.length} jobs, ${images.toLocaleString('en-US')} images on ${flags.date} (seed ${flags.seed})`;
}

/** Runs `obifaas trace make`. */
export async function runTraceMake(flags: TraceMakeFlags): Promise<void> {
  await runCommand({ render: (text: string) => text }, async () => ({ value: await makeTrace(flags) }));
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
