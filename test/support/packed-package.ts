/**
 * The package as users get it: `npm pack` of the repository (its `dist/` built fresh when older
 * than the sources), installed into a new project outside the repository, as a consumer installs
 * it. The install needs no network: the consumer's lock file pins what the repository's lock
 * file pins (the package's production dependencies), and `npm ci --offline` takes the tarballs
 * from the npm cache, which the repository's own `npm ci` or `npm install` filled. Only when the
 * cache lacks one does it fall back to the registry (`--prefer-offline`).
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { newestMtime } from './compiled-dist.js';
import { repoRoot } from './function-servers.js';

/** Runs a command to its end; throws with its output when it fails. */
export function run(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0)
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`,
    );
  return result;
}

/** `npm run build` when `dist/` is missing or older than a source file (the build empties it first). */
export async function freshDist(): Promise<void> {
  const built = await fs.stat(path.join(repoRoot, 'dist', 'index.js')).catch(() => undefined);
  if (built && built.mtimeMs >= (await newestMtime(path.join(repoRoot, 'src')))) return;
  run('npm', ['run', 'build'], repoRoot);
}

/** The packed tarball and the files it holds (paths inside the package). */
export interface PackedPackage {
  tarball: string;
  files: string[];
  version: string;
  dependencies: Record<string, string>;
}

/** `npm pack` of the repository into `destination` (scripts off: `dist/` is already built). */
export async function packRepository(destination: string): Promise<PackedPackage> {
  const packed = run(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', destination],
    repoRoot,
  );
  const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  if (!info) throw new Error(`npm pack printed no package: ${packed.stdout}`);
  const manifest = JSON.parse(await fs.readFile(path.join(repoRoot, 'package.json'), 'utf8')) as {
    version: string;
    dependencies: Record<string, string>;
  };
  return {
    tarball: path.join(destination, info.filename),
    files: info.files.map((f) => f.path),
    version: manifest.version,
    dependencies: manifest.dependencies,
  };
}

interface LockEntry {
  dev?: boolean;
  [key: string]: unknown;
}

/**
 * Installs the tarball into `project` (a new folder outside the repository) as its only
 * dependency. Returns how it was installed: from the cache alone, or with the registry's help.
 */
export async function installPackage(
  packed: PackedPackage,
  project: string,
): Promise<'offline' | 'registry'> {
  await fs.mkdir(project, { recursive: true });
  const spec = `file:${path.relative(project, packed.tarball).split(path.sep).join('/')}`;
  const repoLock = JSON.parse(await fs.readFile(path.join(repoRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const integrity = `sha512-${createHash('sha512')
    .update(await fs.readFile(packed.tarball))
    .digest('base64')}`;
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', dependencies: { obifaas: spec } },
    'node_modules/obifaas': {
      version: packed.version,
      resolved: spec,
      integrity,
      dependencies: packed.dependencies,
      bin: { obifaas: 'bin/obifaas.js' },
    },
  };
  // What the repository's lock pins for its production dependencies, at the same places.
  for (const [where, entry] of Object.entries(repoLock.packages))
    if (where !== '' && entry.dev !== true) packages[where] = entry;
  await fs.writeFile(
    path.join(project, 'package.json'),
    JSON.stringify(
      { name: 'consumer', private: true, type: 'module', dependencies: { obifaas: spec } },
      null,
      2,
    ),
  );
  await fs.writeFile(
    path.join(project, 'package-lock.json'),
    JSON.stringify({ name: 'consumer', lockfileVersion: 3, requires: true, packages }, null, 2),
  );
  // Dependencies' install scripts stay off, as the repository's `allowScripts` has them.
  const npmCi = ['ci', '--no-audit', '--no-fund', '--ignore-scripts'];
  try {
    run('npm', [...npmCi, '--offline'], project);
    return 'offline';
  } catch (err) {
    if (!String(err).includes('ENOTCACHED')) throw err;
    run('npm', [...npmCi, '--prefer-offline'], project);
    return 'registry';
  }
}
