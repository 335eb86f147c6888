/**
 * What a job reads before any function starts: its inputs, its model and its labels, checked
 * together, so that a run with a missing input and a misspelt model reports both at once.
 */
import type { StorageRef } from '../core/storage-ref.js';
import { resolveInputs, type ResolvedInputs } from '../dataset/inputs.js';
import { messageOf, SpecError, UserError, type Issue } from '../errors.js';
import type { ModelRef } from '../protocol/invocation.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import { resolveLabelsUri, resolveModelUri, type JobModelOptions } from './job-model.js';

/** A job's inputs, and the model and labels its functions get. */
export interface JobSources {
  inputs: ResolvedInputs;
  model: ModelRef;
}

/**
 * Resolves the inputs (unless given), the model and the labels. When one of them is wrong its
 * own error is thrown; when several are, one {@link SpecError} lists each under its field.
 */
export async function resolveJobSources(
  spec: ResolvedJobSpec,
  options: JobModelOptions & { inputs?: ResolvedInputs } = {},
): Promise<JobSources> {
  const inputs = options.inputs
    ? Promise.resolve(options.inputs)
    : resolveInputs(spec.inputs, {
        ...(spec.storage ? { storage: spec.storage } : {}),
        ...(spec.s3 ? { s3: spec.s3 } : {}),
      });
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
  const failures = (
    [
      ['inputs', i],
      ['model', m],
      ['labels', l],
    ] as const
  ).flatMap(([field, r]) => (r.status === 'rejected' ? [{ field, reason: r.reason as unknown }] : []));
  if (failures.length === 1) throw failures[0]!.reason;
  if (failures.length > 1) {
    // An error that is not the user's (a bug, the machine, an unreachable store) goes up as it is.
    const internal = failures.find((f) => !(f.reason instanceof UserError));
    if (internal) throw internal.reason;
    const issues: Issue[] = failures.map((f) => ({ path: f.field, message: messageOf(f.reason) }));
    throw new SpecError(issues, 'cannot start the job');
  }
  const labelsUri = (l as PromiseFulfilledResult<string | undefined>).value;
  return {
    inputs: (i as PromiseFulfilledResult<ResolvedInputs>).value,
    model: {
      uri: (m as PromiseFulfilledResult<string>).value,
      ...(labelsUri !== undefined ? { labelsUri } : {}),
    },
  };
}
