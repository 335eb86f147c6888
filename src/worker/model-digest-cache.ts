/**
 * A function's check of the model and labels files against the digests its job started with
 * (the payload's `model.sha256` and `model.labelsSha256`): the file's bytes are hashed, and a
 * mismatch is a {@link ModelError} saying the file changed since the job started, before any
 * input runs. A warm function does not hash the same file again: a digest is kept per file
 * identity (device, inode, size, modification time, as `external-data-cache.ts` keeps its
 * checks), and only when the file did not change while it was hashed. A payload without a
 * digest is not checked (a job manager of an earlier version).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { ModelError } from '../errors.js';
import { fileDigest, shortDigest } from '../util/file-digest.js';
import { identityOf, sameIdentity, type FileIdentity } from '../util/file-identity.js';
import { RecentlyUsed } from '../util/recently-used.js';
import type { RegularFileRead } from '../util/regular-file.js';

/** Model and labels files whose digests a function keeps (the oldest is dropped first). */
export const DIGESTED_MODELS_KEPT = 16;

/** How a file was checked against its job's digest: hashed now, or a kept digest still valid. */
export type ModelDigestCheck = 'hashed' | 'kept';

/** Which of the job's files is checked, as messages name it. */
export type DigestedFile = 'model' | 'labels';

/** The digests of the model and labels files one function has hashed, each kept while its file stays the same. */
export class ModelDigests {
  private readonly kept: RecentlyUsed<{ identity: FileIdentity; sha256: string }>;
  /** Files hashed (not answered from what was kept), for tests and measurements. */
  hashesRun = 0;

  constructor(limit = DIGESTED_MODELS_KEPT) {
    this.kept = new RecentlyUsed(limit);
  }

  /**
   * Checks the file `file` (the payload named it `uri`) against `expected`, reading it; throws
   * {@link ModelError} when its bytes differ.
   */
  async check(
    file: string,
    uri: string,
    expected: string,
    what: DigestedFile = 'model',
  ): Promise<ModelDigestCheck> {
    const before = identityOf(await fs.stat(file));
    let sha256 = this.keptFor(file, before);
    const how: ModelDigestCheck = sha256 !== undefined ? 'kept' : 'hashed';
    if (sha256 === undefined) {
      this.hashesRun++;
      sha256 = (await fileDigest(file, `${what} file`)).sha256;
      this.keep(file, before, identityOf(await fs.stat(file)), sha256);
    }
    refuseChanged(what, uri, expected, sha256);
    return how;
  }

  /**
   * Checks bytes already read from `file` (the labels a function is about to use) against
   * `expected`: the digest kept for the identity they were read at, else their own SHA-256.
   * Throws {@link ModelError} when they differ.
   */
  checkRead(
    file: string,
    read: RegularFileRead,
    uri: string,
    expected: string,
    what: DigestedFile,
  ): ModelDigestCheck {
    const unchanged = sameIdentity(read.before, read.after);
    let sha256 = unchanged ? this.keptFor(file, read.before) : undefined;
    const how: ModelDigestCheck = sha256 !== undefined ? 'kept' : 'hashed';
    if (sha256 === undefined) {
      this.hashesRun++;
      sha256 = createHash('sha256').update(read.bytes).digest('hex');
      this.keep(file, read.before, read.after, sha256);
    }
    refuseChanged(what, uri, expected, sha256);
    return how;
  }

  /** The digest kept for `file` when it still has `identity`. */
  private keptFor(file: string, identity: FileIdentity): string | undefined {
    const kept = this.kept.get(file);
    return kept && sameIdentity(kept.identity, identity) ? kept.sha256 : undefined;
  }

  /** Keeps `sha256` for the file when it did not change while it was read; forgets it otherwise. */
  private keep(file: string, before: FileIdentity, after: FileIdentity, sha256: string): void {
    if (sameIdentity(before, after)) this.kept.set(file, { identity: after, sha256 });
    else this.kept.delete(file);
  }
}

/** Throws the {@link ModelError} of a file whose bytes are not those its job started with. */
function refuseChanged(what: DigestedFile, uri: string, expected: string, found: string): void {
  if (found !== expected)
    throw new ModelError(
      `${what} ${uri} changed since the job started: sha256 ${shortDigest(expected)} expected, ${shortDigest(found)} found`,
    );
}
