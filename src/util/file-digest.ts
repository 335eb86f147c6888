/**
 * The SHA-256 and size of a file's bytes, read as a stream in large chunks (a 100 MB model is
 * hashed without being held in memory, and the event loop runs between chunks). The file is
 * opened as every file we are told to read is (`regular-file.ts`): a FIFO or a device named
 * where a model should be is refused, never waited on or read without end.
 */
import { createHash } from 'node:crypto';
import { openRegularFile } from './regular-file.js';

/** What a file held when it was read: its SHA-256 (64 hex digits) and its size in bytes. */
export interface FileDigest {
  sha256: string;
  bytes: number;
}

/** Chunk size of the read stream: few callbacks for a large model, little memory. */
const DIGEST_CHUNK_BYTES = 1 << 20;

/**
 * The SHA-256 and size of `file`'s bytes. Throws `FileRefusal` for a file that is missing or not
 * a regular file (`what` names it: `model file`), and rejects as the read does.
 */
export async function fileDigest(file: string, what = 'file'): Promise<FileDigest> {
  const { handle } = await openRegularFile(file, { what });
  try {
    const hash = createHash('sha256');
    let bytes = 0;
    const chunks = handle.createReadStream({ autoClose: false, highWaterMark: DIGEST_CHUNK_BYTES });
    for await (const chunk of chunks as AsyncIterable<Buffer>) {
      hash.update(chunk);
      bytes += chunk.length;
    }
    return { sha256: hash.digest('hex'), bytes };
  } finally {
    await handle.close();
  }
}

/** The first 12 hex digits of a digest, as messages show it. */
export const shortDigest = (sha256: string): string => sha256.slice(0, 12);
