/**
 * A function's check of the model file against the digest its job started with (the payload's
 * `model.sha256`): the file's bytes are hashed, and a mismatch is a {@link ModelError} saying the
 * model changed since the job started, before any input runs. A warm function does not hash the
 * same file again: a digest is kept per file identity (device, inode, size, modification time,
 * as `external-data-cache.ts` keeps its checks), and only when the file did not change while it
 * was hashed. A payload without a digest is not checked (a job manager of an earlier version).
 */
import fs from 'node:fs/promises';
import { ModelError } from '../errors.js';
import { fileDigest, shortDigest } from '../util/file-digest.js';
import { identityOf, sameIdentity, type FileIdentity } from '../util/file-identity.js';
import { RecentlyUsed } from '../util/recently-used.js';

/** Model files whose digests a function keeps (the oldest is dropped first). */
export const DIGESTED_MODELS_KEPT = 16;

/** How a model was checked against its job's digest: hashed now, or a kept digest still valid. */
export type ModelDigestCheck = 'hashed' | 'kept';

/** The digests of the model files one function has hashed, each kept while its file stays the same. */
export class ModelDigests {
  private readonly kept: RecentlyUsed<{ identity: FileIdentity; sha256: string }>;
  /** Files hashed (not answered from what was kept), for tests and measurements. */
  hashesRun = 0;

  constructor(limit = DIGESTED_MODELS_KEPT) {
    this.kept = new RecentlyUsed(limit);
  }

  /**
   * Checks the model file `file` (the payload named it `uri`) against `expected`; throws
   * {@link ModelError} when its bytes differ.
   */
  async check(file: string, uri: string, expected: string): Promise<ModelDigestCheck> {
    const before = identityOf(await fs.stat(file));
    const kept = this.kept.get(file);
    let sha256: string;
    let how: ModelDigestCheck;
    if (kept && sameIdentity(kept.identity, before)) {
      sha256 = kept.sha256;
      how = 'kept';
    } else {
      this.kept.delete(file);
      this.hashesRun++;
      sha256 = (await fileDigest(file, 'model file')).sha256;
      how = 'hashed';
      const after = identityOf(await fs.stat(file));
      if (sameIdentity(before, after)) this.kept.set(file, { identity: after, sha256 });
    }
    if (sha256 !== expected)
      throw new ModelError(
        `model ${uri} changed since the job started: sha256 ${shortDigest(expected)} expected, ${shortDigest(sha256)} found`,
      );
    return how;
  }
}
