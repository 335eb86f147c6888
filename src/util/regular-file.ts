/**
 * Opening files we are told to read (a config, a manifest, a labels file, a model, an input)
 * without trusting what they are: the open never blocks (a FIFO or a device opened for reading
 * would wait for a writer forever, and hold a thread of the pool while it waits), and anything
 * but a regular file is refused before a byte is read. Sizes are capped before reading.
 */
import { constants, type Stats } from 'node:fs';
import fs from 'node:fs/promises';
import { identityOf, type FileIdentity } from './file-identity.js';

/** Why a file was refused. */
export type FileRefusalReason = 'missing' | 'not-regular' | 'too-large' | 'empty' | 'unreadable';

/** A file that could not be read as a regular file; `reason` says why, the message says it in words. */
export class FileRefusal extends Error {
  override name = 'FileRefusal';
  constructor(
    message: string,
    readonly reason: FileRefusalReason,
    /** Why, without the file's name: `is a FIFO (named pipe)`, `is 9000 bytes, over ...`. */
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Flags of a read that never blocks at open (O_NONBLOCK is ignored for reads of regular files). */
const READ_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** What kind of file `stat` describes, in words. */
export function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return 'a folder';
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

export interface OpenRegularOptions {
  /** Refuse files larger than this. */
  maxBytes?: number;
  /** Refuse empty files. */
  nonEmpty?: boolean;
  /** Words naming the file in messages (`labels file`, `config file`); default `file`. */
  what?: string;
}

/**
 * Opens `file` for reading if it is a regular file within the limits; the caller closes the
 * handle. Throws {@link FileRefusal} otherwise, naming the file.
 */
export async function openRegularFile(
  file: string,
  options: OpenRegularOptions = {},
): Promise<{ handle: fs.FileHandle; size: number }> {
  const what = options.what ?? 'file';
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, READ_FLAGS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new FileRefusal(`${what} not found: ${file}`, 'missing', 'does not exist', { cause: err });
    if (code === 'ENXIO')
      throw new FileRefusal(`${what} ${file} is a socket`, 'not-regular', 'is a socket', { cause: err });
    const why = code ?? messageOf(err);
    throw new FileRefusal(`cannot read ${what} ${file}: ${why}`, 'unreadable', `cannot be read (${why})`, {
      cause: err,
    });
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      const detail = `is ${kindOf(stat)}`;
      throw new FileRefusal(`${what} ${file} ${detail}`, 'not-regular', detail);
    }
    if (options.maxBytes !== undefined && stat.size > options.maxBytes) {
      const detail = `is ${stat.size} bytes, over the limit of ${options.maxBytes} bytes`;
      throw new FileRefusal(`${what} ${file} ${detail}`, 'too-large', detail);
    }
    if (options.nonEmpty && stat.size === 0)
      throw new FileRefusal(`${what} is empty (0 bytes): ${file}`, 'empty', 'is empty (0 bytes)');
    return { handle, size: stat.size };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/**
 * The bytes of `file` if it is a regular file within the limits (checked before and, for a
 * file that grows, after reading). Throws {@link FileRefusal} otherwise.
 */
export async function readRegularFile(
  file: string,
  options: OpenRegularOptions & { signal?: AbortSignal } = {},
): Promise<Buffer> {
  const { handle } = await openRegularFile(file, options);
  try {
    return refuseGrown(file, await handle.readFile(signalOf(options)), options);
  } finally {
    await handle.close();
  }
}

/** A file's bytes as one read gave them, with the file's identity before and after the read. */
export interface RegularFileRead {
  bytes: Buffer;
  before: FileIdentity;
  after: FileIdentity;
}

/**
 * The bytes of `file` as {@link readRegularFile} reads them, with the identity of the file read
 * before and after the read (they differ when it was written to meanwhile).
 */
export async function readRegularFileWithIdentity(
  file: string,
  options: OpenRegularOptions & { signal?: AbortSignal } = {},
): Promise<RegularFileRead> {
  const { handle } = await openRegularFile(file, options);
  try {
    const before = identityOf(await handle.stat());
    const bytes = refuseGrown(file, await handle.readFile(signalOf(options)), options);
    return { bytes, before, after: identityOf(await handle.stat()) };
  } finally {
    await handle.close();
  }
}

const signalOf = (options: { signal?: AbortSignal }): { signal?: AbortSignal } =>
  options.signal ? { signal: options.signal } : {};

/** `body`, unless the file grew over its limit between the size check and the read. */
function refuseGrown(file: string, body: Buffer, options: OpenRegularOptions): Buffer {
  if (options.maxBytes !== undefined && body.length > options.maxBytes) {
    const detail = `is over the limit of ${options.maxBytes} bytes`;
    throw new FileRefusal(`${options.what ?? 'file'} ${file} ${detail}`, 'too-large', detail);
  }
  return body;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
