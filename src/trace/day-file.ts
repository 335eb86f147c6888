/** Writes `day.json` into a day folder. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { messageOf, UserError } from '../errors.js';
import type { DayReport } from './day-report.js';
import { redactUrlCredentials } from '../util/redact.js';

/** Writes `<dir>/day.json` (creating `dir`); returns its path. */
export async function writeDayReport(dir: string, report: DayReport): Promise<string> {
  const file = path.join(dir, 'day.json');
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(file, redactUrlCredentials(`${JSON.stringify(report, null, 2)}\n`));
  } catch (err) {
    throw new UserError(`${file}: cannot write the day report: ${messageOf(err)}`, { cause: err });
  }
  return file;
}
