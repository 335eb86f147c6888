/**
 * Job policies (pure): plain functions `job -> job` that decide a job's workers and split size
 * before the provisioner corrects them against the caps. Policies that need a model (a CPR
 * target, a deadline) are built elsewhere and handed in by name through {@link resolvePolicy}.
 */
import { UserError } from '../errors.js';
import type { JobPolicy, JobShape } from './types.js';

/**
 * The reference's default: a static job gets one worker per split, `ceil(inputs / splitSize)`;
 * a dynamic job keeps the workers it asked for.
 */
export const defaultPolicy: JobPolicy = (job) =>
  job.mode === 'static'
    ? { ...job, workers: Math.ceil(job.inputs / Math.max(1, Math.floor(job.splitSize))) }
    : { ...job };

/** Runs every job with the workers it asked for (static and dynamic alike). */
export const fixedPolicy: JobPolicy = (job) => ({ ...job });

/** Policies available without a planning model. */
export const BUILT_IN_POLICIES: Readonly<Record<string, JobPolicy>> = Object.freeze({
  default: defaultPolicy,
  fixed: fixedPolicy,
});

/**
 * The policy called `name`: a built-in one or one of `extra` (for example `{ cpr: cprPolicy(model) }`
 * from the planning code; `extra` wins over built-ins of the same name). Throws {@link UserError}
 * listing the known names.
 */
export function resolvePolicy(name: string, extra: Readonly<Record<string, JobPolicy>> = {}): JobPolicy {
  const all: Record<string, JobPolicy> = { ...BUILT_IN_POLICIES, ...extra };
  const policy = Object.hasOwn(all, name) ? all[name] : undefined;
  if (!policy)
    throw new UserError(`policy: unknown policy '${name}' (known: ${Object.keys(all).sort().join(', ')})`);
  return policy;
}

/**
 * Applies a policy and checks what it returned: workers and split size must be finite numbers
 * >= 1 and the inputs unchanged. A broken policy is a programming error, reported as such.
 */
export function applyPolicy(policy: JobPolicy, job: Readonly<JobShape>): JobShape {
  const shaped = policy(job);
  if (shaped.inputs !== job.inputs)
    throw new Error(`job policy changed the number of inputs (${job.inputs} -> ${shaped.inputs})`);
  for (const field of ['workers', 'splitSize'] as const) {
    const v = shaped[field];
    if (!Number.isFinite(v) || v < 1)
      throw new Error(`job policy returned ${field} = ${v}; expected a number >= 1`);
  }
  if (shaped.mode !== 'static' && shaped.mode !== 'dynamic')
    throw new Error(`job policy returned mode = ${String(shaped.mode)}`);
  return shaped;
}
