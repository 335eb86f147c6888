/** `obifaas run --dry-run`: print the job's plan (table or `--json`) and run nothing. */
import { loadTimeEstimate } from '../../api/time-estimate.js';
import type { TimeEstimate } from '../../job-plan/types.js';
import { dryRunJob } from '../../manager/dry-run.js';
import { dryRunJson, formatPlanTable } from '../../report/job-plan.js';
import type { ResolvedJobSpec } from '../../spec/types.js';
import { runCommand } from '../runner.js';

export interface DryRunFlags {
  json: boolean;
  /** A simulator profile file, or a shipped profile's name. */
  profile?: string;
  /** A CPR model file. */
  cprModel?: string;
}

/** The time estimate `--profile` or `--cpr-model` names, if any. */
export async function estimateFrom(flags: Omit<DryRunFlags, 'json'>): Promise<TimeEstimate | undefined> {
  if (flags.profile !== undefined) return loadTimeEstimate({ profile: flags.profile });
  if (flags.cprModel !== undefined) return loadTimeEstimate({ cprModel: flags.cprModel });
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
