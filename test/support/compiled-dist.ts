/**
 * Compiled code for tests that need `dist/` (the function package): the repository's `dist/`
 * when it is newer than every source file (as after `npm run build`), else a fresh compile of
 * `src/` into a temporary folder (type errors elsewhere in the tree do not stop the emit).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { repoRoot } from './repo-root.js';

/** The newest modification time (ms) of the non-test `.ts` files under `dir`. */
export async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const e of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || !e.name.endsWith('.ts') || e.name.endsWith('.test.ts')) continue;
    const parent = (e as { parentPath?: string }).parentPath ?? (e as { path?: string }).path ?? dir;
    newest = Math.max(newest, (await fs.stat(path.join(parent, e.name))).mtimeMs);
  }
  return newest;
}

/** A folder of compiled code holding `worker/entry/lambda.js`; `temp` says whether to remove it after. */
export async function compiledDist(tempParent: string): Promise<{ dir: string; temp: boolean }> {
  const repoDist = path.join(repoRoot, 'dist');
  const marker = path.join(repoDist, 'worker', 'entry', 'lambda.js');
  const built = await fs.stat(marker).catch(() => undefined);
  if (built && built.mtimeMs >= (await newestMtime(path.join(repoRoot, 'src'))))
    return { dir: repoDist, temp: false };
  const dir = path.join(tempParent, 'dist');
  const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const run = spawnSync(
    process.execPath,
    [tsc, '-p', 'tsconfig.build.json', '--outDir', dir, '--declaration', 'false', '--sourceMap', 'false'],
    { cwd: repoRoot, encoding: 'utf8' },
  );
  if (!(await fs.stat(path.join(dir, 'worker', 'entry', 'lambda.js')).catch(() => undefined))) {
    throw new Error(`compiling src/ failed: ${run.stdout}${run.stderr}`);
  }
  return { dir, temp: true };
}
