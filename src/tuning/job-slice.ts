/**
 * Jobs on the first N images of a user's inputs: the sampler's and the optimizer's jobs. The
 * inputs are resolved once; each job gets a manifest of its keys (read from the original
 * storage) beside its own folder, which holds the job's usual outputs.
 */
import { rm } from 'node:fs/promises';
import { resolveJobInputs } from '../dataset/inputs.js';
import { writeManifest } from '../dataset/manifest.js';
import { UserError } from '../errors.js';
import { resolveModelPath } from '../models/cache.js';
import type { JobOutcome } from '../manager/run-job-types.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import type { StorageRef } from '../core/storage-ref.js';
import { resolveModelFile } from '../worker/model-source.js';

/** The keys of a job's inputs and the storage they live in. */
export interface InputPool {
  storage: StorageRef;
  keys: string[];
  /** The location the user named (absolute path or URI). */
  location: string;
}

/** Suffix of the manifest each sliced job reads, kept beside its folder (a job's folder starts empty). */
export const SLICE_MANIFEST_SUFFIX = '.inputs.txt';

/**
 * Resolves the inputs and the model of `spec` once, before any job runs (so a mistake is
 * reported before minutes of sampling), and checks that there are at least `needed` images.
 */
export async function prepareInputPool(
  spec: ResolvedJobSpec,
  needed: number,
  what: string,
  home?: string,
): Promise<InputPool> {
  const inputs = await resolveJobInputs(spec);
  if (inputs.keys.length < needed) {
    throw new UserError(
      `${what} needs ${needed} images but --input '${inputs.source.location}' has ${inputs.keys.length}; ` +
        `give more (for example \`obifaas dataset make --count ${needed} --out DIR\`)`,
    );
  }
  await resolveModelFile(await resolveModelPath(spec.model.uri, home ? { home } : {}));
  return { storage: inputs.storage, keys: inputs.keys, location: inputs.source.location };
}

/** What differs between the base spec and one sliced job. */
export interface SliceOptions {
  name: string;
  /** The job takes the first `images` keys of the pool. */
  images: number;
  workers: number;
  /** The job's output folder: removed first if it holds an unfinished attempt. */
  outDir: string;
  /** Changes to the base spec (pipeline, backend, dispatch...). */
  overrides?: Partial<ResolvedJobSpec>;
}

/**
 * Writes the job's manifest beside a fresh `outDir` and returns its spec. The folder is the
 * caller's own (under its output folder), so a leftover of an interrupted run is removed.
 */
export async function sliceJob(
  base: ResolvedJobSpec,
  pool: InputPool,
  options: SliceOptions,
): Promise<ResolvedJobSpec> {
  await rm(options.outDir, { recursive: true, force: true });
  const manifest = `${options.outDir}${SLICE_MANIFEST_SUFFIX}`;
  await writeManifest(manifest, pool.keys.slice(0, options.images), [
    `first ${options.images} keys of ${pool.location}`,
  ]);
  return {
    ...base,
    ...options.overrides,
    name: options.name,
    inputs: manifest,
    storage: pool.storage,
    workers: options.workers,
    outDir: options.outDir,
  };
}

/**
 * Why a finished job cannot be measured (it failed, or some images got errors), or null when
 * every image has a prediction.
 */
export function jobFailure(outcome: JobOutcome): string | null {
  const { summary, record } = outcome;
  if (summary.status === 'failed') return `job failed: ${record.stopReason ?? 'unknown reason'}`;
  if (summary.errors > 0) {
    const failed = record.invocations.find((i) => !i.ok);
    return `${summary.errors} of ${summary.inputs} images failed${failed?.error ? ` (${failed.error})` : ''}; see ${outcome.outDir}`;
  }
  return null;
}
