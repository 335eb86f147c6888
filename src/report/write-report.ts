/**
 * `report.html` for a folder: a job's (`job.json`), a day's (`day.json` of `replay` or
 * `simulate`), or any folder of SVG plots (`cpr fit`, `optimize`). Reads the folder, renders
 * the page (pure), writes it atomically.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { messageOf, UserError } from '../errors.js';
import { JOB_RECORD_FILE } from '../manager/output.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { redactUrlCredentials } from '../util/redact.js';
import type { DayReport } from '../trace/day-report.js';
import { prototypeKeyIssues } from '../util/schema.js';
import { dayReportProblem } from './day/day-figures.js';
import { dayReportHtml, type DayComparison } from './day/day-html.js';
import { dayFigureSvg } from './day/day-plots.js';
import { escapeHtml, renderPage, svgImage } from './html/page.js';
import { folderFiles, folderPlots, inputErrorGroups, readJobRecord, REPORT_FILE } from './job/job-folder.js';
import { jobReportHtml } from './job/job-html.js';
import { compareJobs } from './compare/compare-jobs.js';
import { jobComparisonHtml } from './compare/compare-html.js';
import type { JobComparison } from './compare/job-comparison.js';

export { REPORT_FILE } from './job/job-folder.js';

/** The day report's file name in a day folder, and its figure's. */
export const DAY_FILE = 'day.json';
export const DAY_FIGURE_FILE = 'day.svg';

/** What a folder holds, as far as reports go. */
export type FolderKind = 'job' | 'day' | 'plots';

/** Where a report goes and what it adds. */
export interface WriteReportOptions {
  /** Where to write (default `<dir>/report.html`). */
  out?: string;
  now?: () => Date;
  /** A day report only: the per-job comparison with another day. */
  comparison?: DayComparison;
}

/** A report written. */
export interface WrittenReport {
  kind: FolderKind;
  dir: string;
  file: string;
  bytes: number;
}

const exists = async (file: string): Promise<boolean> =>
  (await stat(file).catch(() => null))?.isFile() === true;

/** What `dir` holds: a job, a day, or only plots. Throws {@link UserError} when none. */
export async function folderKind(dir: string): Promise<FolderKind> {
  const info = await stat(dir).catch(() => null);
  if (!info) throw new UserError(`'${dir}' does not exist`);
  if (!info.isDirectory())
    throw new UserError(`'${dir}' is a file; give the folder of a job, a replay or a simulation`);
  if (await exists(path.join(dir, JOB_RECORD_FILE))) return 'job';
  if (await exists(path.join(dir, DAY_FILE))) return 'day';
  const files = await folderFiles(dir);
  if (files.some((f) => f.name.toLowerCase().endsWith('.svg'))) return 'plots';
  throw new UserError(
    `'${dir}' holds no ${JOB_RECORD_FILE} (a job), ${DAY_FILE} (a replay or simulation) or SVG plots; nothing to report`,
  );
}

/** Reads and checks `<dir>/day.json`. Throws {@link UserError} naming the file and the field. */
export async function readDayReport(dir: string): Promise<DayReport> {
  const file = path.join(dir, DAY_FILE);
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new UserError(`${file}: cannot read the day report: ${messageOf(err)}`, { cause: err });
  }
  const refused = prototypeKeyIssues(value)[0];
  const problem = refused ? `${refused.path}: ${refused.message}` : dayReportProblem(value);
  if (problem) throw new UserError(`${file}: not a day report: ${problem}`);
  return value as DayReport;
}

async function write(file: string, html: string): Promise<number> {
  const bytes = Buffer.from(redactUrlCredentials(html), 'utf8');
  try {
    await writeFileAtomic(file, bytes);
  } catch (err) {
    throw new UserError(`${file}: cannot write the report: ${messageOf(err)}`, { cause: err });
  }
  return bytes.length;
}

const generatedAt = (options: WriteReportOptions): string =>
  (options.now ?? (() => new Date()))().toISOString();

