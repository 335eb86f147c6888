/**
 * The production dependency tree of the package, as installed: starting from the package's
 * `dependencies`, each dependency is found the way Node resolves it (the requirer's own
 * `node_modules`, then its parents') and its `dependencies` and installed
 * `optionalDependencies` followed in turn. `devDependencies` are never followed. Packages built
 * for another platform (`os`, `cpu`, `libc` in their package.json) are left out.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';

/** The machine a package is built for. */
export interface TargetPlatform {
  os: 'linux';
  /** Node's name for the CPU: `x64` or `arm64`. */
  cpu: 'x64' | 'arm64';
  libc: 'glibc';
}

/** One installed package that goes into the function package. */
export interface InstalledPackage {
  name: string;
  version: string;
  /** Absolute folder. */
  dir: string;
  /** Folder inside the zip, such as `node_modules/sharp` or `node_modules/a/node_modules/b`. */
  zipDir: string;
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

/** Folders that are `root` or above it (where hoisted `node_modules` may live). */
function ancestors(root: string): string[] {
  const out: string[] = [];
  let dir = path.resolve(root);
  for (;;) {
    out.push(dir);
    const parent = path.dirname(dir);
    if (parent === dir) return out;
    dir = parent;
  }
}

/** Where Node would find `name` when required from a package in `fromDir`. */
async function resolvePackageDir(name: string, fromDir: string): Promise<string | undefined> {
  for (const dir of ancestors(fromDir)) {
    if (path.basename(dir) === 'node_modules') continue;
    const candidate = path.join(dir, 'node_modules', ...name.split('/'));
    try {
      if ((await fs.stat(path.join(candidate, 'package.json'))).isFile()) return await fs.realpath(candidate);
    } catch {
      // not here: look further up
    }
  }
  return undefined;
}

/** The folder inside the zip: the path below the closest `node_modules` base at or above `root`. */
function zipDirOf(dir: string, root: string): string {
  const bases = ancestors(root);
  for (const base of bases) {
    const prefix = `${base}${base.endsWith(path.sep) ? '' : path.sep}node_modules${path.sep}`;
    if (dir.startsWith(prefix)) return path.relative(base, dir).split(path.sep).join('/');
  }
  throw new UserError(`dependency folder ${dir} is not in a node_modules folder at or above ${root}`);
}

export interface DependencyTree {
  packages: InstalledPackage[];
  /** Packages skipped because they are built for another platform. */
  otherPlatforms: string[];
  /** Optional dependencies that are not installed. */
  missingOptional: string[];
}

/**
 * Walks the production dependencies of the package at `root`. `exclude` names top-level
 * dependencies to leave out (the worker never loads them); they still come in when another
 * package depends on them. Throws `UserError` naming a required dependency that is missing.
 */
export async function productionDependencies(
  root: string,
  target: TargetPlatform,
  exclude: ReadonlySet<string> = new Set(),
): Promise<DependencyTree> {
  const rootManifest = await readManifest(root);
  if (!rootManifest) throw new UserError(`no package.json in ${root}`);
  const byDir = new Map<string, InstalledPackage>();
  const byZipDir = new Map<string, string>();
  const otherPlatforms = new Set<string>();
  const missingOptional = new Set<string>();
  const queue: Array<{ name: string; from: string; optional: boolean; via: string }> = Object.keys(
    rootManifest.dependencies ?? {},
  )
    .filter((name) => !exclude.has(name))
    .map((name) => ({ name, from: root, optional: false, via: rootManifest.name ?? 'the package' }));
  while (queue.length > 0) {
    const { name, from, optional, via } = queue.shift()!;
    const dir = await resolvePackageDir(name, from);
    if (!dir) {
      if (optional) {
        missingOptional.add(name);
        continue;
      }
      throw new UserError(
        `dependency '${name}' of ${via} is not installed: run 'npm install' (or 'npm ci --omit=dev')`,
      );
    }
    if (byDir.has(dir)) continue;
    const manifest = await readManifest(dir);
    if (!manifest) throw new UserError(`cannot read ${path.join(dir, 'package.json')}`);
    if (!runsOn(manifest, target)) {
      otherPlatforms.add(name);
      continue;
    }
    const zipDir = zipDirOf(dir, root);
    const clash = byZipDir.get(zipDir);
    if (clash && clash !== dir)
      throw new UserError(`two installed copies of '${name}' map to ${zipDir}: ${clash} and ${dir}`);
    byZipDir.set(zipDir, dir);
    const pkg = { name, version: manifest.version ?? '0.0.0', dir, zipDir };
    byDir.set(dir, pkg);
    for (const dep of Object.keys(manifest.dependencies ?? {}))
      queue.push({ name: dep, from: dir, optional: false, via: `${name}@${pkg.version}` });
    for (const dep of Object.keys(manifest.optionalDependencies ?? {}))
      if (!(manifest.dependencies ?? {})[dep])
        queue.push({ name: dep, from: dir, optional: true, via: `${name}@${pkg.version}` });
  }
  const packages = [...byDir.values()].sort((a, b) => a.zipDir.localeCompare(b.zipDir));
  return {
    packages,
    otherPlatforms: [...otherPlatforms].sort(),
    missingOptional: [...missingOptional].sort(),
  };
}
