/**
 * Reading a job's folder for its report: `job.json` (checked before use: a folder is untrusted
 * input), the errors in `results.jsonl`, the files and the SVG plots beside them.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { messageOf, UserError } from '../../errors.js';
import { JOB_RECORD_FILE, RESULTS_FILE } from '../../manager/output.js';
import { readResultLines } from '../../manager/results-file.js';
import type { JobRecord } from '../../manager/types.js';
import { prototypeKeyIssues } from '../../util/schema.js';
import { ErrorGrouper, type ErrorGroup } from './error-groups.js';
import type { FolderFile } from './job-html.js';

/** The report's own file name in a job's folder. */
export const REPORT_FILE = 'report.html';

/** The largest SVG file shown from a folder, and how many. */
const PLOT_LIMITS = { bytes: 2 * 1024 * 1024, count: 12 };

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);

/** The first problem that keeps `value` from being read as a job record, or null. */
export function jobRecordProblem(value: unknown): string | null {
  if (!isRecord(value)) return 'not a JSON object';
  if (value.version !== 1) return `version: expected 1, got ${JSON.stringify(value.version)}`;
  if (!isRecord(value.summary)) return 'summary: expected an object';
  for (const field of ['inputs', 'invocations', 'billedSeconds', 'costUsd'])
    if (!finite(value.summary[field])) return `summary.${field}: expected a number`;
  // null for a cancelled or failed job, or one where no input got a prediction.
  if (value.summary.latencySeconds !== null && !finite(value.summary.latencySeconds))
    return 'summary.latencySeconds: expected a number or null';
  if (!Array.isArray(value.invocations)) return 'invocations: expected a list';
  if (!Array.isArray(value.splits)) return 'splits: expected a list';
  for (const [i, inv] of value.invocations.entries()) {
    if (!isRecord(inv)) return `invocations[${i}]: expected an object`;
    for (const field of [
      'submittedAt',
      'startedAt',
      'endedAt',
      'durationMs',
      'billedMs',
      'initMs',
      'memoryMb',
    ])
      if (!finite(inv[field])) return `invocations[${i}].${field}: expected a number`;
    if (typeof inv.workerId !== 'string') return `invocations[${i}].workerId: expected a string`;
  }
  for (const [i, split] of value.splits.entries()) {
    if (!isRecord(split) || !Array.isArray(split.attempts)) return `splits[${i}].attempts: expected a list`;
    for (const [j, a] of split.attempts.entries())
      if (!isRecord(a) || typeof a.workerId !== 'string' || !finite(a.startedAt))
        return `splits[${i}].attempts[${j}]: expected an attempt with workerId and startedAt`;
  }
  return null;
}

/** Reads and checks `<dir>/job.json`. Throws {@link UserError} naming the file and the field. */
export async function readJobRecord(dir: string): Promise<JobRecord> {
  const file = path.join(dir, JOB_RECORD_FILE);
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new UserError(`${file}: cannot read the job record: ${messageOf(err)}`, { cause: err });
  }
  const refused = prototypeKeyIssues(value)[0];
  const problem = refused ? `${refused.path}: ${refused.message}` : jobRecordProblem(value);
  if (problem) throw new UserError(`${file}: not a job record: ${problem}`);
  return value as JobRecord;
}

/** Inputs with an error in `results.jsonl`, by message; null when there is no such file. */
export async function inputErrorGroups(dir: string): Promise<ErrorGroup[] | null> {
  const file = path.join(dir, RESULTS_FILE);
  if (!(await stat(file).catch(() => null))?.isFile()) return null;
  const grouper = new ErrorGrouper();
  for await (const line of readResultLines(file)) {
    if ('problem' in line)
      grouper.add(`malformed line in ${RESULTS_FILE}: ${line.problem}`, `line ${line.line}`);
    else if (line.result.error !== null) grouper.add(line.result.error, line.result.key);
  }
  return grouper.groups();
}

/** The plain files of a folder with their sizes, by name (the report itself and hidden files left out). */
export async function folderFiles(dir: string): Promise<FolderFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: FolderFile[] = [];
  for (const e of entries) {
    if (!e.isFile() || e.name === REPORT_FILE || e.name.startsWith('.')) continue;
    const info = await stat(path.join(dir, e.name)).catch(() => null);
    if (info) files.push({ name: e.name, bytes: info.size });
  }
  return files.sort((a, b) => a.name.localeCompare(b.name));
}

/** The SVG plots of a folder (at most 12, each under 2 MB), by name. */
export async function folderPlots(
  dir: string,
  files: readonly FolderFile[],
): Promise<Array<{ name: string; svg: string }>> {
  const plots = files
    .filter((f) => f.name.toLowerCase().endsWith('.svg') && f.bytes <= PLOT_LIMITS.bytes)
    .slice(0, PLOT_LIMITS.count);
  return Promise.all(
    plots.map(async (f) => ({ name: f.name, svg: await readFile(path.join(dir, f.name), 'utf8') })),
  );
}
