/** A temporary folder for the tests of one file: made before them, removed after them. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/** Registers the hooks; `path` is the folder once the file's tests run. */
export function useTempDir(prefix: string): { readonly path: string } {
  let dir: string | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return {
    get path(): string {
      if (dir === undefined) throw new Error('the temporary folder exists only while the tests run');
      return dir;
    },
  };
}
