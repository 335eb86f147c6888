/**
 * A temporary folder for the tests of one file (or of a `describe`): made before them, removed
 * after them; with `each`, a new one for every test.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';

/** Registers the hooks; `path` is the folder while the tests run. */
export function useTempDir(prefix: string, options: { each?: boolean } = {}): { readonly path: string } {
  let dir: string | undefined;
  (options.each ? beforeEach : beforeAll)(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  });
  (options.each ? afterEach : afterAll)(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });
  return {
    get path(): string {
      if (dir === undefined) throw new Error('the temporary folder exists only while the tests run');
      return dir;
    },
  };
}
