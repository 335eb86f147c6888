/** The work of `obifaas cpr sample`: resolve the jobs' settings, run the plan, report. */
import path from 'node:path';
import type { ResolvedJobSpec } from '../../spec/types.js';
import type { CprSampleRecord } from '../../planning/cpr-sample-record.js';
import { parsePrecisionList } from '../../planning/precision.js';
import { hasSpeculation, runCprSampling, type SamplingReport } from '../../tuning/cpr-sampler.js';
import { resolveJobFlags } from '../config-flags.js';
import { samplingProgress } from '../progress.js';
import { runCommand, type CommandResult } from '../runner.js';
import { CPR_SAMPLE_JOB_FLAGS } from '../job-settings.js';
import { formatUsd } from '../../util/money.js';

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
  /** Comma-separated precisions each point runs in (`fp32,int8`). */
  precision?: string;
  int8Model?: string;
  json?: boolean;
}

const fixed = (v: number, digits = 2): string => v.toFixed(digits);

/** The human-readable report. */
export function formatSamplingReport(report: SamplingReport): string {
  const lines = [
    `plan         ${report.planned} points, at most ${report.maxWorkers} workers per job`,
    `this run     ${report.sampled.length} sampled, ${report.skipped} already recorded, ${report.failed.length} failed` +
      `${report.cancelled ? ', cancelled' : ''} (${fixed(report.elapsedSeconds, 1)} s, ${formatUsd(report.costUsd)})`,
    `jobs         ${report.mode} dispatch${report.speculation ? ' with speculation' : ''}, ${report.memoryMb} MB`,
  ];
  if (report.sampled.length > 0) {
    const precision = report.sampled.some((r) => r.precision !== undefined);
    lines.push(
      '',
      ` index  ${precision ? 'prec  ' : ''}images  workers  compute s  init s  latency s  cost per million images`,
    );
    const order = (r: CprSampleRecord): string => `${String(r.index).padStart(6)}${r.precision ?? ''}`;
    for (const r of [...report.sampled].sort((a, b) => order(a).localeCompare(order(b)))) {
      const cprPerMillion = ((r.costUsd ?? 0) / r.images) * 1e6;
      lines.push(
        `${String(r.index).padStart(6)}  ${precision ? `${(r.precision ?? '-').padEnd(4)}  ` : ''}${String(r.images).padStart(6)}  ${String(r.workers).padStart(7)}  ` +
          `${fixed(r.computeSeconds).padStart(9)}  ${fixed(r.initSeconds).padStart(6)}  ` +
          `${fixed(r.latencySeconds).padStart(9)}  ${formatUsd(cprPerMillion).padStart(23)}`,
      );
    }
  }
  for (const f of report.failed) {
    lines.push(
      `failed       point ${f.index}${f.precision ? ` ${f.precision}` : ''} (${f.images} images x ${f.workers} workers): ${f.error}`,
    );
  }
  lines.push('', `samples      ${report.samplesFile}`);
  if (report.remaining === 0) lines.push(`next         obifaas cpr fit ${report.dir}`);
  else lines.push(`next         ${report.remaining} point(s) left: run the same command again to resume`);
  return lines.join('\n');
}

/**
 * The sampling jobs' settings: dynamic dispatch with speculation (as the reference's jobs ran),
 * unless the flags or the config file say otherwise.
 */
export async function samplingJobSpec(flags: CprSampleFlags): Promise<ResolvedJobSpec> {
  const base = { mode: 'dynamic' };
  const spec = await resolveJobFlags(flags, CPR_SAMPLE_JOB_FLAGS, { base });
  if (spec.dispatch.type !== 'dynamic' || hasSpeculation(spec)) return spec;
  return resolveJobFlags(flags, CPR_SAMPLE_JOB_FLAGS, { base: { ...base, speculation: { enabled: true } } });
}

/** How a sampling run ended, for the runner. */
function samplingResult(report: SamplingReport): CommandResult<SamplingReport> {
  if (report.cancelled)
    return {
      value: report,
      status: 'cancelled',
      notes: ['sampling cancelled; run the same command again to resume'],
    };
  if (report.failed.length > 0)
    return {
      value: report,
      status: 'failed',
      notes: [
        `${report.failed.length} point(s) failed (first: ${report.failed[0]!.error}); run the same command again to retry them`,
      ],
    };
  return { value: report };
}

/** Runs `obifaas cpr sample`: exit code 0, 1 when some points failed, 130 when cancelled. */
export async function runCprSample(flags: CprSampleFlags): Promise<void> {
  const precisions = flags.precision !== undefined ? parsePrecisionList(flags.precision) : undefined;
  const spec = await samplingJobSpec(flags);
  await runCommand(
    {
      json: flags.json === true,
      render: formatSamplingReport,
      cancelling: 'the sampling: stopping the running job (finished points stay recorded)',
    },
    async ({ signal, status }) =>
      samplingResult(
        await runCprSampling({
          dir: path.resolve(flags.out),
          spec,
          maxImages: flags.maxImages,
          batchSize: spec.pipeline.predict.batchSize,
          linear: flags.linear,
          log: flags.log,
          seed: flags.seed,
          warmup: flags.warmup,
          signal,
          onEvent: samplingProgress(status),
          ...(flags.maxWorkers !== undefined ? { maxWorkers: flags.maxWorkers } : {}),
          ...(flags.minImages !== undefined ? { minImages: flags.minImages } : {}),
          ...(precisions ? { precisions } : {}),
          ...(flags.int8Model !== undefined ? { int8Model: flags.int8Model } : {}),
        }),
      ),
  );
}
