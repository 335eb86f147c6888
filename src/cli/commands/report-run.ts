/** What `obifaas report` does once its flags are parsed. */
import path from 'node:path';
import { compareLatencies } from '../../calibrate/sim-compare.js';
import { UserError } from '../../errors.js';
import type { DayComparison } from '../../report/day/day-html.js';
import {
  folderKind,
  readDayReport,
  writeDayReportPage,
  writeFolderReport,
  type WrittenReport,
} from '../../report/write-report.js';
import { runCommand } from '../runner.js';
import { writeFileOutput } from '../s3-out.js';
import type { ReportFlags } from './report.js';

/** The per-job latency of two days; the replay, if one of them is, is the reference. */
async function comparison(dir: string, other: string): Promise<DayComparison> {
  if ((await folderKind(other)) !== 'day') throw new UserError(`--compare: '${other}' holds no day.json`);
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
  const dir = path.resolve(dirArg);
  await runCommand(
    {
      json: flags.json === true,
      render: (written) =>
        `wrote ${written.file} (${(written.bytes / 1024).toFixed(0)} KB, ${written.kind} report)`,
    },
    async () => {
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

/** Writes the folder's report, or with `compare` the day report that compares two days. */
async function writeReport(
  dir: string,
  compare: string | undefined,
  options: { out?: string },
): Promise<WrittenReport & Partial<DayComparisonFigures>> {
  if (compare === undefined) return writeFolderReport(dir, options);
  if ((await folderKind(dir)) !== 'day')
    throw new UserError(
      `--compare compares two days (replay or simulate folders); '${dir}' holds no day.json`,
    );
  const compared = await comparison(dir, path.resolve(compare));
  const written = await writeDayReportPage(dir, { ...options, comparison: compared });
  return {
    ...written,
    compared: compared.jobs.length,
    medianRelativeError: compared.medianRelativeError,
    meanRelativeError: compared.meanRelativeError,
    maxRelativeError: compared.maxRelativeError,
  };
}
