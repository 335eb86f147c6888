/**
 * The function package's test world: `obifaas package` (x86_64) built from the compiled code into
 * a temporary folder and unpacked there, once per test file.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { buildFunctionPackage, type PackageReport } from '../../src/package/build-package.js';
import { compiledDist } from './compiled-dist.js';
import { unzip } from './unzip.js';

/** The folder, the compiled code, the package's report and its unpacked files, once built. */
export const world = {} as {
  dir: string;
  dist: { dir: string; temp: boolean };
  report: PackageReport;
  unpacked: string;
  files: string[];
};

/** Builds and unpacks the package before the file's tests; removes the folder after them. */
export function usePackagedFunction(): void {
  beforeAll(async () => {
    world.dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-package-'));
    world.dist = await compiledDist(world.dir);
    world.report = await buildFunctionPackage({
      arch: 'x86_64',
      out: path.join(world.dir, 'function.zip'),
      distDir: world.dist.dir,
    });
    world.unpacked = path.join(world.dir, 'unpacked');
    world.files = await unzip(world.report.file, world.unpacked);
  });
  afterAll(async () => {
    if (world.dir) await fs.rm(world.dir, { recursive: true, force: true });
  });
}
