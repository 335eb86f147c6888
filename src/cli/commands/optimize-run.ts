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
import { resolveJobFlags } from '../job-flags.js';
import { readJsonFile } from './plan-run.js';
import { CANCELLED_EXIT_CODE } from './execute-job.js';

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

/** Exit code when no trial succeeded. */
export const EXIT_NO_TRIAL_SUCCEEDED = 1;

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

/** One line per finished trial on a terminal (stderr). */
function progressLines(enabled: boolean): (e: OptimizeEvent) => void {
  if (!enabled) return () => undefined;
  return (e) => {
    if (e.type === 'resume' && e.done > 0)
      process.stderr.write(`resuming after ${e.done} recorded trial(s)\n`);
    if (e.type === 'trial') {
      const best = e.best ? `best ${formatValue(e.best.value)} (trial ${e.best.number})` : 'no success yet';
      process.stderr.write(
        `trial ${e.record.number + 1}/${e.total}: ${e.record.status} ${formatValue(e.record.value)}; ${best}\n`,
      );
    }
  };
}

/** Runs `obifaas optimize`, its job settings taken from the flags at `jobPaths`; returns the exit code. */
export async function runOptimize(flags: OptimizeFlags, jobPaths: readonly string[]): Promise<number> {
  const objective = parseObjective(flags.objective);
  const spaceFile = path.resolve(flags.space ?? DEFAULT_SPACE_FILE);
  const space = await loadWorkerSpace(spaceFile);
  const spec = await resolveJobFlags(flags, {}, jobPaths);
  const dir = path.resolve(
    flags.out ??
      path.join(DEFAULT_OUT_ROOT, `optimize-${(space.name ?? 'space').replace(/[^A-Za-z0-9._-]+/g, '-')}`),
  );
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(CANCELLED_EXIT_CODE);
    process.stderr.write(
      '\nobifaas: cancelling: stopping the running trial (press Ctrl-C again to quit now)\n',
    );
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let report: OptimizeReport;
  try {
    report = await runOptimization({
      dir,
      spec,
      space,
      spaceFile,
      trials: flags.trials,
      seed: flags.seed,
      objective,
      startupTrials: flags.startupTrials,
      signal: controller.signal,
      onEvent: progressLines(process.stderr.isTTY === true && flags.json !== true),
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  process.stdout.write(flags.json ? `${JSON.stringify(report)}\n` : `${formatOptimizeReport(report)}\n`);
  if (report.cancelled) {
    process.stderr.write('obifaas: optimization cancelled; run the same command again to resume\n');
    return CANCELLED_EXIT_CODE;
  }
  if (!report.best) {
    const first = report.trials.find((t) => t.error)?.error ?? 'no trial ran';
    process.stderr.write(`obifaas: no trial succeeded (first error: ${first})\n`);
    return EXIT_NO_TRIAL_SUCCEEDED;
  }
  return 0;
}
