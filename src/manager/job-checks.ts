/**
 * What a job checks before it writes anything, every problem reported at once: its inputs, its
 * model and labels (and the model's fit to the task), a new job's output folder and the split
 * dispatcher's certificate and key files, together, so that a missing input, a missing model
 * and an output folder in use come in one message.
 * With settings that do not compile, the local places the settings name are checked all the
 * same ({@link locationIssues}), and their problems join the settings'.
 */
import { resolveInputs, resolveJobInputs, type ResolvedInputs } from '../dataset/inputs.js';
import { messageOf, UserError, type Issue } from '../errors.js';
import { isBuiltinModelName } from '../models/builtin.js';
import { resolveModelPath } from '../models/cache.js';
import type { JobLocations } from '../spec/job-locations.js';
import { isUri } from '../spec/compile.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import { loadLabels, resolveModelFile } from '../worker/model-source.js';
import { checkExternalData, UNREADABLE_AT_THE_JOB } from '../worker/external-data.js';
import { prepareDispatcherTls, type DispatcherTls } from './dispatcher-tls.js';
import { asCheck, failureError, failuresOf, issuesOf } from './check-failures.js';
import { checkEmbedReplies } from './embed-replies.js';
import { inputsDigest } from './inputs-digest.js';
import { resolveJobContract, type JobContract } from './job-contract.js';
import { settleJobSources } from './job-sources.js';
import { checkOutputFolder } from './output.js';
import { refuseChangedModel } from './model-digests.js';
import type { ModelDigests } from './types.js';
import type { RunJobDeps } from './run-job-types.js';

/** A job's checked sources and contract, for `runJob`. */
export interface CheckedJob {
  inputs: ResolvedInputs;
  /** The model's contract (its `model`: as the functions get it). */
  contract: JobContract;
  digest: string;
  /**
   * What the model and labels files held when the job started: as read here (once), or for a
   * resumed job as it recorded them (checked equal); undefined for a job started before they
   * were recorded, whose earlier runs' model is not known.
   */
  modelDigests: ModelDigests | undefined;
  /** The files the model keeps its external data in, checked with it (read once, here). */
  externalData: string[];
  /** The split dispatcher's TLS, made or read (absent: static, or clear text). */
  dispatcherTls: DispatcherTls | undefined;
}

/**
 * Checks a job before its folder is written: the inputs, model and labels, the model's fit to
 * the task (and an embed job's replies to their transport), and a new job's output folder (not
 * created here). A resumed job's inputs must be those it started with.
 */
export async function checkJob(spec: ResolvedJobSpec, deps: RunJobDeps): Promise<CheckedJob> {
  const home = deps.home ? { home: deps.home } : {};
  // Settled at once: checked while the sources are, and never an unhandled rejection.
  const folder = Promise.allSettled([deps.resume ? true : checkOutputFolder(spec.outDir)]);
  // The wall clock, not the job's: the functions check the certificate's validity with theirs.
  const tls = Promise.allSettled([prepareDispatcherTls(spec.dispatch, Date.now())]);
  const settled = await settleJobSources(spec, { ...(deps.inputs ? { inputs: deps.inputs } : {}), ...home });
  if ('failures' in settled) {
    // The model's contract needs the sources: their own failures say why it is not checked.
    const [[folderCheck], [tlsCheck]] = await Promise.all([folder, tls]);
    throw failureError([
      ...settled.failures,
      ...failuresOf([
        ['out', folderCheck],
        ['dispatcher.tls', tlsCheck],
      ]),
    ]);
  }
  const { sources } = settled;
  const [contract] = await Promise.allSettled([
    resolveJobContract(spec, sources.model, sources.inputs.storage, home),
  ]);
  const [[folderCheck], [tlsCheck]] = await Promise.all([folder, tls]);
  if (contract.status === 'rejected' || folderCheck.status === 'rejected' || tlsCheck.status === 'rejected')
    throw failureError(
      failuresOf([
        ['model', contract],
        ['out', folderCheck],
        ['dispatcher.tls', tlsCheck],
      ]),
    );
  const { inputs } = sources;
  const digest = inputsDigest(inputs.keys);
  const resume = deps.resume;
  if (resume && digest !== resume.inputsDigest) {
    throw new UserError(
      `cannot resume job ${resume.jobId}: its inputs (${spec.inputs}) changed since it started (${inputs.keys.length} keys now)`,
    );
  }
  if (resume?.modelDigests) {
    const files = { model: spec.model.uri, labels: spec.model.labelsUri };
    refuseChangedModel(resume.jobId, files, resume.modelDigests, sources.digests);
  }
  checkEmbedReplies(spec, inputs.keys, contract.value.task);
  return {
    inputs,
    contract: contract.value,
    digest,
    modelDigests: resume ? resume.modelDigests : sources.digests,
    externalData: sources.externalData,
    dispatcherTls: tlsCheck.value,
  };
}

