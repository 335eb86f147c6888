/** What `obifaas report` does once its flags are parsed. */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { compareLatencies } from '../../calibrate/sim-compare.js';
import { UserError } from '../../errors.js';
import type { DayComparison } from '../../report/day/day-html.js';
import { verdictLines } from '../../report/compare/compare-verdicts.js';
import {
  folderKind,
  readDayReport,
  writeDayReportPage,
  writeFolderReport,
  writeJobComparisonReport,
  type FolderKind,
  type WrittenJobComparison,
  type WrittenReport,
} from '../../report/write-report.js';
import { runCommand } from '../runner.js';
import { localFolderArg, writeFileOutput } from '../s3-out.js';
import type { ReportFlags } from './report.js';

/** The per-job latency of two days; the replay, if one of them is, is the reference. */
async function comparison(dir: string, other: string): Promise<DayComparison> {
  const [mine, theirs] = [await readDayReport(dir), await readDayReport(other)];
  const [real, simulated, realDir, simulatedDir] =
    theirs.source === 'replay' && mine.source !== 'replay'
      ? [theirs, mine, other, dir]
      : [mine, theirs, dir, other];
  const name = (source: string, folder: string): string =>
    `${source} (${path.basename(path.resolve(folder))})`;
  return {
    realName: name(real.source, realDir),
    simulatedName: name(simulated.source, simulatedDir),
    ...compareLatencies(real, simulated),
  };
}

export async function runReport(dirArg: string, flags: ReportFlags): Promise<void> {
  await runCommand(
    {
      json: flags.json === true,
      render: (written) =>
        'comparison' in written
          ? [
              `wrote ${written.file} (${(written.bytes / 1024).toFixed(0)} KB, job comparison)`,
              ...verdictLines(written.comparison),
            ].join('\n')
          : `wrote ${written.file} (${(written.bytes / 1024).toFixed(0)} KB, ${written.kind} report)`,
    },
    async () => {
      const dir = localFolderArg(dirArg, 'report');
      const { value, uploadedTo } = await writeFileOutput(flags.out, flags, (out) =>
        writeReport(dir, flags.compare, out !== undefined ? { out: path.resolve(out) } : {}),
      );
      return { value: uploadedTo ? { ...value, file: uploadedTo } : value };
    },
  );
}

/** What `--compare` adds to the written report. */
interface DayComparisonFigures {
  compared: number;
  medianRelativeError: number | null;
  meanRelativeError: number | null;
  maxRelativeError: number | null;
}

/** What a folder of `--compare` is, in words. */
const KIND_WORDS: Record<FolderKind, string> = {
  job: 'a job (job.json)',
  day: 'a day (day.json)',
  plots: 'a folder of plots',
};

/**
 * Writes the folder's report; with `compare`, the page that compares two jobs, or the day report
 * that compares two days.
 */
async function writeReport(
  dir: string,
  compare: string | undefined,
  options: { out?: string },
): Promise<WrittenJobComparison | (WrittenReport & Partial<DayComparisonFigures>)> {
  if (compare === undefined) return writeFolderReport(dir, options);
  const other = localFolderArg(compare, '--compare');
  const kind = await folderKind(dir);
  const refuse = (why: string): UserError =>
    new UserError(`--compare compares two jobs (job.json) or two days (day.json); ${why}`);
  if (kind === 'plots') throw refuse(`'${dir}' is ${KIND_WORDS[kind]}`);
  const otherKind = await folderKind(other).catch((err: unknown) => {
    throw err instanceof UserError ? new UserError(`--compare: ${err.message}`, { cause: err }) : err;
  });
  if (otherKind !== kind)
    throw refuse(`'${dir}' is ${KIND_WORDS[kind]} and '${other}' is ${KIND_WORDS[otherKind]}`);
  const real = (p: string): Promise<string> => realpath(p).catch(() => path.resolve(p));
  if ((await real(dir)) === (await real(other)))
    throw new UserError(`--compare: '${other}' is the folder being reported; name another ${kind}'s folder`);
  if (kind === 'job') return writeJobComparisonReport(dir, other, options);
  const compared = await comparison(dir, other);
  const written = await writeDayReportPage(dir, { ...options, comparison: compared });
  return {
    ...written,
    compared: compared.jobs.length,
    medianRelativeError: compared.medianRelativeError,
    meanRelativeError: compared.meanRelativeError,
    maxRelativeError: compared.maxRelativeError,
  };
}
