/** `obifaas run --dry-run`: print the job's plan (table or `--json`) and run nothing. */
import type { TimeEstimate } from '../../job-plan/types.js';
import { dryRunJob } from '../../manager/dry-run.js';
import { dryRunJson, formatPlanTable } from '../../report/job-plan.js';
import { loadProfile } from '../../simulate/profile.js';
import { resolveProfileFile } from '../../simulate/run.js';
import type { ResolvedJobSpec } from '../../spec/types.js';
import { runCommand } from '../runner.js';
import { loadCprModel } from './plan-run.js';

export interface DryRunFlags {
  json: boolean;
  /** A simulator profile file, or a shipped profile's name. */
  profile?: string;
  /** A CPR model file. */
  cprModel?: string;
}

/** The time estimate the flags name, if any. */
async function estimateFrom(flags: DryRunFlags): Promise<TimeEstimate | undefined> {
  if (flags.profile !== undefined) {
    const p = await loadProfile(await resolveProfileFile(flags.profile));
    return {
      kind: 'profile',
      name: p.name,
      memoryMb: p.memoryMb,
      secondsPerImage: p.secondsPerImage,
      perSplitOverheadSeconds: p.perSplitOverheadSeconds,
      initSeconds: p.initSeconds,
    };
  }
  if (flags.cprModel !== undefined) {
    return {
      kind: 'cpr-model',
      name: flags.cprModel,
      model: await loadCprModel(flags.cprModel, '--cpr-model'),
    };
  }
  return undefined;
}

/** Plans `spec` as `obifaas run` would and prints the plan. */
export async function printDryRun(spec: ResolvedJobSpec, flags: DryRunFlags): Promise<void> {
  const estimate = await estimateFrom(flags);
  const hint = estimate ? '' : ' (give --profile FILE|NAME or --cpr-model FILE)';
  await runCommand(
    { json: flags.json, render: (dry) => formatPlanTable(dry, hint), toJson: dryRunJson },
    async () => ({ value: await dryRunJob(spec, estimate ? { estimate } : {}) }),
  );
}
