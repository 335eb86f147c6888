/** Files that appear whole or not at all: written under a temporary name beside them, then renamed. */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { makeFolder } from './make-folder.js';

/**
 * Writes `bytes` to `file` so that the file appears whole or not at all, and creates its folder.
 * The temporary name is unique to the call, so concurrent writers of one file each succeed (the
 * last rename wins) and a reader never sees half a file.
 */
export async function writeFileAtomic(file: string, bytes: Uint8Array): Promise<void> {
  await makeFolder(path.dirname(file));
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
}
