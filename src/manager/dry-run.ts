/**
 * What `runJob` would run, without running it (`obifaas run --dry-run`): the inputs' list is
 * read, the local places checked as a run checks them, the backend is asked what its functions
 * have, and the job is planned by the same `planJob()` the job manager runs. Nothing is invoked,
 * no model is fetched or built, and no output folder is created.
 */
import type { ComputeBackend } from '../backends/backend.js';
import { createBackend } from '../backends/factory.js';
import type { ResolvedInputs } from '../dataset/inputs.js';
import { planJob } from '../job-plan/plan-job.js';
import type { JobPlan, TimeEstimate } from '../job-plan/types.js';
import type { ResolvedBackend, ResolvedJobSpec } from '../spec/types.js';
import { checkDryRunSources } from './job-checks.js';

/** I/O seams of {@link dryRunJob}, with production defaults. */
export interface DryRunDeps {
  /** Use these inputs instead of resolving `spec.inputs`. */
  inputs?: ResolvedInputs;
  /** The backend the job would run on (not closed); default: one made from the spec, closed after. */
  backend?: ComputeBackend;
  createBackend?: (spec: ResolvedBackend) => ComputeBackend;
  /** How long a function takes, for the predicted cost. */
  estimate?: TimeEstimate;
}

/** A dry run: the plan, and where the inputs were found. */
export interface DryRun {
  plan: JobPlan;
  inputs: ResolvedInputs['source'];
}

/**
 * Plans `spec` as `runJob` would. Throws `UserError` for inputs that cannot be listed, a local
 * model or labels file that is missing, or an output folder in use; several at once in one
 * `SpecError`, as a run reports them (see `checkDryRunSources`).
 */
export async function dryRunJob(spec: ResolvedJobSpec, deps: DryRunDeps = {}): Promise<DryRun> {
  const inputs = deps.inputs ?? (await checkDryRunSources(spec));
  const backend = deps.backend ?? (deps.createBackend ?? createBackend)(spec.backend);
  try {
    const plan = planJob(spec, inputs.keys.length, backend, deps.estimate ? { estimate: deps.estimate } : {});
    return { plan, inputs: inputs.source };
  } finally {
    if (!deps.backend) await backend.close();
  }
}
