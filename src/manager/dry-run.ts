/**
 * What `runJob` would run, without running it (`obifaas run --dry-run`): the inputs' list is
 * read, the local places checked as a run checks them, the backend is asked what its functions
 * have, and the job is planned by the same `planJob()` the job manager runs. A local model and
 * labels file are hashed as a run hashes them, so the plan shows the digests the job would
 * record. Nothing is invoked, no model is fetched or built, and no output folder is created.
 */
import { fileURLToPath } from 'node:url';
import type { ComputeBackend } from '../backends/backend.js';
import { createBackend } from '../backends/factory.js';
import type { ResolvedInputs } from '../dataset/inputs.js';
import { planJob } from '../job-plan/plan-job.js';
import type { JobPlan, TimeEstimate } from '../job-plan/types.js';
import { isBuiltinModelName } from '../models/builtin.js';
import type { ResolvedBackend, ResolvedJobSpec } from '../spec/types.js';
import { isS3Location } from '../storage/uri.js';
import type { FileDigest } from '../util/file-digest.js';
import { resolveModelFile } from '../worker/model-source.js';
import { checkDryRunSources } from './job-checks.js';
import { jobFileDigest } from './job-model.js';

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

/**
 * The model or labels file of a dry run: the SHA-256 and size the job would record, or why the
 * dry run did not read it (a builtin model not built yet, a file in S3 not fetched).
 */
export type DryRunFile = { uri: string } & (FileDigest | { notRead: string });

/** A dry run: the plan, where the inputs were found, and the model and labels files. */
export interface DryRun {
  plan: JobPlan;
  inputs: ResolvedInputs['source'];
  model: DryRunFile;
  /** Absent for a job without a labels file. */
  labels?: DryRunFile;
}

/**
 * Plans `spec` as `runJob` would. Throws `UserError` for inputs that cannot be listed, a local
 * model or labels file that is missing or cannot be read, or an output folder in use; several at
 * once in one `SpecError`, as a run reports them (see `checkDryRunSources`).
 */
export async function dryRunJob(spec: ResolvedJobSpec, deps: DryRunDeps = {}): Promise<DryRun> {
  const inputs = deps.inputs ?? (await checkDryRunSources(spec));
  const { uri, labelsUri } = spec.model;
  const [model, labels] = await Promise.all([
    dryRunFile(uri, 'model'),
    labelsUri === undefined ? undefined : dryRunFile(labelsUri, 'labels'),
  ]);
  const backend = deps.backend ?? (deps.createBackend ?? createBackend)(spec.backend);
  try {
    const plan = planJob(spec, inputs.keys.length, backend, deps.estimate ? { estimate: deps.estimate } : {});
    return { plan, inputs: inputs.source, model, ...(labels ? { labels } : {}) };
  } finally {
    if (!deps.backend) await backend.close();
  }
}

/** A model or labels file as a dry run sees it: a local file hashed, else why it is not read. */
async function dryRunFile(uri: string, what: 'model' | 'labels'): Promise<DryRunFile> {
  if (what === 'model' && isBuiltinModelName(uri))
    return { uri, notRead: 'a builtin model, built and hashed by the run' };
  if (isS3Location(uri)) return { uri, notRead: 'in S3, fetched and hashed by the run' };
  const file = what === 'model' ? await resolveModelFile(uri) : localFile(uri);
  return { uri, ...(await jobFileDigest(file, what)) };
}

/** The path a local labels location names (a path, or a `file://` URL). */
const localFile = (uri: string): string => (/^file:\/\//i.test(uri) ? fileURLToPath(uri) : uri);
