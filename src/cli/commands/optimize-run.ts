/** The work of `obifaas optimize`: read the space, resolve the trials' settings, search, report. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpecError } from '../../errors.js';
import { parseSpace, WORKER_SPACE_PARAMETERS, type SearchSpace } from '../../planning/space.js';
import { parseObjective } from '../../planning/worker-objective.js';
import { checkWorkerSpace } from '../../planning/worker-settings.js';
import { DEFAULT_OUT_ROOT } from '../../spec/defaults.js';
import { runOptimization, type OptimizeEvent, type OptimizeReport } from '../../tuning/optimize-loop.js';
import type { TrialRecord } from '../../tuning/trial-runner.js';
import { resolveJobFlags } from '../config-flags.js';
import { OPTIMIZE_JOB_FLAGS } from '../job-settings.js';
import { runCommand, type CommandResult } from '../runner.js';
import type { StatusLine } from '../status-line.js';
import { readJsonFile } from './plan-run.js';

/** Flags of `obifaas optimize`, as commander parses them. */
export interface OptimizeFlags extends Record<string, unknown> {
  space?: string;
  trials: number;
  seed: number;
  objective: string;
  startupTrials: number;
  out?: string;
  json?: boolean;
}

/** The reference's ResNet50 space, shipped with the package (`spaces/`). */
export const DEFAULT_SPACE_FILE = fileURLToPath(new URL('../../../spaces/resnet50.json', import.meta.url));

/** Reads and checks a worker space file; every problem named by its JSON path. */
export async function loadWorkerSpace(file: string): Promise<SearchSpace> {
  const space = parseSpace(await readJsonFile(file, '--space'), {
    knownParameters: WORKER_SPACE_PARAMETERS,
    source: file,
  });
  const issues = checkWorkerSpace(space);
  if (issues.length > 0) throw new SpecError(issues, `invalid search space in ${file}`);
  return space;
}

const SETTING_COLUMNS = ['memory', 'batchSize', 'interOpThreads', 'intraOpThreads', 'replicas'] as const;

function formatValue(v: number | null): string {
  if (v === null) return '-';
  return Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(4) : v.toFixed(3);
}

function trialLine(t: TrialRecord): string {
  const s = t.settings;
  const cells = [
    String(t.number).padStart(5),
    t.status.padEnd(6),
    ...SETTING_COLUMNS.map((k, i) => String(s[k]).padStart(i === 0 ? 6 : 5)),
    formatValue(t.value).padStart(12),
    (t.measured ? t.measured.computeSeconds.toFixed(2) : '-').padStart(9),
  ];
  return `${cells.join('  ')}${t.error ? `  ${t.error}` : ''}`;
}

/** The human-readable report. */
export function formatOptimizeReport(report: OptimizeReport): string {
  const lines = [
    `trials       ${report.trials.length} (${report.resumed} from an earlier run)${report.cancelled ? ', cancelled' : ''} in ${report.elapsedSeconds.toFixed(1)} s`,
    `objective    ${report.objective}: ${report.direction} ${report.unit}`,
    '',
    'trial  status  memory  batch  inter  intra  repl.        value  compute s',
    ...report.trials.map(trialLine),
    '',
  ];
  const best = report.best;
  if (best) {
    const s = best.settings;
    lines.push(
      `best         trial ${best.number}: memory ${s.memory} MB, batchSize ${s.batchSize}, interOpThreads ${s.interOpThreads}, ` +
        `intraOpThreads ${s.intraOpThreads}, replicas ${s.replicas} -> ${formatValue(best.value)} ${report.unit}`,
      `wrote        ${report.files.bestWorker}`,
    );
  } else lines.push('best         none: no trial succeeded');
  lines.push(`             ${report.files.trials}`, `             ${report.files.plot}`);
  if (report.best)
    lines.push(`use          obifaas run --worker-config ${report.files.bestWorker} --input ... --model ...`);
  return lines.join('\n');
}

/** One line per finished trial, above the status line (on a terminal only). */
function trialLines(status: StatusLine): (e: OptimizeEvent) => void {
  if (!status.enabled) return () => undefined;
  return (e) => {
    if (e.type === 'resume' && e.done > 0) status.note(`resuming after ${e.done} recorded trial(s)`);
    if (e.type === 'trial') {
      const best = e.best ? `best ${formatValue(e.best.value)} (trial ${e.best.number})` : 'no success yet';
      status.note(
        `trial ${e.record.number + 1}/${e.total}: ${e.record.status} ${formatValue(e.record.value)}; ${best}`,
      );
    }
  };
}

/** How an optimization ended, for the runner. */
function optimizeResult(report: OptimizeReport): CommandResult<OptimizeReport> {
  if (report.cancelled)
    return {
      value: report,
      status: 'cancelled',
      notes: ['optimization cancelled; run the same command again to resume'],
    };
  if (!report.best) {
    const first = report.trials.find((t) => t.error)?.error ?? 'no trial ran';
    return { value: report, status: 'failed', notes: [`no trial succeeded (first error: ${first})`] };
  }
  return { value: report };
}

/** Runs `obifaas optimize`: exit code 0, 1 when no trial succeeded, 130 when cancelled. */
export async function runOptimize(flags: OptimizeFlags): Promise<void> {
  const objective = parseObjective(flags.objective);
  const spaceFile = path.resolve(flags.space ?? DEFAULT_SPACE_FILE);
  const space = await loadWorkerSpace(spaceFile);
  const spec = await resolveJobFlags(flags, OPTIMIZE_JOB_FLAGS);
  const dir = path.resolve(
    flags.out ??
      path.join(DEFAULT_OUT_ROOT, `optimize-${(space.name ?? 'space').replace(/[^A-Za-z0-9._-]+/g, '-')}`),
  );
  await runCommand(
    {
      json: flags.json === true,
      render: formatOptimizeReport,
      cancelling: 'the optimization: stopping the running trial (finished trials stay recorded)',
    },
    async ({ signal, status }) =>
      optimizeResult(
        await runOptimization({
          dir,
          spec,
          space,
          spaceFile,
          trials: flags.trials,
          seed: flags.seed,
          objective,
          startupTrials: flags.startupTrials,
          signal,
          onEvent: trialLines(status),
        }),
      ),
  );
}
