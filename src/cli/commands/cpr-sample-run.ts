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
import { labelledLines, textTable, type TextColumn } from '../../util/text-layout.js';

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

/** The columns of the sampled points' table (`prec` only when some point ran in a precision). */
function pointColumns(precision: boolean): TextColumn[] {
  return [
    { header: 'index', align: 'right' },
    ...(precision ? [{ header: 'prec', align: 'left' } as const] : []),
    { header: 'images', align: 'right' },
    { header: 'workers', align: 'right' },
    { header: 'compute s', align: 'right' },
    { header: 'init s', align: 'right' },
    { header: 'latency s', align: 'right' },
    { header: 'cost per million images', align: 'right' },
  ];
}

/**
 * The human-readable report. On a terminal `width` columns wide, long values wrap under
 * themselves and the points' table breaks its headers, then folds its columns onto two lines
 * per point (`util/text-layout.ts`).
 */
export function formatSamplingReport(report: SamplingReport, width?: number): string {
  const labelled = (rows: Array<[string, string]>): string[] =>
    labelledLines(rows, { width, labelWidth: 11 });
  const lines = labelled([
    ['plan', `${report.planned} points, at most ${report.maxWorkers} workers per job`],
    [
      'this run',
      `${report.sampled.length} sampled, ${report.skipped} already recorded, ${report.failed.length} failed` +
        `${report.cancelled ? ', cancelled' : ''} (${fixed(report.elapsedSeconds, 1)} s, ${formatUsd(report.costUsd)})`,
    ],
    [
      'jobs',
      `${report.mode} dispatch${report.speculation ? ' with speculation' : ''}, ${report.memoryMb} MB`,
    ],
  ]);
  if (report.sampled.length > 0) {
    const precision = report.sampled.some((r) => r.precision !== undefined);
    const order = (r: CprSampleRecord): string => `${String(r.index).padStart(6)}${r.precision ?? ''}`;
    const rows = [...report.sampled]
      .sort((a, b) => order(a).localeCompare(order(b)))
      .map((r) => [
        String(r.index),
        ...(precision ? [r.precision ?? '-'] : []),
        String(r.images),
        String(r.workers),
        fixed(r.computeSeconds),
        fixed(r.initSeconds),
        fixed(r.latencySeconds),
        formatUsd(((r.costUsd ?? 0) / r.images) * 1e6),
      ]);
    lines.push('', ...textTable(pointColumns(precision), rows, { width, indent: ' ' }));
  }
  lines.push(
    ...labelled(
      report.failed.map((f) => [
        'failed',
        `point ${f.index}${f.precision ? ` ${f.precision}` : ''} (${f.images} images x ${f.workers} workers): ${f.error}`,
      ]),
    ),
  );
  lines.push('', ...labelled([['samples', report.samplesFile]]));
  lines.push(
    ...labelled([
      report.remaining === 0
        ? ['next', `obifaas cpr fit ${report.dir}`]
        : ['next', `${report.remaining} point(s) left: run the same command again to resume`],
    ]),
  );
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
  await runCommand<SamplingReport>(
    {
      json: flags.json === true,
      render: (report, width) => formatSamplingReport(report, width),
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
