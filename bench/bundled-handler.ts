/**
 * The Lambda handler as the function package holds it, for the start-up benchmarks: the esbuild
 * bundles of a compiled build (`src/package/bundle.ts`), written at their `dist/` paths under a
 * folder of their own, with an ES-module `package.json` and the repository's `node_modules` (for
 * the native packages, which the bundles import and the package copies) beside them.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { bundleFunction, HANDLER_ENTRY, loadedAtInit } from '../src/package/bundle.js';

/** A bundled handler written to disk, and its size. */
export interface BundledHandler {
  /** The folder that stands for `dist/` (the handler is `worker/entry/lambda.js` under it). */
  dist: string;
  /** Bytes of the handler's bundle and the chunks Node loads with it (Lambda's init phase). */
  bytesAtInit: number;
  /** Bytes of every file bundled for the function (handler, chunks, thread entries). */
  bytesInAll: number;
}

/** Bundles the compiled code in `distDir` (packages from `root`) into `outDir`. */
export async function writeBundledHandler(
  root: string,
  distDir: string,
  outDir: string,
): Promise<BundledHandler> {
  const bundle = await bundleFunction(root, distDir);
  const dist = path.join(outDir, 'dist');
  for (const file of bundle.files) {
    const to = path.join(dist, ...file.distPath.split('/'));
    await fs.mkdir(path.dirname(to), { recursive: true });
    await fs.writeFile(to, file.bytes);
  }
  await fs.writeFile(path.join(outDir, 'package.json'), '{ "type": "module" }\n');
  await fs.symlink(path.join(root, 'node_modules'), path.join(outDir, 'node_modules'), 'dir');
  const sum = (files: readonly { bytes: Buffer }[]): number => files.reduce((n, f) => n + f.bytes.length, 0);
  return {
    dist,
    bytesAtInit: sum(loadedAtInit(bundle.files, HANDLER_ENTRY)),
    bytesInAll: sum(bundle.files),
  };
}
