/** A digest of a job's inputs in order, to tell whether a resumed job still has the same ones. */
import { createHash } from 'node:crypto';

export function inputsDigest(keys: readonly string[]): string {
  const hash = createHash('sha256');
  for (const key of keys) hash.update(key).update('\n');
  return `sha256:${hash.digest('hex')}`;
}
