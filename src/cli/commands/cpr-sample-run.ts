/** The work of `obifaas cpr sample`: resolve the jobs' settings, run the plan, report. */
import path from 'node:path';
import cliProgress from 'cli-progress';
import { dispatchStrategies } from '../../manager/dispatch.js';
import { jobOptionsSchema, modes } from '../../spec/schema.js';
import type { ResolvedJobSpec } from '../../spec/types.js';
import {
  hasSpeculation,
  runCprSampling,
  type SamplingEvent,
  type SamplingReport,
} from '../../tuning/cpr-sampler.js';
import { resolveJobFlags } from '../job-flags.js';
import { CANCELLED_EXIT_CODE } from './execute-job.js';

/** Flags of `obifaas cpr sample`, as commander parses them. */
export interface CprSampleFlags extends Record<string, unknown> {
  maxImages: number;
  out: string;
  linear: number;
  log: number;
  minImages?: number;
  maxWorkers?: number;
  seed: number;
  warmup: boolean;
  json?: boolean;
}

/** Exit code when some points failed (they are retried by a re-run). */
export const EXIT_POINTS_FAILED = 1;

/** Dynamic dispatch when this version runs it, as the reference sampled; else static. */
export function defaultSamplingMode(): string {
  const strategies: Record<string, unknown> = dispatchStrategies;
  return modes.dynamic?.available && typeof strategies.dynamic === 'function' ? 'dynamic' : 'static';
}

/** A bar over the plan's jobs on a terminal (stderr); nothing otherwise. */
function progressBar(enabled: boolean): { onEvent: (e: SamplingEvent) => void; stop: () => void } {
  if (!enabled) return { onEvent: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: 'cpr sample {bar} {value}/{total} jobs | {job} | ETA {etaText}',
      barsize: 30,
      hideCursor: true,
      clearOnComplete: true,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let done = 0;
  let total = 0;
  let firstJobAt = 0;
  // Jobs run one after the other: the mean time of the finished ones times those left.
  const etaText = (): string =>
    done === 0 ? '-' : `${Math.ceil((((Date.now() - firstJobAt) / done) * (total - done)) / 1000)}s`;
  return {
    onEvent(e) {
      if (e.type === 'plan' && e.pending > 0) {
        total = e.pending;
        const job = e.recorded > 0 ? `${e.recorded} already recorded` : 'starting';
        bar.start(total, 0, { job, etaText: '-' });
        started = true;
      } else if (!started) return;
      else if (e.type === 'warmup') bar.update(done, { job: 'warm-up job' });
      else if (e.type === 'start') {
        if (e.position === 0) firstJobAt = Date.now();
        bar.update(done, {
          job: `cpr-${e.point.index}: ${e.point.images} images x ${e.point.workers} workers`,
        });
      } else if (e.type === 'progress') {
        const p = e.progress;
        bar.update(done, {
          job: `cpr-${e.point.index}: ${p.done}/${p.total} images x ${e.point.workers} workers`,
          etaText: etaText(),
        });
      } else if (e.type === 'sampled' || e.type === 'failed') {
        done++;
        bar.update(done, { etaText: etaText() });
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

const fixed = (v: number, digits = 2): string => v.toFixed(digits);

/** The human-readable report. */
export function formatSamplingReport(report: SamplingReport): string {
  const lines = [
    `plan         ${report.planned} points, at most ${report.maxWorkers} workers per job`,
    `this run     ${report.sampled.length} sampled, ${report.skipped} already recorded, ${report.failed.length} failed` +
      `${report.cancelled ? ', cancelled' : ''} (${fixed(report.elapsedSeconds, 1)} s, $${report.costUsd.toExponential(3)})`,
    `jobs         ${report.mode} dispatch${report.speculation ? ' with speculation' : ''}, ${report.memoryMb} MB`,
  ];
  if (report.sampled.length > 0) {
    lines.push('', ' index  images  workers  compute s  init s  latency s  $ per million images');
    for (const r of [...report.sampled].sort((a, b) => a.index - b.index)) {
      const cprPerMillion = ((r.costUsd ?? 0) / r.images) * 1e6;
      lines.push(
        `${String(r.index).padStart(6)}  ${String(r.images).padStart(6)}  ${String(r.workers).padStart(7)}  ` +
          `${fixed(r.computeSeconds).padStart(9)}  ${fixed(r.initSeconds).padStart(6)}  ` +
          `${fixed(r.latencySeconds).padStart(9)}  ${fixed(cprPerMillion).padStart(20)}`,
      );
    }
  }
  for (const f of report.failed) {
    lines.push(`failed       point ${f.index} (${f.images} images x ${f.workers} workers): ${f.error}`);
  }
  lines.push('', `samples      ${report.samplesFile}`);
  if (report.remaining === 0) lines.push(`next         obifaas cpr fit ${report.dir}`);
  else lines.push(`next         ${report.remaining} point(s) left: run the same command again to resume`);
  return lines.join('\n');
}

/**
 * The sampling jobs' settings: dynamic dispatch with speculation when this version runs it
 * (as the reference's jobs ran), unless the flags or the config file say otherwise.
 */
export async function samplingJobSpec(flags: CprSampleFlags): Promise<ResolvedJobSpec> {
  const spec = await resolveJobFlags(flags, { mode: defaultSamplingMode() });
  const knowsSpeculation = 'speculation' in jobOptionsSchema.shape;
  if (spec.dispatch.type !== 'dynamic' || !knowsSpeculation || hasSpeculation(spec)) return spec;
  return resolveJobFlags(flags, { mode: defaultSamplingMode(), speculation: { enabled: true } });
}

/** Runs `obifaas cpr sample`; returns the exit code. */
export async function runCprSample(flags: CprSampleFlags): Promise<number> {
  const spec = await samplingJobSpec(flags);
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(CANCELLED_EXIT_CODE);
    process.stderr.write(
      '\nobifaas: cancelling: stopping the running job (press Ctrl-C again to quit now)\n',
    );
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const bar = progressBar(process.stderr.isTTY === true && flags.json !== true);
  let report: SamplingReport;
  try {
    report = await runCprSampling({
      dir: path.resolve(flags.out),
      spec,
      maxImages: flags.maxImages,
      batchSize: spec.pipeline.predict.batchSize,
      linear: flags.linear,
      log: flags.log,
      seed: flags.seed,
      warmup: flags.warmup,
      signal: controller.signal,
      onEvent: bar.onEvent,
      ...(flags.maxWorkers !== undefined ? { maxWorkers: flags.maxWorkers } : {}),
      ...(flags.minImages !== undefined ? { minImages: flags.minImages } : {}),
    });
  } finally {
    bar.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  process.stdout.write(flags.json ? `${JSON.stringify(report)}\n` : `${formatSamplingReport(report)}\n`);
  if (report.cancelled) {
    process.stderr.write('obifaas: sampling cancelled; run the same command again to resume\n');
    return CANCELLED_EXIT_CODE;
  }
  if (report.failed.length > 0) {
    process.stderr.write(
      `obifaas: ${report.failed.length} point(s) failed (first: ${report.failed[0]!.error}); run the same command again to retry them\n`,
    );
    return EXIT_POINTS_FAILED;
  }
  return 0;
}
