import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageError } from '../../errors.js';
import { describeBlobStoreConformance } from '../conformance.js';
import { FolderRefusal } from '../../util/make-folder.js';
import { FsBlobStore, TEMP_FILE_PREFIX } from './fs-store.js';

describeBlobStoreConformance('fs', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-fs-store-'));
  return { store: new FsBlobStore(root), cleanup: () => fs.rm(root, { recursive: true, force: true }) };
});

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('FsBlobStore', () => {
  let root: string;
  let store: FsBlobStore;

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-fs-store-'));
    store = new FsBlobStore(path.join(root, 'store'));
  });

  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('rejects keys that are absolute, escape the root or have empty segments, naming the key', async () => {
    const bad = [
      '',
      '/etc/passwd',
      '../outside.txt',
      'a/../../outside.txt',
      'a//b',
      'a/',
      './a',
      'C:/x',
      'a\\b',
      'a\nb',
    ];
    for (const key of bad) {
      for (const call of [store.get(key), store.put(key, 'x'), store.exists(key)]) {
        const err = await errorOf(call);
        expect(err, `key ${JSON.stringify(key)}`).toBeInstanceOf(StorageError);
        expect((err as StorageError).code).toBe('Invalid');
        expect((err as StorageError).message).toContain(`'${key}'`);
      }
    }
    await expect(fs.stat(path.join(root, 'outside.txt'))).rejects.toThrow();
  });

  it('rejects a prefix that escapes the root', async () => {
    const err = await errorOf(collect(store.list('../')));
    expect((err as StorageError).code).toBe('Invalid');
  });

  it('writes files under the root, creating folders', async () => {
    await store.put('a/b/c.txt', 'hi');
    expect(await fs.readFile(path.join(root, 'store', 'a', 'b', 'c.txt'), 'utf8')).toBe('hi');
    expect(store.ref).toEqual({ type: 'fs', root: path.join(root, 'store') });
  });

  it('leaves no temporary files behind and never lists unfinished writes', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.put('same.txt', `version ${i}`)));
    const names = await fs.readdir(path.join(root, 'store'));
    expect(names).toEqual(['same.txt']);
    await fs.writeFile(path.join(root, 'store', `${TEMP_FILE_PREFIX}123-abc`), 'partial');
    expect(await collect(store.list())).toEqual(['same.txt']);
    expect((await store.get('same.txt')).toString()).toMatch(/^version \d+$/);
  });

  it('does not let a write replace a folder, or go through a file', async () => {
    await store.put('dir/file.txt', 'x');
    expect(((await errorOf(store.put('dir', 'y'))) as StorageError).code).toBe('Invalid');
    expect(((await errorOf(store.put('dir/file.txt/inner', 'y'))) as StorageError).code).toBe('Invalid');
    expect(((await errorOf(store.get('dir'))) as StorageError).code).toBe('NotFound');
    expect(await store.exists('dir')).toBe(false);
  });

  it('names the folder it cannot create and why, rather than a missing key', async () => {
    await fs.writeFile(path.join(root, 'file'), 'x');
    const throughFile = (await errorOf(
      new FsBlobStore(path.join(root, 'file', 'store')).put('a/b', 'y'),
    )) as StorageError;
    expect(throughFile).toBeInstanceOf(StorageError);
    expect(throughFile.code).toBe('Invalid');
    expect(throughFile.message).toBe(
      `cannot write 'a/b' in ${root}/file/store: cannot create folder '${root}/file/store/a': a parent of '${root}/file/store/a' is a file`,
    );
    expect(throughFile.cause).toBeInstanceOf(FolderRefusal);
  });

  it.runIf(process.platform === 'linux')(
    'refuses a store under /proc at once, naming the folder',
    async () => {
      const err = (await errorOf(new FsBlobStore('/proc/obifaas-x').put('a/b.txt', 'y'))) as StorageError;
      expect(err).toBeInstanceOf(StorageError);
      expect(err.code).toBe('Invalid');
      expect(err.message).toBe(
        "cannot write 'a/b.txt' in /proc/obifaas-x: cannot create folder '/proc/obifaas-x/a': '/proc' does not accept new folders",
      );
    },
  );

  it('lists a missing root as empty and lists files behind symbolic links', async () => {
    expect(await collect(store.list())).toEqual([]);
    await store.put('real.txt', 'r');
    await fs.symlink(path.join(root, 'store', 'real.txt'), path.join(root, 'store', 'link.txt'));
    await fs.symlink(path.join(root, 'store'), path.join(root, 'store', 'loop'));
    expect(await collect(store.list())).toEqual(['link.txt', 'real.txt']);
  });

  it('passes an aborted signal through as an AbortError', async () => {
    await store.put('a.txt', 'a');
    const controller = new AbortController();
    controller.abort();
    const err = await errorOf(store.get('a.txt', { signal: controller.signal }));
    expect((err as Error).name).toBe('AbortError');
  });

  it('never follows a symbolic link out of its root: get, exists and list refuse it', async () => {
    await fs.mkdir(path.join(root, 'store', 'in'), { recursive: true });
    await fs.writeFile(path.join(root, 'secret.txt'), 'canary outside the root');
    await fs.writeFile(path.join(root, 'store', 'in', 'ok.jpg'), 'inside');
    await fs.symlink(path.join(root, 'secret.txt'), path.join(root, 'store', 'out.jpg'));
    await fs.symlink(path.join(root, 'store', 'in', 'ok.jpg'), path.join(root, 'store', 'alias.jpg'));
    await fs.symlink(root, path.join(root, 'store', 'up'));
    const refused = (await errorOf(store.get('out.jpg'))) as StorageError;
    expect(refused.code).toBe('Invalid');
    expect(refused.message).toMatch(/key 'out\.jpg' leads out of .*symbolic link/);
    expect(((await errorOf(store.get('up/secret.txt'))) as StorageError).code).toBe('Invalid');
    expect(await store.exists('out.jpg')).toBe(false);
    expect(await store.exists('up/secret.txt')).toBe(false);
    expect((await store.get('alias.jpg')).toString()).toBe('inside');
    expect(await collect(store.list())).toEqual(['alias.jpg', 'in/ok.jpg']);
  });

  it('refuses a FIFO as an object at once, without waiting for a writer', async () => {
    await fs.mkdir(path.join(root, 'store'), { recursive: true });
    const fifo = path.join(root, 'store', 'pipe.jpg');
    const { execFileSync } = await import('node:child_process');
    execFileSync('mkfifo', [fifo]);
    const refused = (await errorOf(store.get('pipe.jpg'))) as StorageError;
    expect(refused.code).toBe('Invalid');
    expect(refused.message).toContain("cannot read 'pipe.jpg'");
    expect(refused.message).toContain('FIFO');
    expect(await collect(store.list())).toEqual([]);
  });
});
