import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SpecError, UserError } from '../errors.js';
import { FsBlobStore } from '../storage/fs/fs-store.js';
import { isImageKey, resolveInputs, resolveInputsInStore } from './inputs.js';

describe('isImageKey', () => {
  it('matches image extensions in any case, and nothing else', () => {
    for (const key of [
      'a.jpg',
      'b/c.JPEG',
      'x.Png',
      'y.webp',
      'z.gif',
      't.tif',
      't.TIFF',
      'a.avif',
      'h.heic',
      'b.bmp',
    ]) {
      expect(isImageKey(key), key).toBe(true);
    }
    for (const key of ['manifest.txt', 'jpg', 'a.jpg/readme', 'noext', 'x.jpg.bak', '.jpg/x']) {
      expect(isImageKey(key), key).toBe(false);
    }
  });
});

describe('resolveInputs', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-inputs-'));
  });

  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function touch(...relative: string[]): Promise<void> {
    for (const rel of relative) {
      await fs.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
      await fs.writeFile(path.join(dir, rel), 'x');
    }
  }

  it('takes every image under a folder, recursively and sorted, skipping other and hidden files', async () => {
    await touch(
      'b.PNG',
      'a.jpg',
      'cats/2.jpeg',
      'cats/10.webp',
      'notes.txt',
      'manifest.txt',
      '.cache/x.jpg',
      '.hidden.jpg',
    );
    const inputs = await resolveInputs(dir);
    expect(inputs).toEqual({
      storage: { type: 'fs', root: dir },
      keys: ['a.jpg', 'b.PNG', 'cats/10.webp', 'cats/2.jpeg'],
      source: { kind: 'folder', location: dir },
    });
  });

  it('reads a manifest; its keys are relative to the manifest folder', async () => {
    await touch('set/images/1.jpg');
    await fs.writeFile(path.join(dir, 'set', 'manifest.txt'), '# keys\nimages/1.jpg\nimages/2.jpg\n');
    const inputs = await resolveInputs(path.join(dir, 'set', 'manifest.txt'));
    expect(inputs).toEqual({
      storage: { type: 'fs', root: path.join(dir, 'set') },
      keys: ['images/1.jpg', 'images/2.jpg'],
      source: { kind: 'manifest', location: path.join(dir, 'set', 'manifest.txt') },
    });
  });

  it('uses the given storage for a manifest when one is given', async () => {
    await fs.writeFile(path.join(dir, 'm.txt'), 'train/1.jpg\n');
    const storage = { type: 's3' as const, bucket: 'images' };
    expect((await resolveInputs(path.join(dir, 'm.txt'), { storage })).storage).toEqual(storage);
  });

  it('refuses an empty manifest, naming the file', async () => {
    const file = path.join(dir, 'empty.txt');
    await fs.writeFile(file, '# only a comment\n\n');
    const err = await resolveInputs(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(`manifest '${file}' lists no keys`);
  });

  it('refuses a folder without images, naming the folder', async () => {
    await touch('docs/readme.md');
    const err = await resolveInputs(path.join(dir, 'docs')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toContain(`folder '${path.join(dir, 'docs')}' holds no image files`);
  });

  it('refuses a missing path, naming it', async () => {
    const missing = path.join(dir, 'nowhere', 'm.txt');
    await expect(resolveInputs(missing)).rejects.toThrow(`input '${missing}' does not exist`);
  });

  it('refuses an image file given as the inputs, pointing at its folder or a manifest', async () => {
    await touch('photos/cat.JPEG');
    const file = path.join(dir, 'photos', 'cat.JPEG');
    const err = await resolveInputs(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(
      new RegExp(
        `^input '${file}' is an image, not a manifest: .*give the image's folder, or a manifest that lists it$`,
      ),
    );
  });

  it('refuses a binary file as a manifest in one short message, not line by line', async () => {
    const file = path.join(dir, 'model.onnx');
    await fs.writeFile(file, Buffer.from([0x08, 0x07, 0x12, 0x00, 0x0a, 0xff, 0x00, 0x1b, 0x0a, 0x41, 0x42]));
    const err = await resolveInputs(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecError);
    expect((err as Error).message).toBe(
      `invalid manifest: ${file}: not a text file (it holds NUL bytes); a manifest is UTF-8 text, one key per line`,
    );
  });

  it('passes manifest line errors through', async () => {
    await fs.writeFile(path.join(dir, 'm.txt'), 'a.jpg\na.jpg\n');
    await expect(resolveInputs(path.join(dir, 'm.txt'))).rejects.toBeInstanceOf(SpecError);
  });
});

describe('resolveInputsInStore', () => {
  let dir: string;
  let store: FsBlobStore;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-inputs-store-'));
    store = new FsBlobStore(dir);
    await store.put('ds/manifest.txt', 'images/0.jpg\nimages/1.jpg\n');
    await store.put('ds/images/0.jpg', 'x');
    await store.put('ds/images/1.jpg', 'x');
    await store.put('ds/empty.txt', '\n');
    await store.put('other/readme.txt', 'x');
  });

  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('reads a manifest object; keys gain the manifest prefix', async () => {
    const inputs = await resolveInputsInStore(store, 'ds/manifest.txt');
    expect(inputs.keys).toEqual(['ds/images/0.jpg', 'ds/images/1.jpg']);
    expect(inputs.source.kind).toBe('manifest');
    expect(inputs.storage).toEqual(store.ref);
  });

  it('lists images under a prefix, with or without the trailing slash', async () => {
    for (const key of ['ds/images/', 'ds/images', 'ds', '']) {
      const inputs = await resolveInputsInStore(store, key);
      expect(inputs.keys, key).toEqual(['ds/images/0.jpg', 'ds/images/1.jpg']);
      expect(inputs.source.kind).toBe('folder');
    }
  });

  it('names the location when there is nothing usable', async () => {
    await expect(resolveInputsInStore(store, 'ds/empty.txt')).rejects.toThrow(/lists no keys/);
    await expect(resolveInputsInStore(store, 'other/')).rejects.toThrow(/holds no image files/);
    await expect(resolveInputsInStore(store, 'ds/images/0.jpg')).rejects.toThrow(
      `input '${path.join(dir, 'ds/images/0.jpg')}' is an image, not a manifest`,
    );
    await expect(resolveInputsInStore(store, 'missing/thing')).rejects.toThrow(
      `input '${path.join(dir, 'missing/thing')}' does not exist`,
    );
  });
});