/** Checks the model of a run whose settings are bad: a builtin name is not built, a file is opened. */
async function checkModel(model: string, home: string | undefined): Promise<void> {
  if (isBuiltinModelName(model)) return;
  const file = await resolveModelFile(await resolveModelPath(model, home ? { home } : {}));
  await checkExternalData(file, { unreadable: UNREADABLE_AT_THE_JOB });
}

/** The checks of the local places in `locations` (not the inputs), each under its setting; nothing is created. */
function placeChecks(
  locations: JobLocations,
  home: string | undefined,
): Array<readonly [string, Promise<unknown>]> {
  const checks: Array<readonly [string, Promise<unknown>]> = [];
  if (locations.model !== undefined) checks.push(['model', checkModel(locations.model, home)]);
  if (locations.labels !== undefined) checks.push(['labels', loadLabels(locations.labels)]);
  if (locations.out !== undefined) checks.push(['out', checkOutputFolder(locations.out)]);
  return checks;
}

/**
 * The problems of the local places named by settings that do not compile, each under its
 * setting (`inputs`, `model`, `labels`, `out`); nothing is created. A place that cannot be
 * checked (an error that is not the user's) says so, beside the settings' problems.
 */
export async function locationIssues(
  locations: JobLocations,
  { home }: { home?: string } = {},
): Promise<Issue[]> {
  const checks = placeChecks(locations, home);
  if (locations.inputs !== undefined) checks.unshift(['inputs', resolveInputs(locations.inputs)]);
  const settled = await Promise.allSettled(checks.map(([, check]) => check));
  const failures = failuresOf(checks.map(([field], i) => [field, settled[i]!] as const));
  return failures.flatMap((f) =>
    f.reason instanceof UserError
      ? issuesOf(f)
      : [{ path: f.field, message: `cannot be checked: ${messageOf(f.reason)}` }],
  );
}

/**
 * What a dry run checks of a job whose settings compile, every problem at once as a run reports
 * them: the inputs (listed), and of the local places, the model (a file opened, a builtin model
 * not built), the labels and a new job's output folder (not created). A local model file is then
 * read as a run reads it: bytes that are not ONNX, an input that does not fit the preprocessing,
 * outputs that do not fit the task and labels that do not name its classes are refused alike, and
 * so are the dispatcher's certificate and key files. An `s3://` model, labels file or output is
 * not fetched. Resolves to the inputs.
 */
export async function checkDryRunSources(
  spec: ResolvedJobSpec,
  { home }: { home?: string } = {},
): Promise<ResolvedInputs> {
  const inputs = resolveJobInputs(spec);
  const local = (place: string | undefined): string | undefined =>
    place === undefined || isUri(place) ? undefined : place;
  const model = local(spec.model.uri);
  const labels = local(spec.model.labelsUri);
  const checks = placeChecks(
    {
      ...(model !== undefined ? { model } : {}),
      ...(labels !== undefined ? { labels } : {}),
      ...(spec.uploadTo ? {} : { out: spec.outDir }),
    },
    home,
  );
  // The user's certificate and key files are read and checked as a run does (a certificate of
  // the job's own is made only by a run).
  const tls = spec.dispatch.type === 'dynamic' && spec.dispatch.tls.mode === 'files';
  if (tls) checks.push(['dispatcher.tls', prepareDispatcherTls(spec.dispatch, Date.now())]);
  const [found, ...settled] = await Promise.allSettled([inputs, ...checks.map(([, check]) => check)]);
  const failures = failuresOf([
    ['inputs', found!],
    ...checks.map(([field], i) => [field, settled[i]!] as const),
  ]);
  if (failures.length > 0) throw failureError(failures);
  const listed = (found as PromiseFulfilledResult<ResolvedInputs>).value;
  if (model !== undefined && !isBuiltinModelName(model)) {
    const ref = { uri: model, ...(labels !== undefined ? { labelsUri: labels } : {}) };
    await asCheck('model', resolveJobContract(spec, ref, listed.storage, home !== undefined ? { home } : {}));
  }
  return listed;
}
