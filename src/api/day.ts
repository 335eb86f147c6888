/**
 * A day of jobs from code: the options `obifaas simulate` and `obifaas replay` share (the trace
 * or the jobs themselves, the caps, the policy, the schedule), in a program's units (seconds),
 * turned into what the simulator and the replay take.
 */
import type { Issue } from '../errors.js';
import { ADMISSION_DEFAULTS, admissionIssues } from '../orchestrator/admission-queue.js';
import { capsIssues } from '../orchestrator/provisioner.js';
import { targetIssues } from '../planning/planner.js';
import type { DayReplaySettings } from '../replay/replay-trace.js';
import { DEFAULT_CAPS } from '../orchestrator/types.js';
import type { DayJob } from '../trace/day-trace.js';
import { SCHEDULE_DEFAULTS, scheduleIssues } from '../trace/schedule.js';

/**
 * How many workers each job gets: `default` (static jobs one worker per split, dynamic jobs
 * those they ask for), `fixed` (what they ask for), or the CPR planner for a cost target per
 * million images or a deadline, with the reference's CPR model or one from a file.
 */
export type DayPolicy =
  | 'default'
  | 'fixed'
  | { type: 'cpr'; usdPerMillion: number; cprModelFile?: string }
  | { type: 'deadline'; seconds: number; cprModelFile?: string };

/** What a simulated or replayed day takes besides its jobs' own settings. */
export interface DayOptions {
  /**
   * The day: a trace CSV file (columns `STARTED`, `ds_id`, `n_images_ds`, as `obifaas trace
   * make` writes), or its jobs. A job's `line` in the report is its CSV line, or its position
   * (from 1) in the list.
   */
  trace: string | readonly DayJob[];
  /** Workers running at once over all jobs (default 100 for a simulation; a replay: the backend's concurrency). */
  maxWorkers?: number;
  /** Jobs running at once (default 1). */
  maxJobs?: number;
  /** Default `'default'`. */
  policy?: DayPolicy;
  /** Time compression: 60 plays an hour of trace in a minute (default 1). */
  speed?: number;
  /** Longest gap between arrivals kept, in trace seconds, before `speed` (default 600; `Infinity` keeps all). */
  maxWaitSeconds?: number;
  /** Share of its workers a job waits for before it starts (default 0: whatever is free). */
  minGrantFraction?: number;
  /** How long later jobs may overtake a waiting one, in seconds (default 60). */
  maxHeadWaitSeconds?: number;
  /** Refuse a trace file with a malformed row, instead of skipping it (default false). */
  strict?: boolean;
  /** The folder `day.json` (and a replay's job folders) go into. */
  out?: string;
}

/**
 * Every problem of the day's options, each under its option (`maxWorkers`, `speed`,
 * `policy.seconds`...), by the rules of the parts that take them: the caps, the schedule, the
 * admission queue and the planner.
 */
export function dayOptionIssues(options: Omit<DayOptions, 'trace' | 'out'>): Issue[] {
  const { policy } = options;
  return [
    ...capsIssues({ maxWorkers: options.maxWorkers, maxJobs: options.maxJobs }),
    ...scheduleIssues({ speed: options.speed, maxWaitSeconds: options.maxWaitSeconds }),
    ...admissionIssues(
      { minGrantFraction: options.minGrantFraction, maxHeadWait: options.maxHeadWaitSeconds },
      'maxHeadWaitSeconds',
    ),
    ...(typeof policy === 'object'
      ? targetIssues(
          policy.type === 'cpr'
            ? { type: 'cpr', usdPerMillion: policy.usdPerMillion }
            : { type: 'deadline', seconds: policy.seconds },
          'policy',
        )
      : []),
  ];
}

/** The options as the commands' flags, defaults filled in as the commands fill them. */
export function dayFlags(options: Omit<DayOptions, 'trace' | 'out'>): Omit<DayReplaySettings, 'out'> {
  const policy = options.policy ?? 'default';
  const seconds = (s: number): number => s * 1000;
  return {
    ...(options.maxWorkers !== undefined ? { maxWorkers: options.maxWorkers } : {}),
    maxJobs: options.maxJobs ?? DEFAULT_CAPS.maxJobs,
    speed: options.speed ?? SCHEDULE_DEFAULTS.speed,
    maxWait: seconds(options.maxWaitSeconds ?? SCHEDULE_DEFAULTS.maxWaitSeconds),
    minGrantFraction: options.minGrantFraction ?? ADMISSION_DEFAULTS.minGrantFraction,
    maxHeadWait:
      options.maxHeadWaitSeconds !== undefined
        ? seconds(options.maxHeadWaitSeconds)
        : ADMISSION_DEFAULTS.maxHeadWaitMs,
    policy: typeof policy === 'string' ? policy : policy.type,
    ...(typeof policy === 'object' && policy.type === 'cpr' ? { cprPerMillion: policy.usdPerMillion } : {}),
    ...(typeof policy === 'object' && policy.type === 'deadline'
      ? { deadline: seconds(policy.seconds) }
      : {}),
    ...(typeof policy === 'object' && policy.cprModelFile !== undefined
      ? { cprModel: policy.cprModelFile }
      : {}),
  };
}
