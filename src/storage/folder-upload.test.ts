import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageError } from '../errors.js';
import type { BlobStore } from './blob-store.js';
import { downloadFolder, listFolderFiles, readUploadState, uploadFolder } from './folder-upload.js';
import { FsBlobStore } from './fs/fs-store.js';

let root: string;
let dir: string;
let store: FsBlobStore;
const target = 's3://bucket/job';
const stateFile = (): string => path.join(dir, '.upload.json');

async function keysOf(s: BlobStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of s.list()) keys.push(key);
  return keys;
}

/** The store, except that `put` fails from its `failFrom`-th call on (a service that stops answering). */
function failingFrom(inner: BlobStore, failFrom: number): BlobStore & { puts: string[] } {
  const puts: string[] = [];
  return {
    ref: inner.ref,
    puts,
    get: (key, options) => inner.get(key, options),
    exists: (key) => inner.exists(key),
    list: (prefix) => inner.list(prefix),
    close: () => inner.close(),
    async put(key, body) {
      puts.push(key);
      if (puts.length >= failFrom) throw new StorageError(`access denied to '${key}'`, 'AccessDenied', key);
      await inner.put(key, body);
    },
  };
}

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'obifaas-folder-upload-'));
  dir = path.join(root, 'staging');
  store = new FsBlobStore(path.join(root, 'bucket'));
  await mkdir(path.join(dir, 'plots'), { recursive: true });
  await writeFile(path.join(dir, 'results.jsonl'), '{"key":"a"}\n');
  await writeFile(path.join(dir, 'job.json'), '{}\n');
  await writeFile(path.join(dir, 'embeddings.parquet'), Buffer.from([1, 2, 3]));
  await writeFile(path.join(dir, 'plots', 'cpr.svg'), '<svg/>');
  await writeFile(path.join(dir, '.lock'), 'pid');
  await writeFile(path.join(dir, 'job.json.123.ab.tmp'), 'half');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('uploadFolder', () => {
  it('puts every plain file under its relative path, hidden and temporary files left out, the last ones last', async () => {
    expect(await listFolderFiles(dir)).toEqual([
      'embeddings.parquet',
      'job.json',
      'plots/cpr.svg',
      'results.jsonl',
    ]);
    const order: string[] = [];
    const done = await uploadFolder(dir, store, {
      stateFile: stateFile(),
      target,
      last: ['job.json'],
      onFile: (file) => order.push(file),
    });
    expect(order).toEqual(['embeddings.parquet', 'plots/cpr.svg', 'results.jsonl', 'job.json']);
    expect(done).toMatchObject({ sent: order, unchanged: [], bytesSent: 3 + 6 + 12 + 3 });
    expect(await keysOf(store)).toEqual(['embeddings.parquet', 'job.json', 'plots/cpr.svg', 'results.jsonl']);
    expect(await store.get('plots/cpr.svg')).toEqual(Buffer.from('<svg/>'));
  });

  it('completes an upload cut short, sending only what is missing or changed since', async () => {
    const failing = failingFrom(store, 3);
    await expect(
      uploadFolder(dir, failing, { stateFile: stateFile(), target, last: ['job.json'] }),
    ).rejects.toThrow(/access denied to 'results.jsonl'/);
    expect(await keysOf(store)).toEqual(['embeddings.parquet', 'plots/cpr.svg']);
    expect(Object.keys((await readUploadState(stateFile(), target)).objects)).toEqual([
      'embeddings.parquet',
      'plots/cpr.svg',
    ]);

    await writeFile(path.join(dir, 'plots', 'cpr.svg'), '<svg>changed</svg>');
    const done = await uploadFolder(dir, store, { stateFile: stateFile(), target, last: ['job.json'] });
    expect(done.unchanged).toEqual(['embeddings.parquet']);
    expect(done.sent).toEqual(['plots/cpr.svg', 'results.jsonl', 'job.json']);
    expect((await store.get('plots/cpr.svg')).toString()).toBe('<svg>changed</svg>');

    // An object removed from the store since is sent again; a state of another target is not trusted.
    await rm(path.join(root, 'bucket', 'embeddings.parquet'));
    expect((await uploadFolder(dir, store, { stateFile: stateFile(), target })).sent).toEqual([
      'embeddings.parquet',
    ]);
    expect(
      (await uploadFolder(dir, store, { stateFile: stateFile(), target: 's3://other/x' })).sent,
    ).toHaveLength(4);
  });

  it('uploads only the files named, and ignores a damaged state file', async () => {
    await writeFile(stateFile(), '{"version":1,');
    const done = await uploadFolder(dir, store, { stateFile: stateFile(), target, only: ['job.json'] });
    expect(done.sent).toEqual(['job.json']);
    expect(await keysOf(store)).toEqual(['job.json']);
  });

  it('leaves out the files the caller excepts', async () => {
    await writeFile(path.join(dir, 'job.lock'), '{}');
    const done = await uploadFolder(dir, store, {
      stateFile: stateFile(),
      target,
      except: (file) => file === 'job.lock',
    });
    expect(done.files).not.toContain('job.lock');
    expect(await keysOf(store)).not.toContain('job.lock');
    expect(done.sent.length).toBeGreaterThan(0);
  });
});

describe('downloadFolder', () => {
  it('restores every object, records it as uploaded, and an upload after it sends nothing unchanged', async () => {
    await uploadFolder(dir, store, { stateFile: stateFile(), target });
    const restored = path.join(root, 'restored');
    await mkdir(restored);
    const copied = await downloadFolder(store, restored, {
      stateFile: path.join(restored, '.upload.json'),
      target,
      last: ['job.json'],
    });
    expect(copied.files).toEqual(['embeddings.parquet', 'plots/cpr.svg', 'results.jsonl', 'job.json']);
    expect(await readFile(path.join(restored, 'plots', 'cpr.svg'), 'utf8')).toBe('<svg/>');
    const again = await uploadFolder(restored, store, {
      stateFile: path.join(restored, '.upload.json'),
      target,
    });
    expect(again.sent).toEqual([]);
    expect(again.unchanged).toHaveLength(4);
  });
});
