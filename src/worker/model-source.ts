/**
 * Where a model and its labels come from. A model reference is a local path (or `file://` URL)
 * today; remote stores plug in here, resolving to a local file the runtime can open.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelError } from '../errors.js';

/**
 * Local path of the model file named by `uri`. Throws {@link ModelError} for a scheme we cannot
 * read, or when the file is missing or empty (before any runtime is started for it).
 */
export async function resolveModelFile(uri: string): Promise<string> {
  const file = await resolveLocal(uri, 'model');
  let stat;
  try {
    stat = await fs.stat(file);
  } catch {
    throw new ModelError(`model file not found: ${file}`);
  }
  if (!stat.isFile()) throw new ModelError(`model path is not a file: ${file}`);
  if (stat.size === 0) throw new ModelError(`model file is empty (0 bytes): ${file}`);
  return file;
}

async function resolveLocal(uri: string, what: 'model' | 'labels'): Promise<string> {
  if (uri.trim() === '') throw new ModelError(`${what} reference is empty`);
  if (uri.startsWith('file://')) return fileURLToPath(uri);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri)?.[1];
  if (scheme)
    throw new ModelError(
      `${what} ${uri}: '${scheme}://' references are not supported here; give a local path`,
    );
  return path.resolve(uri);
}

/** Class names, one per line (line i = class i); trailing blank lines are ignored. */
export async function loadLabels(uri: string): Promise<string[]> {
  const file = await resolveLocal(uri, 'labels');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ModelError(
      code === 'ENOENT' ? `labels file not found: ${file}` : `cannot read labels file ${file}: ${code}`,
    );
  }
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  while (lines.length > 0 && lines[lines.length - 1]?.trim() === '') lines.pop();
  if (lines.length === 0) throw new ModelError(`labels file is empty: ${file}`);
  return lines.map((l) => l.trim());
}
