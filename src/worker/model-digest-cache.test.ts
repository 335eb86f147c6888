/**
 * A function's check of the model against its job's digest: the file is hashed once and its
 * digest kept while the file stays the same (a warm function does not hash per payload); a
 * model replaced or rewritten is hashed again, and one whose bytes differ is refused naming
 * both digests' first 12 hex digits (each time, from the digest kept for the new file). Labels
 * are checked as they are read, by the same rules: the bytes read, or the digest kept for the
 * same unchanged file.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../test/support/temp-dir.js';
import { ModelError } from '../errors.js';
import { fileDigest } from '../util/file-digest.js';
import { ModelDigests } from './model-digest-cache.js';
import { loadLabels } from './model-source.js';

const tmp = useTempDir('obifaas-model-digest-', { each: true });
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe('ModelDigests', () => {
  it('hashes a model once and answers later checks of the same file from what it kept', async () => {
    const file = path.join(tmp.path, 'm.onnx');
    const bytes = Buffer.alloc(3 << 20, 5); // over one read chunk
    await fs.writeFile(file, bytes);
    expect(await fileDigest(file)).toEqual({ sha256: sha256(bytes), bytes: bytes.length });
    const digests = new ModelDigests();
    expect(await digests.check(file, 'm.onnx', sha256(bytes))).toBe('hashed');
    expect(await digests.check(file, 'm.onnx', sha256(bytes))).toBe('kept');
    expect(digests.hashesRun).toBe(1);
  });

  it('refuses a model replaced since the job started, naming both digests, and hashed once: its digest is kept for the new file', async () => {
    const file = path.join(tmp.path, 'm.onnx');
    const before = Buffer.from('the model the job started with');
    const after = Buffer.from('another model, written in place');
    await fs.writeFile(file, before);
    const digests = new ModelDigests();
    await digests.check(file, 'm.onnx', sha256(before));
    await fs.writeFile(path.join(tmp.path, 'new.onnx'), after);
    await fs.rename(path.join(tmp.path, 'new.onnx'), file);
    const message = `model m.onnx changed since the job started: sha256 ${sha256(before).slice(0, 12)} expected, ${sha256(after).slice(0, 12)} found`;
    for (let i = 0; i < 2; i++) {
      const err = await digests.check(file, 'm.onnx', sha256(before)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelError);
      expect((err as Error).message).toBe(message);
    }
    expect(digests.hashesRun).toBe(2);
  });

  it('drops the oldest digest past its limit', async () => {
    const digests = new ModelDigests(1);
    const files = ['a', 'b'].map((n) => path.join(tmp.path, n));
    for (const f of files) await fs.writeFile(f, f);
    for (const f of [...files, files[0]!]) await digests.check(f, f, sha256(Buffer.from(f)));
    expect(digests.hashesRun).toBe(3);
  });

  it('checks labels as they are read: hashed once per unchanged file, refused naming both digests once replaced', async () => {
    const file = path.join(tmp.path, 'labels.txt');
    const before = Buffer.from('cat\ndog\n');
    const after = Buffer.from('dog\ncat\n');
    await fs.writeFile(file, before);
    const digests = new ModelDigests();
    const checks: string[] = [];
    const check = (expected: string) => (f: string, read: Parameters<ModelDigests['checkRead']>[1]) => {
      const how = digests.checkRead(f, read, 'labels.txt', expected, 'labels');
      checks.push(how);
      return how;
    };
    expect(await loadLabels(file, check(sha256(before)))).toEqual(['cat', 'dog']);
    expect(await loadLabels(file, check(sha256(before)))).toEqual(['cat', 'dog']);
    expect(checks).toEqual(['hashed', 'kept']);
    await fs.writeFile(path.join(tmp.path, 'new.txt'), after);
    await fs.rename(path.join(tmp.path, 'new.txt'), file);
    const err = await loadLabels(file, check(sha256(before))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as Error).message).toBe(
      `labels labels.txt changed since the job started: sha256 ${sha256(before).slice(0, 12)} expected, ${sha256(after).slice(0, 12)} found`,
    );
    expect(digests.hashesRun).toBe(2);
  });
});
