/** The files a package takes from a folder, on real folders with links and modes. */
import { chmod, mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packagedMode, walkTree } from './walk-tree.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-walk-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.runIf(process.platform !== 'win32')('walkTree', () => {
  it('follows links inside the folder only, never around a loop, and keeps executables executable', async () => {
    const pkg = path.join(dir, 'pkg');
    await mkdir(path.join(pkg, 'lib', 'deep'), { recursive: true });
    await writeFile(path.join(pkg, 'index.js'), 'x');
    await writeFile(path.join(pkg, 'lib', 'tool'), '#!/bin/sh\n');
    await chmod(path.join(pkg, 'lib', 'tool'), 0o700);
    await writeFile(path.join(pkg, 'lib', 'private.js'), 'y');
    await chmod(path.join(pkg, 'lib', 'private.js'), 0o600);
    await writeFile(path.join(dir, 'secret.txt'), 'outside');
    await symlink(path.join(dir, 'secret.txt'), path.join(pkg, 'secret.txt'));
    await symlink(dir, path.join(pkg, 'up'));
    await symlink('..', path.join(pkg, 'lib', 'deep', 'loop'));
    await symlink('../index.js', path.join(pkg, 'lib', 'alias.js'));
    await symlink('nowhere', path.join(pkg, 'dangling'));

    const tree = await walkTree(pkg, () => true);
    expect(tree.files.map((f) => [f.rel, f.mode.toString(8)])).toEqual([
      ['index.js', '644'],
      ['lib/alias.js', '644'],
      ['lib/private.js', '644'],
      ['lib/tool', '755'],
    ]);
    expect(tree.files.find((f) => f.rel === 'lib/alias.js')?.file).toBe(
      path.join(await realpath(pkg), 'index.js'),
    );
    expect(tree.leftOut.sort()).toEqual([
      'dangling (a link to nothing)',
      'lib/deep/loop (a link around a loop)',
      `secret.txt (a link out of ${pkg})`,
      `up (a link out of ${pkg})`,
    ]);
  });

  it('skips the folders and files it is told to', async () => {
    await mkdir(path.join(dir, 'node_modules'));
    await writeFile(path.join(dir, 'node_modules', 'a.js'), '');
    await writeFile(path.join(dir, 'b.md'), '');
    await writeFile(path.join(dir, 'c.js'), '');
    const tree = await walkTree(dir, (_rel, name) => !name.endsWith('.md'), new Set(['node_modules']));
    expect(tree.files.map((f) => f.rel)).toEqual(['c.js']);
  });
});

describe('packagedMode', () => {
  it('is 0755 when anyone may run the file, 0644 otherwise', () => {
    expect(
      [0o100700, 0o100744, 0o100001, 0o100600, 0o100644, 0o100444].map((m) => packagedMode(m).toString(8)),
    ).toEqual(['755', '755', '755', '644', '644', '644']);
  });
});
