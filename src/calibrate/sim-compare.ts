/**
 * The simulator against a real replay (pure): simulate a schedule exactly as it was replayed
 * (same caps, policy and job template), then compare per-job latency with the replay's
 * `day.json`.
 */
import { median } from '../core/median.js';
import type { AdmissionOptions } from '../orchestrator/admission-queue.js';
import type { ProvisionerCaps } from '../orchestrator/types.js';
import type { FunctionProfile } from '../simulate/profile.js';
import { simulate, type SimJobRequest, type SimulationResult } from '../simulate/simulator.js';
import type { DayReport } from '../trace/day-report.js';
import type { ReplayJobTemplate } from '../replay/replay.js';
import type { ScheduledJob } from '../trace/schedule.js';

/** Simulates `schedule` with the job template a replay used. */
export function simulateSchedule(
  schedule: readonly ScheduledJob[],
  options: Omit<AdmissionOptions, 'caps'> & {
    profile: FunctionProfile;
    caps: ProvisionerCaps;
    template: ReplayJobTemplate;
    seed?: number;
  },
): SimulationResult {
  const { template, ...rest } = options;
  const requests = schedule.map((s): SimJobRequest => ({
    id: s.id,
    mode: template.mode,
    inputs: s.row.images,
    workers: template.workers,
    splitSize: template.splitSize,
    ...(template.batchSize !== undefined ? { batchSize: template.batchSize } : {}),
    arrivalMs: s.arrivalMs,
    line: s.row.line,
    datasetId: s.row.datasetId,
    traceOffsetSeconds: s.traceOffsetSeconds,
  }));
  return simulate(requests, rest);
}

/** One job in both reports. */
export interface JobLatencyPair {
  id: string;
  images: number;
  realWorkers: number | null;
  simulatedWorkers: number | null;
  realSeconds: number;
  simulatedSeconds: number;
  /** |simulated - real| / real. */
  relativeError: number;
}

export interface LatencyComparison {
  jobs: JobLatencyPair[];
  maxRelativeError: number;
  medianRelativeError: number;
  meanRelativeError: number;
}

/** Per-job latency of the jobs that succeeded in both reports, matched by id. */
export function compareLatencies(real: DayReport, simulated: DayReport): LatencyComparison {
  const sim = new Map(simulated.jobs.map((j) => [j.id, j]));
  const jobs: JobLatencyPair[] = [];
  for (const r of real.jobs) {
    const s = sim.get(r.id);
    if (!s || r.status !== 'succeeded' || s.status !== 'succeeded') continue;
    if (r.latencySeconds === null || s.latencySeconds === null || r.latencySeconds <= 0) continue;
    jobs.push({
      id: r.id,
      images: r.images,
      realWorkers: r.workers,
      simulatedWorkers: s.workers,
      realSeconds: r.latencySeconds,
      simulatedSeconds: s.latencySeconds,
      relativeError: Math.abs(s.latencySeconds - r.latencySeconds) / r.latencySeconds,
    });
  }
  const errors = jobs.map((j) => j.relativeError).sort((a, b) => a - b);
  return {
    jobs,
    maxRelativeError: errors.length === 0 ? NaN : (errors[errors.length - 1] as number),
    medianRelativeError: median(errors) ?? NaN,
    meanRelativeError: errors.length === 0 ? NaN : errors.reduce((a, e) => a + e, 0) / errors.length,
  };
}
