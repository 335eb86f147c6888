/**
 * A job folder as the job manager writes it, from a job run on the scripted in-memory backend
 * (no model is loaded): for unit tests of what reads job folders.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runJob } from '../../src/manager/run-job.js';
import { compileJobSpec } from '../../src/spec/compile.js';
import { ScriptedBackend, type ScriptedAnswers } from './scripted-backend.js';
import { UNREAD_MODEL_BYTES } from './unread-model.js';

/** How the scripted job runs: its functions' answers (see {@link ScriptedBackend}), and its task. */
export interface ScriptedJobOptions extends ScriptedAnswers {
  embed?: boolean;
}

/**
 * Runs a job over `keys` (a manifest `<dir>/<name>.txt`, the model `<dir>/model.onnx`, written
 * when missing) into `<dir>/<name>`, and returns that folder.
 */
export async function runScriptedJob(
  dir: string,
  name: string,
  keys: readonly string[],
  options: ScriptedJobOptions = {},
): Promise<string> {
  const manifest = path.join(dir, `${name}.txt`);
  await writeFile(manifest, `${keys.join('\n')}\n`);
  const model = path.join(dir, 'model.onnx');
  await writeFile(model, UNREAD_MODEL_BYTES, { flag: 'wx' }).catch(() => undefined);
  const spec = compileJobSpec(
    {
      inputs: manifest,
      model,
      workers: 2,
      out: path.join(dir, name),
      ...(options.embed ? { task: { kind: 'embed' as const } } : {}),
    },
    { cores: 2, now: new Date(), cwd: dir },
  );
  const backend = new ScriptedBackend(async () => 'ok', options);
  return (await runJob(spec, { backend })).outDir;
}
