import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { FolderRefusal, makeFolder } from './make-folder.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'make-folder-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('makeFolder', () => {
  it('creates the missing parents, with the mode asked, and accepts a folder already there', async () => {
    const target = path.join(dir, 'a', 'b', 'c');
    await makeFolder(target, { mode: 0o700 });
    expect((await stat(target)).isDirectory()).toBe(true);
    expect((await stat(path.join(dir, 'a'))).mode & 0o777).toBe(0o700);
    await makeFolder(target);
  });

  it('refuses a folder under a file, naming it', async () => {
    await writeFile(path.join(dir, 'file'), 'x');
    await expect(makeFolder(path.join(dir, 'file'))).rejects.toThrow(
      /cannot create folder '.*file': '.*file' is a file/,
    );
    const under = makeFolder(path.join(dir, 'file', 'sub'));
    await expect(under).rejects.toBeInstanceOf(UserError);
    await expect(under).rejects.toThrow(/a parent of '.*sub' is a file/);
  });

  it.runIf(process.platform === 'linux')(
    'refuses a folder under /proc at once (a recursive mkdir loops there)',
    async () => {
      const made = makeFolder('/proc/obifaas-x/y');
      await expect(made).rejects.toBeInstanceOf(FolderRefusal);
      await expect(made).rejects.toThrow(
        "cannot create folder '/proc/obifaas-x/y': '/proc' does not accept new folders",
      );
    },
  );
});
