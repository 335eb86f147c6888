/**
 * Where a job's time estimate comes from (what a plan's predicted cost needs): a simulator
 * profile or a CPR model, as a file, a shipped profile's name, or a value. `obifaas run
 * --profile/--cpr-model` (with or without `--dry-run`) and the API read them here.
 */
import type { TimeEstimate } from '../job-plan/types.js';
import { parseCprModel, type CprModel } from '../planning/cpr-model.js';
import {
  loadProfile,
  parseProfile,
  type FunctionProfile,
  type FunctionProfileInput,
} from '../simulate/profile.js';
import { resolveProfileFile } from '../simulate/run.js';
import { parseJsonText, readTextFile } from '../util/json-file.js';

/**
 * A time estimate's source: a simulator profile (a file, the name of a shipped one such as
 * `lambda-resnet50-3008`, or the profile's JSON as a value), or a CPR model (a file from
 * `obifaas cpr fit`, or the model as a value). Either was measured at one memory size, and
 * predicts nothing for functions of another.
 */
export type TimeEstimateSource = { profile: string | FunctionProfileInput } | { cprModel: string | CprModel };

/** The estimate a simulator profile gives. */
export function profileEstimate(profile: FunctionProfile): TimeEstimate {
  return {
    kind: 'profile',
    name: profile.name,
    memoryMb: profile.memoryMb,
    secondsPerImage: profile.secondsPerImage,
    perSplitOverheadSeconds: profile.perSplitOverheadSeconds,
    initSeconds: profile.initSeconds,
  };
}

/** Reads a CPR model file (ours or the reference's layout); `flag` names it in messages. */
export async function loadCprModelFile(file: string, flag = '--cpr-model'): Promise<CprModel> {
  return parseCprModel(parseJsonText(await readTextFile(file, flag), file), file);
}

/**
 * Loads and checks the estimate `source` names. Throws a `UserError` (a `SpecError` listing
 * every bad field of a profile) for a file that cannot be read or a value that is not valid.
 */
export async function loadTimeEstimate(source: TimeEstimateSource): Promise<TimeEstimate> {
  if ('profile' in source) {
    const { profile } = source;
    const checked =
      typeof profile === 'string'
        ? await loadProfile(await resolveProfileFile(profile))
        : parseProfile(profile, profile.name ?? 'profile');
    return profileEstimate(checked);
  }
  const { cprModel } = source;
  if (typeof cprModel === 'string')
    return { kind: 'cpr-model', name: cprModel, model: await loadCprModelFile(cprModel) };
  return { kind: 'cpr-model', name: 'given model', model: parseCprModel(cprModel, 'cprModel') };
}
