/** The work of `obifaas optimize`: read the space, resolve the trials' settings, search, report. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpecError } from '../../errors.js';
import { parseSpace, type SearchSpace } from '../../planning/space.js';
import { parsePrecisionList } from '../../planning/precision.js';
import { OBJECTIVES, parseObjective } from '../../planning/worker-objective.js';
import { checkWorkerSpace, WORKER_SPACE_PARAMETERS } from '../../planning/worker-settings.js';
import { DEFAULT_OUT_ROOT } from '../../spec/defaults.js';
import { runOptimization, type OptimizeEvent, type OptimizeReport } from '../../tuning/optimize-loop.js';
import { trialSpread, type TrialRecord } from '../../tuning/trial-runner.js';
import { resolveJobFlags } from '../config-flags.js';
import { OPTIMIZE_JOB_FLAGS } from '../job-settings.js';
import { runCommand, type CommandResult } from '../runner.js';
import { parseJsonText, readTextFile } from '../../util/json-file.js';
import { formatUsd } from '../../util/money.js';
import { plural } from '../../util/plural.js';
import { progressBar, type StatusLine } from '../status-line.js';
import { steadyNow } from '../../util/steady-clock.js';

/** Flags of `obifaas optimize`, as commander parses them. */
export interface OptimizeFlags extends Record<string, unknown> {
  space?: string;
  trials: number;
  seed: number;
  objective: string;
  startupTrials: number;
  repeats?: number;
  /** Comma-separated precisions to choose among (`fp32,int8`). */
  precision?: string;
  int8Model?: string;
  out?: string;
  json?: boolean;
}

/** The reference's ResNet50 space, shipped with the package (`spaces/`). */
export const DEFAULT_SPACE_FILE = fileURLToPath(new URL('../../../spaces/resnet50.json', import.meta.url));

/** Reads and checks a worker space file; every problem named by its JSON path. */
export async function loadWorkerSpace(file: string): Promise<SearchSpace> {
  const space = parseSpace(parseJsonText(await readTextFile(file, '--space'), file), {
    knownParameters: WORKER_SPACE_PARAMETERS,
    source: file,
  });
  const issues = checkWorkerSpace(space);
  if (issues.length > 0) throw new SpecError(issues, `invalid search space in ${file}`);
  return space;
}

const SETTING_COLUMNS = ['memory', 'batchSize', 'interOpThreads', 'intraOpThreads', 'replicas'] as const;

const DOLLARS_PER_IMAGE = OBJECTIVES['cost-per-image'].unit;

/**
 * An objective's value for people, never with an exponent: dollars through `formatUsd`
 * (`$0.00000270`), large numbers grouped to 4 significant digits (`3,289,000`), others to 3
 * decimals.
 */
export function formatObjectiveValue(v: number | null, unit: string): string {
  if (v === null) return '-';
  if (unit === DOLLARS_PER_IMAGE) return formatUsd(v);
  if (Math.abs(v) >= 1000) return Number(v.toPrecision(4)).toLocaleString('en-US');
  if (Math.abs(v) >= 0.01 || v === 0) return v.toFixed(3);
  return v.toFixed(Math.min(20, 2 - Math.floor(Math.log10(Math.abs(v))))); // 3 significant digits
}

/** A value with its unit: `$0.00000270 per image`, `3,289,000 images per dollar`. */
function withUnit(v: number | null, unit: string): string {
  return unit === DOLLARS_PER_IMAGE
    ? `${formatObjectiveValue(v, unit)} per image`
    : `${formatObjectiveValue(v, unit)} ${unit}`;
}

/** `value (min..max over n)`, or the value alone for one run. */
function withSpread(t: TrialRecord, unit: string): string {
  const spread = trialSpread(t);
  const value = (v: number | null): string => formatObjectiveValue(v, unit);
  if (!spread || spread.repeats < 2) return value(t.value);
  return `${value(spread.median)} (${value(spread.min)}..${value(spread.max)})`;
}

/** The heading of the trials' value column. */
const VALUE_HEADING = 'value (min..max)';

function trialLine(t: TrialRecord, precision: boolean, unit: string, valueWidth: number): string {
  const s = t.settings;
  const cells = [
    String(t.number).padStart(5),
    t.status.padEnd(6),
    ...(precision ? [String(t.params.precision ?? '-').padStart(4)] : []),
    ...SETTING_COLUMNS.map((k, i) => String(s[k]).padStart(i === 0 ? 6 : 5)),
    withSpread(t, unit).padStart(valueWidth),
    (t.measured ? t.measured.computeSeconds.toFixed(2) : '-').padStart(9),
  ];
  return `${cells.join('  ')}${t.error ? `  ${t.error}` : ''}`;
}

