/**
 * Reading a job's folder for its report: `job.json` (read through its schema: a folder is untrusted
 * input), the errors in `results.jsonl`, the files and the SVG plots beside them.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { RESULTS_FILE } from '../../manager/output.js';
import { readResultLines } from '../../manager/results-file.js';
import { ErrorGrouper, type ErrorGroup } from './error-groups.js';
import type { FolderFile } from './job-html.js';

/** The report's own file name in a job's folder. */
export const REPORT_FILE = 'report.html';

/** The largest SVG file shown from a folder, and how many. */
const PLOT_LIMITS = { bytes: 2 * 1024 * 1024, count: 12 };

export { readJobRecord } from '../../manager/output.js';

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
