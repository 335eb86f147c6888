/** What `obifaas replay` does once its flags are parsed: replay the trace through the command runner. */
import { messageOf } from '../../errors.js';
import { replayTraceFile, type ReplayFlags, type ReplayRun } from '../../replay/replay-trace.js';
import { DAY_FILE, writeDayOutputs } from '../../report/write-report.js';
import { formatDaySummary } from '../../trace/day-summary.js';
import { replayProgress } from '../progress.js';
import { runCommand } from '../runner.js';
import { folderOutput, placeOf, publishFolder } from '../s3-out.js';

/** A replay, and the figures and page written beside its `day.json`. */
interface ReplayedDay extends ReplayRun {
  plots: string[];
}

/** The day summary and where the outputs are. */
export function formatReplayRun(run: ReplayedDay): string {
  return [
    formatDaySummary(run.report),
    `Jobs:   ${run.outDir}/<job id>/ (results.jsonl, job.json)`,
    `Day:    ${run.file}`,
    ...(run.plots.length > 0 ? [`Plots:  ${run.plots.join(', ')}`] : []),
  ].join('\n');
}

/** Runs `obifaas replay`: exit code 0, 1 when some job failed, 130 when cancelled. */
export async function runReplay(traceFile: string, flags: ReplayFlags): Promise<void> {
  await runCommand(
    {
      json: flags.json === true,
      render: formatReplayRun,
      toJson: (run) => run.report,
      cancelling:
        'the replay: stopping the running jobs (every input still gets a line) and writing day.json',
    },
    async ({ signal, status }) => {
      const output = await folderOutput(flags.out, flags);
      const run = await replayTraceFile(
        traceFile,
        { ...flags, ...(output.dir !== undefined ? { out: output.dir } : {}) },
        { signal, onProgress: replayProgress(status) },
      );
      const notes = [...run.notes];
      // Figures that cannot be written are a warning, never the replay's failure.
      const plots = await writeDayOutputs(run.outDir, run.report).catch((err: unknown) => {
        notes.push(`warning: no day.svg or report.html: ${messageOf(err)}`);
        return [];
      });
      const published = await publishFolder(output, [DAY_FILE]);
      notes.push(...published.notes);
      const failed = run.report.totals.failed > 0 || published.upload?.status === 'failed';
      const ended = run.cancelled ? 'cancelled' : failed ? 'failed' : 'done';
      const at = (file: string): string => placeOf(file, output, published.upload);
      return {
        value: { ...run, outDir: at(run.outDir), file: at(run.file), plots: plots.map(at) },
        status: ended,
        notes,
      };
    },
  );
}
