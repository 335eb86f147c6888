/**
 * Creating the folders we are told to use (`OBIFAAS_HOME`, `--out`, `--staging`, cache and
 * store folders) without trusting where they are. Node's `mkdir(dir, { recursive: true })`
 * loops forever, at full CPU, where a parent exists but refuses new entries with ENOENT (any
 * path under /proc): it creates the parent, retries the child, gets ENOENT again, and so on.
 * This creates one level at a time and refuses, naming the folder, what it cannot create.
 */
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';

/** A folder that could not be created; the message names it and says why. */
export class FolderRefusal extends UserError {
  override name = 'FolderRefusal';
  constructor(
    message: string,
    /** The system's error code (`ENOTDIR`, `EEXIST` where a file has the name, `EACCES`, ...), as on a Node fs error. */
    readonly code: string,
  ) {
    super(message);
  }
}

export interface MakeFolderOptions {
  /** Mode of the folders created (default 0o777 less the umask). */
  mode?: number;
}

/**
 * Creates `dir` and the parents it lacks, like `mkdir -p`; a folder already there is fine.
 * Throws {@link FolderRefusal} naming `dir` when it cannot be created (a parent is a file, the
 * file system refuses new folders there, no permission), never loops.
 */
export async function makeFolder(dir: string, options: MakeFolderOptions = {}): Promise<void> {
  const target = path.resolve(dir);
  try {
    await createLevel(target, options.mode);
  } catch (err) {
    if (err instanceof FolderRefusal)
      throw new FolderRefusal(`cannot create folder '${dir}': ${err.message}`, err.code);
    throw err;
  }
}

/** Creates `dir` after its parents; throws FolderRefusal with the reason in words. */
async function createLevel(dir: string, mode: number | undefined): Promise<void> {
  const first = await tryMkdir(dir, mode);
  if (first === 'done') return;
  if (first !== 'ENOENT') throw refusal(dir, first);
  const parent = path.dirname(dir);
  if (parent === dir) throw new FolderRefusal(`'${dir}' does not exist`, 'ENOENT');
  await createLevel(parent, mode);
  const second = await tryMkdir(dir, mode);
  if (second === 'done') return;
  // The parent exists now, yet the child still "does not exist": the file system (/proc,
  // /sys) takes no new folders there. This is where a recursive mkdir would loop.
  if (second === 'ENOENT') throw new FolderRefusal(`'${parent}' does not accept new folders`, 'ENOENT');
  throw refusal(dir, second);
}

/** `done` when `dir` is a folder now (made here or already there), else the error code. */
async function tryMkdir(dir: string, mode: number | undefined): Promise<'done' | string> {
  try {
    await mkdir(dir, mode === undefined ? undefined : { mode });
    return 'done';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    if (code !== 'EEXIST') return code;
    const info = await stat(dir).catch(() => undefined);
    return info?.isDirectory() ? 'done' : 'NOTFOLDER';
  }
}

function refusal(dir: string, code: string): FolderRefusal {
  return new FolderRefusal(reasonOf(dir, code), code === 'NOTFOLDER' ? 'EEXIST' : code);
}

function reasonOf(dir: string, code: string): string {
  switch (code) {
    case 'NOTFOLDER':
      return `'${dir}' is a file`;
    case 'ENOTDIR':
      return `a parent of '${dir}' is a file`;
    case 'EACCES':
    case 'EPERM':
      return `no permission to create '${dir}'`;
    case 'EROFS':
      return `'${dir}' is on a read-only file system`;
    case 'ENOSPC':
      return 'no space left on the device';
    default:
      return `${code} creating '${dir}'`;
  }
}