/** Writes the report of the job in `dir`. */
export async function writeJobReport(dir: string, options: WriteReportOptions = {}): Promise<WrittenReport> {
  const record = await readJobRecord(dir);
  const files = await folderFiles(dir);
  const html = jobReportHtml(record, {
    inputErrors: await inputErrorGroups(dir).catch(() => null),
    files,
    plots: await folderPlots(dir, files),
    generatedAt: generatedAt(options),
  });
  const file = options.out ?? path.join(dir, REPORT_FILE);
  return { kind: 'job', dir, file, bytes: await write(file, html) };
}

/** Writes the report of the day in `dir` (a replay's or a simulation's folder). */
export async function writeDayReportPage(
  dir: string,
  options: WriteReportOptions = {},
): Promise<WrittenReport> {
  const report = await readDayReport(dir);
  const html = dayReportHtml(report, {
    generatedAt: generatedAt(options),
    ...(options.comparison ? { comparison: options.comparison } : {}),
  });
  const file = options.out ?? path.join(dir, REPORT_FILE);
  return { kind: 'day', dir, file, bytes: await write(file, html) };
}

/** Writes `<dir>/day.svg`, the day's plots as one figure; returns its path. */
export async function writeDayFigure(dir: string, report: DayReport): Promise<string> {
  const file = path.join(dir, DAY_FIGURE_FILE);
  await writeFileAtomic(file, Buffer.from(dayFigureSvg(report), 'utf8'));
  return file;
}

/** Writes a page of the SVG plots in `dir` (a `cpr fit` or `optimize` folder). */
export async function writePlotsReport(
  dir: string,
  options: WriteReportOptions = {},
): Promise<WrittenReport> {
  const files = await folderFiles(dir);
  const plots = await folderPlots(dir, files);
  const html = renderPage({
    title: `Plots in ${path.basename(path.resolve(dir))}`,
    subtitle: `report made ${escapeHtml(generatedAt(options))}`,
    sections: [
      { id: 'plots', title: 'Plots', html: plots.map((p) => svgImage(p.name, p.svg)).join('\n') },
      {
        id: 'files',
        title: 'Files',
        html: `<ul>${files.map((f) => `<li><a href="${escapeHtml(encodeURI(f.name))}">${escapeHtml(f.name)}</a></li>`).join('')}</ul>`,
      },
    ],
  });
  const file = options.out ?? path.join(dir, REPORT_FILE);
  return { kind: 'plots', dir, file, bytes: await write(file, html) };
}

/** A comparison of two jobs written: the page, and what it shows. */
export interface WrittenJobComparison extends WrittenReport {
  comparison: JobComparison;
}

/**
 * The default file of a comparison: in A's folder, named after B's
 * (`<dirA>/compare-<B's folder name>.html`), so that A's own report stays.
 */
export function comparisonFile(dirA: string, dirB: string): string {
  return path.join(dirA, `compare-${path.basename(path.resolve(dirB))}.html`);
}

/** Compares the jobs in `dirA` and `dirB` ({@link compareJobs}) and writes the page. */
export async function writeJobComparisonReport(
  dirA: string,
  dirB: string,
  options: WriteReportOptions = {},
): Promise<WrittenJobComparison> {
  const comparison = await compareJobs(dirA, dirB);
  const html = jobComparisonHtml(comparison, { generatedAt: generatedAt(options) });
  const file = options.out ?? comparisonFile(dirA, dirB);
  return { kind: 'job', dir: dirA, file, bytes: await write(file, html), comparison };
}

/** Writes the report that fits what `dir` holds. */
export async function writeFolderReport(
  dir: string,
  options: WriteReportOptions = {},
): Promise<WrittenReport> {
  const kind = await folderKind(dir);
  if (kind === 'job') return writeJobReport(dir, options);
  if (kind === 'day') return writeDayReportPage(dir, options);
  return writePlotsReport(dir, options);
}

/**
 * What `simulate` and `replay` write beside `day.json`: `day.svg` (the day's plots) and
 * `report.html`. Returns their paths.
 */
export async function writeDayOutputs(dir: string, report: DayReport): Promise<string[]> {
  const figure = await writeDayFigure(dir, report);
  const page = await writeDayReportPage(dir);
  return [figure, page.file];
}