/** The human-readable report. */
export function formatOptimizeReport(report: OptimizeReport): string {
  const precision = report.trials.some((t) => t.params.precision !== undefined);
  // As wide as its widest value, so that the columns line up whatever the spreads.
  const valueWidth = Math.max(
    VALUE_HEADING.length,
    ...report.trials.map((t) => withSpread(t, report.unit).length),
  );
  const size = Number.isFinite(report.spaceSize)
    ? `${report.spaceSize.toLocaleString('en-US')} points`
    : 'continuous';
  const lines = [
    `trials       ${report.trials.length} (${report.resumed} from an earlier run)${report.cancelled ? ', cancelled' : ''} in ${report.elapsedSeconds.toFixed(1)} s`,
    `space        ${size}${report.exhausted ? ': every point tried, the search stopped' : ''}`,
    ...report.fitted.map(
      (f) => `             left out batch sizes ${f.values} (${f.path}): --input has fewer images`,
    ),
    `objective    ${report.objective}: ${report.direction} ${report.unit}, the median of ${plural(report.repeats, 'run')} per trial`,
    '',
    `trial  status  ${precision ? 'prec  ' : ''}memory  batch  inter  intra  repl.  ${VALUE_HEADING.padStart(valueWidth)}  compute s`,
    ...report.trials.map((t) => trialLine(t, precision, report.unit, valueWidth)),
    '',
  ];
  const best = report.best;
  if (best) {
    const s = best.settings;
    const spread = trialSpread(best)!;
    const range =
      spread.repeats > 1
        ? `, median of ${spread.repeats} runs ranging ${formatObjectiveValue(spread.min, report.unit)}..${formatObjectiveValue(spread.max, report.unit)}`
        : '';
    lines.push(
      `best         trial ${best.number}: ${best.params.precision ? `${String(best.params.precision)}, ` : ''}memory ${s.memory} MB, batchSize ${s.batchSize}, interOpThreads ${s.interOpThreads}, ` +
        `intraOpThreads ${s.intraOpThreads}, replicas ${s.replicas} -> ${withUnit(best.value, report.unit)}${range}`,
      `wrote        ${report.files.bestWorker}`,
    );
  } else lines.push('best         none: no trial succeeded');
  lines.push(`             ${report.files.trials}`, `             ${report.files.plot}`);
  if (best)
    lines.push(
      `use          obifaas run --worker-config ${report.files.bestWorker} --input ... --model ${best.model ?? '...'}`,
    );
  return lines.join('\n');
}

/**
 * What `optimize` shows while it searches: a line of its own per finished trial (and for a
 * resume, a fitted space or a quantized model), and a progress line (trials done, the one
 * running, the best so far, the time), live on a terminal and plain every 30 s on a pipe or a log
 * (`OBIFAAS_PROGRESS_INTERVAL`), as `run` does.
 */
export function optimizeProgress(
  status: StatusLine,
  unit: string,
  now: () => number = steadyNow,
): (e: OptimizeEvent) => void {
  const startedAt = now();
  let done = 0;
  let total = 0;
  let running: number | null = null;
  let best: TrialRecord | null = null;
  const view = (): string =>
    `optimize ${progressBar(done, total)} ${done}/${total} trials | ` +
    `${running !== null ? `trial ${running} running` : 'between trials'} | ` +
    `${best ? `best ${formatObjectiveValue(best.value, unit)} (trial ${best.number})` : 'no success yet'} | ` +
    `${Math.round((now() - startedAt) / 1000)}s`;
  return (e) => {
    if (e.type === 'resume') {
      done = e.done;
      total = e.total;
      if (e.done > 0) status.note(`resuming after ${plural(e.done, 'recorded trial')}`);
    }
    if (e.type === 'fitted')
      status.note(
        `the default space left out batch sizes above ${e.images}, the images of --input (${e.removed.map((r) => r.values).join('; ')})`,
      );
    if (e.type === 'quantize') status.note(`quantizing ${e.model} to int8 into ${e.out} (once) ...`);
    if (e.type === 'start') {
      running = e.number;
      total = e.total;
    }
    if (e.type === 'trial') {
      done++;
      running = null;
      best = e.best;
      const bestText = e.best
        ? `best ${formatObjectiveValue(e.best.value, unit)} (trial ${e.best.number})`
        : 'no success yet';
      status.note(
        `trial ${e.record.number} (${done} of ${e.total}): ${e.record.status} ${withSpread(e.record, unit)}; ${bestText}`,
      );
    }
    if (total > 0) status.show(view);
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
  const precisions = flags.precision !== undefined ? parsePrecisionList(flags.precision) : undefined;
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
          ...(flags.repeats !== undefined ? { repeats: flags.repeats } : {}),
          fitSpace: flags.space === undefined,
          ...(precisions ? { precisions } : {}),
          ...(flags.int8Model !== undefined ? { int8Model: flags.int8Model } : {}),
          signal,
          onEvent: optimizeProgress(status, OBJECTIVES[objective].unit),
        }),
      ),
  );
}
