/**
 * Reading the append-only JSON-lines files that make sampling and optimization resumable. Each
 * record is appended and fsync'd whole, so only a crash in the middle of an append can leave a
 * torn last line (no newline, not valid JSON): it is cut off, and the record is redone.
 */
import { appendFile, readFile, truncate } from 'node:fs/promises';
import { messageOf, UserError } from '../errors.js';

/**
 * The file's text without a torn last line (which is also removed from the file). An absent
 * file reads as ''.
 */
export async function readJsonlForAppend(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new UserError(`cannot read '${file}': ${messageOf(err)}`);
  }
  if (text === '' || text.endsWith('\n')) return text;
  const cut = text.lastIndexOf('\n') + 1;
  const tail = text.slice(cut);
  try {
    JSON.parse(tail);
    await appendFile(file, '\n'); // a whole record without its newline: keep it
    return `${text}\n`;
  } catch {
    await truncate(file, Buffer.byteLength(text.slice(0, cut), 'utf8'));
    return text.slice(0, cut);
  }
}

/**
 * The JSON object in `file`, or null where there is no file. Anything else is refused with a
 * {@link UserError} saying the file is not `what` (e.g. 'a sampling plan').
 */
export async function readJsonObjectFile(
  file: string,
  what: string,
): Promise<Record<string, unknown> | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UserError(`cannot read '${file}': ${messageOf(err)}`);
  }
  try {
    const json: unknown = JSON.parse(text);
    if (typeof json === 'object' && json !== null && !Array.isArray(json))
      return json as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new UserError(`'${file}' is not ${what} (not a JSON object): remove it or choose another --out`);
}
