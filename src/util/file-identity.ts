/**
 * Which file a path leads to, and its state, for checks kept while their files stay the same: a
 * file replaced, rewritten or touched has another identity.
 */
import fs from 'node:fs/promises';

/** A file's device, inode, size and modification time (`stat`). */
export interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

/** The identity of a file's stat. */
export const identityOf = ({ dev, ino, size, mtimeMs }: FileIdentity): FileIdentity => ({
  dev,
  ino,
  size,
  mtimeMs,
});

/** True when both identities are of the same file in the same state. */
export const sameIdentity = (a: FileIdentity, b: FileIdentity): boolean =>
  a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;

/** The identity of the file `file` leads to now (following links), or null when it leads nowhere. */
export async function identityAt(file: string): Promise<FileIdentity | null> {
  try {
    return identityOf(await fs.stat(file));
  } catch {
    return null;
  }
}
