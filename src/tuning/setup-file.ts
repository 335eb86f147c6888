/**
 * The setup file of a sampling or optimization folder (`cpr-plan.json`, `optimize.json`):
 * written once when the folder is started, and compared with a re-run's settings key by key.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { messageOf, UserError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { parseJsonText } from '../util/json-file.js';
import { redactUrlCredentials } from '../util/redact.js';
import { checkSchema } from '../util/schema.js';
import { makeFolder } from '../util/make-folder.js';

/** A folder's setup file: its name in the folder, and what it is, for messages ('a sampling plan'). */
export interface SetupFile {
  name: string;
  what: string;
}

/**
 * Starts the folder `dir` (the `--out` of a run) with `setup`, or resumes it: creates the
 * folder, then writes `setup` to its setup file (URL credentials redacted) when it has none.
 * When it has one, `refusal` compares that earlier setup with this one and says why the
 * folder may not be resumed (thrown as a {@link UserError}), or undefined when it may.
 */
export async function startOrResumeFolder(
  dir: string,
  file: SetupFile,
  setup: object,
  refusal: (previous: Record<string, unknown>) => string | undefined,
): Promise<void> {
  await makeFolder(dir).catch((err: unknown) => {
    throw new UserError(`--out: ${messageOf(err)}`);
  });
  const setupFile = path.join(dir, file.name);
  const previous = await readSetupFile(setupFile, file.what);
  if (previous) {
    const why = refusal(previous);
    if (why !== undefined) throw new UserError(why);
    return;
  }
  await writeFileAtomic(setupFile, Buffer.from(redactUrlCredentials(`${JSON.stringify(setup, null, 2)}\n`)));
}

const setupObject = z.record(z.string(), z.unknown());

/**
 * The JSON object in `file`, or null where there is no file. Anything else is refused with a
 * {@link UserError} saying the file is not `what` (e.g. 'a sampling plan').
 */
export async function readSetupFile(file: string, what: string): Promise<Record<string, unknown> | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UserError(`cannot read '${file}': ${messageOf(err)}`, { cause: err });
  }
  const notIt = (why: string): UserError =>
    new UserError(`'${file}' is not ${what} (${why}): remove it or choose another --out`);
  let json: unknown;
  try {
    json = parseJsonText(text, file);
  } catch {
    throw notIt('not valid JSON');
  }
  const checked = checkSchema(setupObject, json);
  if (!checked.ok) throw notIt(checked.issues.map((i) => `${i.path}: ${i.message}`).join('; '));
  return checked.data;
}
