/**
 * The installed packages a function package copies: the native packages the bundle leaves out
 * (onnxruntime-node, sharp) and what they load at run time. That is found in two steps, neither
 * of which re-implements Node's module resolution:
 *
 * 1. esbuild follows their static imports from this installation's root; the packages its
 *    inputs lie in are the ones they load (onnxruntime-common, detect-libc, ...). Install-time
 *    helpers (onnxruntime-node's downloader and its dependencies) are never imported, so never
 *    copied.
 * 2. Their prebuilt binaries come in platform packages (`@img/sharp-linux-x64`), optional
 *    dependencies with `os`/`cpu` fields that are loaded by computed names. Each one is looked
 *    up along Node's own search path (`createRequire(...).resolve.paths`) and kept when it is
 *    installed and built for the target. A folder of platform packages given by the caller
 *    (another platform's, which npm does not install here) is searched first; what is found
 *    there goes to the top `node_modules` of the zip and must be the version its parent names.
 */
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { UserError } from '../errors.js';
import { packageNameOf } from './bundle.js';
import type { TargetPlatform } from './native.js';

/** One installed package that goes into the function package. */
export interface InstalledPackage {
  name: string;
  version: string;
  /** Absolute folder (as found, symbolic links kept). */
  dir: string;
  /** Folder inside the zip, such as `node_modules/sharp` or `node_modules/a/node_modules/b`. */
  zipDir: string;
}

export interface NativePackageSet {
  packages: InstalledPackage[];
  /** Installed platform packages left out because they are built for another platform. */
  otherPlatforms: string[];
}

interface Manifest {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  os?: string[];
  cpu?: string[];
  libc?: string[];
}

