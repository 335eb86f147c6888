/** What `obifaas run` does once its flags are parsed. */
import { UserError, type Issue } from '../../errors.js';
import type { JobLocations } from '../../spec/job-locations.js';
import { loadWorkerConfigLayer } from '../../tuning/worker-config-file.js';
import { resolveJobFlags } from '../config-flags.js';
import { executeJob } from './execute-job.js';
import type { RunFlags } from './run.js';

export async function runFromFlags(flags: RunFlags): Promise<void> {
  if (flags.resume !== undefined) {
    const { resumeFromFlags } = await import('./run-resume.js');
    await resumeFromFlags(flags);
    return;
  }
  const { json, dryRun, profile, cprModel, report } = flags;
  if (flags.force === true)
    throw new UserError(
      "--force takes a job folder's lock for --resume; a new job needs a new or empty --out folder",
    );
  if (flags.retryErrors === true)
    throw new UserError('--retry-errors runs again the inputs of a complete job: give it with --resume DIR');
  if (profile !== undefined && cprModel !== undefined)
    throw new UserError('give --profile or --cpr-model, not both');
  // The preset would set every field, leaving nothing of the file (as model inspect refuses it).
  if (flags.preprocess !== undefined && flags.preprocessFile !== undefined)
    throw new UserError('give --preprocess or --preprocess-file, not both (a file may name a preset)');
  const overrides = flags.workerConfig ? await loadWorkerConfigLayer(flags.workerConfig) : undefined;
  // The places bad settings name are checked too, in the same message (a dry run reports what a run would).
  const checkLocations = async (locations: JobLocations): Promise<Issue[]> =>
    (await import('../../manager/job-checks.js')).locationIssues(locations);
  const spec = await resolveJobFlags(flags, undefined, {
    ...(overrides ? { overrides } : {}),
    checkLocations,
  });
  if (dryRun) {
    const { printDryRun } = await import('./run-dry.js');
    await printDryRun(spec, {
      json: json === true,
      ...(profile !== undefined ? { profile } : {}),
      ...(cprModel !== undefined ? { cprModel } : {}),
    });
    return;
  }
  const { estimateFrom } = await import('./run-dry.js');
  const estimate = await estimateFrom(flags);
  await executeJob(spec, {
    json: json === true,
    report: report !== false,
    ...(estimate ? { jobDeps: { estimate } } : {}),
  });
}
