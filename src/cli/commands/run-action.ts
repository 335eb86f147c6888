/** What `obifaas run` does once its flags are parsed. */
import { resolveJobSpec } from '../../config/resolve.js';
import { UserError } from '../../errors.js';
import { loadWorkerConfigLayer } from '../../tuning/worker-config-file.js';
import { executeJob } from './execute-job.js';
import type { RunFlags } from './run.js';

export async function runFromFlags(flags: RunFlags): Promise<void> {
  if (flags.resume !== undefined) {
    const { resumeFromFlags } = await import('./run-resume.js');
    await resumeFromFlags(flags);
    return;
  }
  const { config, json, workerConfig, dryRun, profile, cprModel, report, ...rest } = flags;
  if (!dryRun && (profile !== undefined || cprModel !== undefined))
    throw new UserError('--profile and --cpr-model predict the cost of a plan: use them with --dry-run');
  if (profile !== undefined && cprModel !== undefined)
    throw new UserError('give --profile or --cpr-model, not both');
  const spec = await resolveJobSpec({
    flags: rest,
    ...(config ? { configFile: config } : {}),
    ...(workerConfig ? { overrides: await loadWorkerConfigLayer(workerConfig) } : {}),
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
  await executeJob(spec, { json: json === true, report: report !== false });
}
