/** `obifaas run --resume DIR`: finish a job whose job manager stopped, with its saved settings. */
import { CONFIG_KEYS, flagAttribute } from '../../config/keys.js';
import { UserError } from '../../errors.js';
import { prepareResume, type PreparedResume } from '../../manager/resume.js';
import { runCommand } from '../runner.js';
import { executeJob } from './execute-job.js';
import type { RunFlags } from './run.js';

/** Flags that mean nothing with `--resume` (the job's settings are the saved ones). */
function settingFlags(flags: RunFlags): string[] {
  const { resume: _resume, json: _json, report: _report, force: _force, ...rest } = flags;
  return Object.entries(rest)
    .filter(([, value]) => value !== undefined)
    .map(([attribute]) => {
      const key = CONFIG_KEYS.find((k) => k.flag && flagAttribute(k.flag) === attribute);
      return key?.flag ?? `--${attribute.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    });
}

export async function resumeFromFlags(flags: RunFlags): Promise<void> {
  const dir = flags.resume as string;
  const extra = settingFlags(flags);
  if (extra.length > 0) {
    throw new UserError(
      `--resume runs the job with the settings saved in its folder; leave out ${extra.join(', ')}`,
    );
  }
  const prepared = await prepareResume(dir, { force: flags.force === true });
  try {
    await finishJob(prepared, flags);
  } finally {
    await prepared.lock.release();
  }
}

async function finishJob(prepared: PreparedResume, flags: RunFlags): Promise<void> {
  if (prepared.kind === 'complete') {
    const message = `job ${prepared.jobId} in ${prepared.dir} is already complete (${prepared.inputs} inputs, ${prepared.splits} splits): nothing to resume`;
    await runCommand({ json: flags.json === true, render: (v) => v.message }, async () => ({
      value: { status: 'complete', jobId: prepared.jobId, out: prepared.dir, message },
    }));
    return;
  }
  const { state } = prepared;
  process.stderr.write(
    `obifaas: resuming job ${state.jobId}: ${prepared.splits - prepared.remaining} of ${prepared.splits} splits done, running ${prepared.remaining}` +
      (prepared.droppedLines > 0
        ? ` (${prepared.droppedLines} result lines of unfinished splits dropped)`
        : '') +
      '\n',
  );
  await executeJob(prepared.spec, {
    json: flags.json === true,
    report: flags.report !== false,
    jobDeps: { resume: state, inputs: prepared.inputs, lock: prepared.lock },
    extraJson: { resumed: true, run: state.runs.length },
  });
}
