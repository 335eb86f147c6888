import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileDigest } from './file-digest.js';
import { FileRefusal } from './regular-file.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-file-digest-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fileDigest', () => {
  it("gives a file's SHA-256 and size, across several read chunks", async () => {
    const bytes = Buffer.alloc(3 * (1 << 20) + 5, 7);
    const file = path.join(dir, 'model.onnx');
    await writeFile(file, bytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    expect(await fileDigest(file)).toEqual({ sha256, bytes: bytes.length });
  });

  it('refuses a FIFO, a device and a folder, naming the file, instead of waiting on or reading them', async () => {
    const fifo = path.join(dir, 'model.fifo');
    execFileSync('mkfifo', [fifo]);
    for (const file of [fifo, '/dev/zero', dir]) {
      const refusal = await fileDigest(file, 'model file').catch((err: unknown) => err);
      expect(refusal).toBeInstanceOf(FileRefusal);
      expect((refusal as FileRefusal).message).toContain(`model file ${file} is `);
    }
  });
});
