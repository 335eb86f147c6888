/** Writes `day.json` into a day folder, and checks a simulation's folder before it is written. */
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { messageOf, UserError } from '../errors.js';
import type { DayReport } from './day-report.js';
import { redactUrlCredentials } from '../util/redact.js';
import { makeFolder } from '../util/make-folder.js';

/** Writes `<dir>/day.json` (creating `dir`); returns its path. */
export async function writeDayReport(dir: string, report: DayReport): Promise<string> {
  const file = path.join(dir, 'day.json');
  try {
    await makeFolder(dir);
    await writeFile(file, redactUrlCredentials(`${JSON.stringify(report, null, 2)}\n`));
  } catch (err) {
    throw new UserError(`${file}: cannot write the day report: ${messageOf(err)}`, { cause: err });
  }
  return file;
}

/**
 * What `obifaas simulate` writes into its folder (`day.json`, its figure and page): a second
 * simulation there replaces them. The record of an upload to S3 may sit beside them.
 */
const SIMULATION_FILES = new Set(['day.json', 'day.svg', 'report.html', '.obifaas-upload.json']);

/**
 * Refuses (a {@link UserError}, exit 2) a simulation's output folder that is a file, or that
 * holds anything but an earlier simulation's files: a job's or a replay's folder, a folder of
 * photos. A missing or empty folder is fine.
 */
export async function checkSimulationFolder(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') throw new UserError(`--out: '${dir}' is a file, not a folder`);
    throw new UserError(`--out: cannot read '${dir}': ${messageOf(err)}`, { cause: err });
  }
  const others = names.filter((name) => !SIMULATION_FILES.has(name)).sort();
  if (others.length === 0) return;
  const shown = others.slice(0, 3).join(', ') + (others.length > 3 ? `, ... (${others.length} in all)` : '');
  throw new UserError(
    `--out: '${dir}' holds other files than a simulation's (${shown}): ` +
      'give a new or empty folder, or the folder of an earlier simulation (its day.json, day.svg and report.html are replaced)',
  );
}
