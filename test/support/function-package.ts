/**
 * The function package's test world: `obifaas package` built from the compiled code into a
 * temporary folder and unpacked there, once per test file; and a script that imports an unpacked
 * package's handler with plain Node (no access to the repository's node_modules) and invokes it.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import {
  buildFunctionPackage,
  type LambdaArch,
  type PackageReport,
} from '../../src/package/build-package.js';
import { compiledDist } from './compiled-dist.js';
import { unzip } from './unzip.js';

/** A package built and unpacked. */
export interface UnpackedPackage {
  report: PackageReport;
  /** The folder it is unpacked in. */
  unpacked: string;
  /** Its entry names. */
  files: string[];
}

/** The folder, the compiled code, the package's report and its unpacked files, once built. */
export const world = {} as {
  dir: string;
  dist: { dir: string; temp: boolean };
} & UnpackedPackage;

/** Builds the `arch` package from `distDir` into `dir/<arch>.zip` and unpacks it into `dir/<arch>`. */
export async function buildUnpacked(
  dir: string,
  distDir: string,
  arch: LambdaArch,
  platformPackages?: string,
): Promise<UnpackedPackage> {
  const report = await buildFunctionPackage({
    arch,
    out: path.join(dir, `${arch}.zip`),
    distDir,
    ...(platformPackages ? { platformPackages } : {}),
  });
  const unpacked = path.join(dir, arch);
  return { report, unpacked, files: await unzip(report.file, unpacked) };
}

/** Builds and unpacks the x86_64 package before the file's tests; removes the folder after them. */
export function usePackagedFunction(): void {
  beforeAll(async () => {
    world.dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-package-'));
    world.dist = await compiledDist(world.dir);
    Object.assign(world, await buildUnpacked(world.dir, world.dist.dir, 'x86_64'));
  });
  afterAll(async () => {
    if (world.dir) await fs.rm(world.dir, { recursive: true, force: true });
  });
}

/**
 * Writes a script that imports the handler of the package unpacked in `unpacked`, invokes it with
 * a ping and then `payload`, and prints `{ ping, work }` as JSON; returns its path.
 */
export async function writeHandlerRunner(file: string, unpacked: string, payload: unknown): Promise<string> {
  await fs.writeFile(
    file,
    [
      `import { handler } from ${JSON.stringify(path.join(unpacked, 'index.mjs'))};`,
      'const context = { getRemainingTimeInMillis: () => 60000 };',
      "const ping = await handler({ kind: 'ping' }, context);",
      `const work = await handler(${JSON.stringify(payload)}, context);`,
      'process.stdout.write(JSON.stringify({ ping, work }));',
      'process.exit(0);',
    ].join('\n'),
  );
  return file;
}

/** What a handler runner prints. */
export interface HandlerRun {
  ping: { runtime: { node: string; platform: string } };
  work: {
    splits: Array<{
      results: Array<{
        key: string;
        top: Array<{ class: number; score: number }> | null;
        error: string | null;
      }>;
    }>;
  };
}
