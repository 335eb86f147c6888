/** What `obifaas run` does once its flags are parsed. */
import { resolveJobSpec } from '../../config/resolve.js';
import { loadWorkerConfigLayer } from '../../tuning/worker-config-file.js';
import { executeJob } from './execute-job.js';
import type { RunFlags } from './run.js';

export async function runFromFlags(flags: RunFlags): Promise<void> {
  if (flags.resume !== undefined) {
    const { resumeFromFlags } = await import('./run-resume.js');
    await resumeFromFlags(flags);
    return;
  }
  const { config, json, workerConfig, ...rest } = flags;
  const spec = await resolveJobSpec({
    flags: rest,
    ...(config ? { configFile: config } : {}),
    ...(workerConfig ? { overrides: await loadWorkerConfigLayer(workerConfig) } : {}),
  });
  await executeJob(spec, { json: json === true });
}
