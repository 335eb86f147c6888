/**
 * The setup file of a sampling or optimization folder (`cpr-plan.json`, `optimize.json`):
 * written once when the folder is started, and compared with a re-run's settings key by key.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { messageOf, UserError } from '../errors.js';
import { parseJsonText } from '../util/json-file.js';
import { checkSchema } from '../util/schema.js';

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
