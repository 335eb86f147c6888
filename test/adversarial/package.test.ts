/**
 * `obifaas package` over a hostile tree (the package builder the command runs, on a root made for
 * the test: the real packages, and a `proto/` folder holding links out of the tree, a loop and
 * an executable): links never lead out of their folder or around a loop, file modes are kept
 * (an executable stays executable, the rest is 0644), and the zip is written under a name no one
 * can prepare: a link planted at the old predictable temporary name is left alone.
 */
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFunctionPackage, type PackageReport } from '../../src/package/build-package.js';
import { repoRoot } from '../support/function-servers.js';
import { requireFreshDist } from '../support/obifaas-bin.js';
import { unzip } from '../support/unzip.js';

let dir: string;
let report: PackageReport;
let files: string[];
let unpacked: string;
const victim = 'a file the package must never write';

beforeAll(async () => {
  await requireFreshDist();
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-adv-package-'));
  const root = path.join(dir, 'root');
  const proto = path.join(root, 'proto');
  await mkdir(path.join(proto, 'deep'), { recursive: true });
  await writeFile(
    path.join(root, 'package.json'),
    '{"name": "obifaas", "version": "0.0.0", "type": "module"}',
  );
  await symlink(path.join(repoRoot, 'node_modules'), path.join(root, 'node_modules'));
  for (const f of await readdir(path.join(repoRoot, 'proto')))
    await writeFile(path.join(proto, f), await readFile(path.join(repoRoot, 'proto', f)));
  await writeFile(path.join(dir, 'secret.txt'), 'outside the tree');
  await symlink(path.join(dir, 'secret.txt'), path.join(proto, 'secret.txt'));
  await symlink('/', path.join(proto, 'slash'));
  await symlink('.', path.join(proto, 'loop'));
  await symlink('../..', path.join(proto, 'deep', 'up'));
  await symlink('../deep', path.join(proto, 'deep', 'again'));
  await writeFile(path.join(proto, 'tool.sh'), '#!/bin/sh\n');
  await chmod(path.join(proto, 'tool.sh'), 0o700);
  await writeFile(path.join(proto, 'private.txt'), 'x');
  await chmod(path.join(proto, 'private.txt'), 0o600);

  const out = path.join(dir, 'out', 'function.zip');
  await mkdir(path.dirname(out));
  // What an attacker would plant at the temporary name the package used to write through.
  await writeFile(path.join(dir, 'victim.txt'), victim);
  await symlink(path.join(dir, 'victim.txt'), `${out}.tmp-${process.pid}`);
  report = await buildFunctionPackage({ arch: 'x86_64', out, root, distDir: path.join(repoRoot, 'dist') });
  unpacked = path.join(dir, 'unpacked');
  files = await unzip(report.file, unpacked);
}, 600_000);
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the package of a hostile tree', () => {
  it('follows no link out of its folder or around a loop, and says which it left out', () => {
    const proto = files.filter((f) => f.startsWith('proto/')).sort();
    expect(proto).toEqual(['proto/dispatcher.proto', 'proto/private.txt', 'proto/tool.sh'].sort());
    expect([...report.leftOut].sort()).toEqual(
      [
        'proto/deep/again (a link around a loop)',
        `proto/deep/up (a link out of ${path.join(dir, 'root', 'proto')})`,
        'proto/loop (a link around a loop)',
        `proto/secret.txt (a link out of ${path.join(dir, 'root', 'proto')})`,
        `proto/slash (a link out of ${path.join(dir, 'root', 'proto')})`,
      ].sort(),
    );
  });

  it('keeps executables executable and makes the rest 0644', async () => {
    const mode = async (f: string) => ((await lstat(path.join(unpacked, f))).mode & 0o777).toString(8);
    expect(await mode('proto/tool.sh')).toBe('755');
    expect(await mode('proto/private.txt')).toBe('644');
    expect(await mode('index.mjs')).toBe('644');
  });

  it('writes under an unguessable name and leaves nothing else beside the zip', async () => {
    expect(await readFile(path.join(dir, 'victim.txt'), 'utf8')).toBe(victim);
    const beside = (await readdir(path.join(dir, 'out'))).sort();
    expect(beside).toEqual(['function.zip', `function.zip.tmp-${process.pid}`]);
  });
});
