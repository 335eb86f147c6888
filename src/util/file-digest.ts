/**
 * The SHA-256 and size of a file's bytes, read as a stream in large chunks (a 100 MB model is
 * hashed without being held in memory, and the event loop runs between chunks).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** What a file held when it was read: its SHA-256 (64 hex digits) and its size in bytes. */
export interface FileDigest {
  sha256: string;
  bytes: number;
}

/** Chunk size of the read stream: few callbacks for a large model, little memory. */
const DIGEST_CHUNK_BYTES = 1 << 20;

/** The SHA-256 and size of `file`'s bytes; rejects as the read does (a missing file, a folder). */
export async function fileDigest(file: string): Promise<FileDigest> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file, {
    highWaterMark: DIGEST_CHUNK_BYTES,
  }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** The first 12 hex digits of a digest, as messages show it. */
export const shortDigest = (sha256: string): string => sha256.slice(0, 12);
