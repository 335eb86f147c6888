/** What `obifaas simulate` does once its flags are parsed: simulate, then print through the command runner. */
import path from 'node:path';
import { messageOf } from '../../errors.js';
import { DAY_FILE, writeDayOutputs } from '../../report/write-report.js';
import { simulateTrace, type SimulateFlags } from '../../simulate/run.js';
import { formatDaySummary } from '../../trace/day-summary.js';
import { runCommand } from '../runner.js';
import { folderOutput, placeOf, publishFolder } from '../s3-out.js';

/** A simulated day, and the figures and page written beside its `day.json`. */
type Simulation = Awaited<ReturnType<typeof simulateTrace>> & { plots: string[] };

/** The day summary, what the platform saw, and what was written. */
export function formatSimulation({ report, stats, file, plots }: Simulation): string {
  return [
    formatDaySummary(report),
    `  platform: ${stats.peakPlatformConcurrency} functions at most, ${stats.coldStarts} cold starts, ` +
      `${stats.throttledInvocations} invocations throttled`,
    `wrote ${[file, ...plots].join(', ')}`,
  ].join('\n');
}

/** Runs `obifaas simulate`: the summary, or the day report as JSON. */
export async function runSimulate(traceFile: string, flags: SimulateFlags): Promise<void> {
  await runCommand(
    { json: flags.json === true, render: formatSimulation, toJson: (s) => s.report },
    async () => {
      const output = await folderOutput(flags.out, { ...flags });
      const simulation = await simulateTrace(traceFile, {
        ...flags,
        ...(output.dir !== undefined ? { out: output.dir } : {}),
      });
      const notes = [...simulation.notes];
      // Figures that cannot be written are a warning, never the simulation's failure.
      const plots = await writeDayOutputs(path.dirname(simulation.file), simulation.report).catch(
        (err: unknown) => {
          notes.push(`warning: no day.svg or report.html: ${messageOf(err)}`);
          return [];
        },
      );
      const published = await publishFolder(output, [DAY_FILE]);
      notes.push(...published.notes);
      const at = (file: string): string => placeOf(file, output, published.upload);
      return {
        value: { ...simulation, file: at(simulation.file), plots: plots.map(at) },
        notes,
        ...(published.upload?.status === 'failed' ? { status: 'failed' as const } : {}),
      };
    },
  );
}
