import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTiny } from '../models/tiny.js';
import { writeFileAtomic } from './atomic-file.js';

describe('writeFileAtomic', () => {
  let home: string;

  beforeEach(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'obifaas-atomic-'));
  });

  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('writes atomically even when writers race', async () => {
    const file = path.join(home, 'deep', 'folder', 'model.onnx');
    const bytes = buildTiny({ seed: 1 }).bytes;
    await Promise.all(Array.from({ length: 5 }, () => writeFileAtomic(file, bytes)));
    expect((await readFile(file)).equals(Buffer.from(bytes))).toBe(true);
    expect(await readdir(path.dirname(file))).toEqual(['model.onnx']);
  });

  it('leaves neither the file nor a temporary one when the write fails', async () => {
    const blocked = path.join(home, 'a-file');
    await writeFile(blocked, 'x');
    await expect(writeFileAtomic(path.join(blocked, 'inside.bin'), new Uint8Array([1]))).rejects.toThrow(
      /cannot create folder '.*a-file': .* is a file/,
    );
    const folder = path.join(home, 'folder');
    await writeFileAtomic(path.join(folder, 'kept.bin'), new Uint8Array([1]));
    await expect(writeFileAtomic(folder, new Uint8Array([2]))).rejects.toThrow(/EISDIR/);
    expect((await readdir(home)).sort()).toEqual(['a-file', 'folder']);
    expect(await readdir(folder)).toEqual(['kept.bin']);
  });
});