export async function readManifest(dir: string): Promise<Manifest | undefined> {
  try {
    return JSON.parse(await fs.readFile(path.join(dir, 'package.json'), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

/** True when an npm platform list (`["linux"]`, `["!win32"]`) admits `value`; no list admits all. */
function admits(list: string[] | undefined, value: string): boolean {
  if (!list || list.length === 0) return true;
  if (list.includes(`!${value}`)) return false;
  const positive = list.filter((v) => !v.startsWith('!'));
  return positive.length === 0 || positive.includes(value);
}

/** True when a package's `os`/`cpu`/`libc` fields admit the target. */
export function runsOn(manifest: Manifest, target: TargetPlatform): boolean {
  return (
    admits(manifest.os, target.os) && admits(manifest.cpu, target.cpu) && admits(manifest.libc, target.libc)
  );
}

/** The folder of the package an esbuild input (relative to `root`) lies in. */
function packageDirOf(input: string, root: string): string | undefined {
  const name = packageNameOf(input);
  if (!name) return undefined;
  const end = input.lastIndexOf(`node_modules/${name}/`) + `node_modules/${name}`.length;
  return path.resolve(root, input.slice(0, end));
}

/** The folder inside the zip: the path below the closest folder at or above `root` whose `node_modules` holds it. */
function zipDirOf(dir: string, root: string): string {
  for (let base = path.resolve(root); ; base = path.dirname(base)) {
    const prefix = path.join(base, 'node_modules') + path.sep;
    if (dir.startsWith(prefix)) return path.relative(base, dir).split(path.sep).join('/');
    if (path.dirname(base) === base) break;
  }
  throw new UserError(`dependency folder ${dir} is not in a node_modules folder at or above ${root}`);
}

/**
 * The `node_modules`-shaped folder of platform packages given as `dir`: `dir/node_modules` when
 * there is one (as `npm install --prefix dir` leaves it), else `dir` itself.
 */
export async function platformPackagesFolder(dir: string): Promise<string> {
  const resolved = path.resolve(dir);
  if (!(await fs.stat(resolved).catch(() => undefined))?.isDirectory())
    throw new UserError(`the platform packages folder ${resolved} does not exist`);
  const nested = path.join(resolved, 'node_modules');
  return (await fs.stat(nested).catch(() => undefined))?.isDirectory() ? nested : resolved;
}

/** Package `name` in a `node_modules`-shaped folder, when it is there. */
async function packageIn(folder: string, name: string): Promise<string | undefined> {
  const dir = path.join(folder, ...name.split('/'));
  return (await fs.stat(path.join(dir, 'package.json')).catch(() => undefined)) ? dir : undefined;
}

/** Why a platform package's version differs from the exact version its parent asks for, if it does. */
function versionMismatch(found: Manifest, wanted: string, parent: Manifest, dir: string): string | undefined {
  if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(wanted) || found.version === wanted) return undefined;
  return `${dir} is ${found.name}@${found.version ?? '?'}, but ${parent.name}@${parent.version ?? '?'} needs ${wanted}`;
}

/** Where Node finds package `name` when a module of the package in `fromDir` requires it. */
async function installedDir(name: string, fromDir: string): Promise<string | undefined> {
  const searchPath = createRequire(path.join(fromDir, 'package.json')).resolve.paths(name) ?? [];
  for (const nodeModules of searchPath) {
    const dir = path.join(nodeModules, ...name.split('/'));
    if (await fs.stat(path.join(dir, 'package.json')).catch(() => undefined)) return dir;
  }
  return undefined;
}

/** The package folders the static imports of `names` reach, from `root`. */
async function importedPackageDirs(root: string, names: readonly string[]): Promise<string[]> {
  const result = await esbuild
    .build({
      stdin: { contents: names.map((n) => `import ${JSON.stringify(n)};`).join('\n'), resolveDir: root },
      absWorkingDir: root,
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      outfile: 'native-closure.js',
      preserveSymlinks: true,
      // Binaries reached by computed paths are copied with their package; not read here.
      loader: { '.node': 'empty' },
      metafile: true,
      logLevel: 'silent',
    })
    .catch((err: unknown) => {
      const errors = (err as { errors?: esbuild.Message[] }).errors ?? [];
      throw new UserError(
        `the function's native packages are not all installed (${errors.map((e) => e.text).join('; ') || String(err)}): run 'npm install'`,
        { cause: err },
      );
    });
  const dirs = new Set<string>();
  for (const input of Object.keys(result.metafile.inputs)) {
    const dir = packageDirOf(input, root);
    if (dir) dirs.add(dir);
  }
  return [...dirs];
}

/**
 * The packages a function package needs besides its bundle: `names` (the native
 * packages), what they import, and their prebuilt binaries for `target`. Throws `UserError`
 * when one is not installed.
 */
export async function nativePackages(
  root: string,
  target: TargetPlatform,
  names: readonly string[],
  /** A `node_modules`-shaped folder searched first for platform packages (`platformPackagesFolder`). */
  platformFolder?: string,
): Promise<NativePackageSet> {
  const byDir = new Map<string, InstalledPackage>();
  const otherPlatforms = new Set<string>();
  const add = async (dir: string, zipDir: string): Promise<Manifest> => {
    const manifest = await readManifest(dir);
    if (!manifest?.name) throw new UserError(`cannot read ${path.join(dir, 'package.json')}`);
    byDir.set(dir, { name: manifest.name, version: manifest.version ?? '0.0.0', dir, zipDir });
    return manifest;
  };
  const queue = (await importedPackageDirs(path.resolve(root), names)).map((dir) => ({
    dir,
    zipDir: zipDirOf(dir, root),
  }));
  while (queue.length > 0) {
    const { dir, zipDir } = queue.shift()!;
    if (byDir.has(dir)) continue;
    const manifest = await add(dir, zipDir);
    for (const [optional, wanted] of Object.entries(manifest.optionalDependencies ?? {})) {
      const given = platformFolder && (await packageIn(platformFolder, optional));
      const found = given || (await installedDir(optional, dir));
      const optionalManifest = found && (await readManifest(found));
      if (!found || !optionalManifest || (!optionalManifest.os && !optionalManifest.cpu)) continue;
      if (!runsOn(optionalManifest, target)) {
        otherPlatforms.add(optional);
        continue;
      }
      const mismatch = versionMismatch(optionalManifest, wanted, manifest, found);
      if (mismatch) throw new UserError(`a platform package of the wrong version: ${mismatch}`);
      queue.push({ dir: found, zipDir: given ? `node_modules/${optional}` : zipDirOf(found, root) });
    }
  }
  const packages = [...byDir.values()].sort((a, b) => a.zipDir.localeCompare(b.zipDir));
  const clash = packages.find((p, i) => i > 0 && packages[i - 1]!.zipDir === p.zipDir);
  if (clash)
    throw new UserError(`two installed copies of '${clash.name}' map to ${clash.zipDir} in the package`);
  return { packages, otherPlatforms: [...otherPlatforms].sort() };
}
