/**
 * What a job reads before any function starts: its inputs, its model and its labels, checked
 * together, so that a run with a missing input and a misspelt model reports both at once.
 */
import type { StorageRef } from '../core/storage-ref.js';
import { resolveJobInputs, type ResolvedInputs } from '../dataset/inputs.js';
import { failureError, failuresOf, type Failure } from './check-failures.js';
import type { ModelRef } from '../protocol/invocation.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import {
  resolveLabelsUri,
  resolveModelUri,
  type JobLabelsFile,
  type JobModelFile,
  type JobModelOptions,
} from './job-model.js';
import type { ModelDigests } from './types.js';

/** A job's inputs, and the model and labels its functions get. */
export interface JobSources {
  inputs: ResolvedInputs;
  /** With the model's `sha256` and the labels' `labelsSha256`, which its functions check the files they read against. */
  model: ModelRef;
  /** What the model and labels files held when they were read here. */
  digests: ModelDigests;
  /** The files the model keeps its external data in, checked with it. */
  externalData: string[];
}

/**
 * Resolves the inputs (unless given), the model and the labels: the sources, or the failure of
 * each one that is wrong, under its field (`inputs`, `model`, `labels`).
 */
export async function settleJobSources(
  spec: ResolvedJobSpec,
  options: JobModelOptions & { inputs?: ResolvedInputs } = {},
): Promise<{ sources: JobSources } | { failures: Failure[] }> {
  const inputs = options.inputs ? Promise.resolve(options.inputs) : resolveJobInputs(spec);
  // The model and labels are read with the inputs' storage settings (for s3:// ones); without
  // inputs they are still checked, with the job's storage (or none).
  const storage: Promise<StorageRef> = inputs.then(
    (found) => found.storage,
    () => spec.storage ?? { type: 'fs', root: '/' },
  );
  const home = options.home ? { home: options.home } : {};
  const model = storage.then((s) => resolveModelUri(spec, s, home));
  const labels = storage.then((s) => resolveLabelsUri(spec, s, home));
  const [i, m, l] = await Promise.allSettled([inputs, model, labels]);
  const failures = failuresOf([
    ['inputs', i],
    ['model', m],
    ['labels', l],
  ]);
  if (failures.length > 0) return { failures };
  const labelsFile = (l as PromiseFulfilledResult<JobLabelsFile | undefined>).value;
  const { uri, externalData, digest } = (m as PromiseFulfilledResult<JobModelFile>).value;
  return {
    sources: {
      inputs: (i as PromiseFulfilledResult<ResolvedInputs>).value,
      model: {
        uri,
        sha256: digest.sha256,
        ...(labelsFile ? { labelsUri: labelsFile.uri, labelsSha256: labelsFile.digest.sha256 } : {}),
      },
      digests: {
        sha256: digest.sha256,
        bytes: digest.bytes,
        ...(labelsFile
          ? { labelsSha256: labelsFile.digest.sha256, labelsBytes: labelsFile.digest.bytes }
          : {}),
      },
      externalData,
    },
  };
}

/**
 * Resolves the inputs (unless given), the model and the labels. When one of them is wrong its
 * own error is thrown; when several are, one `SpecError` lists each under its field.
 */
export async function resolveJobSources(
  spec: ResolvedJobSpec,
  options: JobModelOptions & { inputs?: ResolvedInputs } = {},
): Promise<JobSources> {
  const settled = await settleJobSources(spec, options);
  if ('failures' in settled) throw failureError(settled.failures);
  return settled.sources;
}
