/**
 * The one digest of a job's model and labels files, as a run and a dry run record it: the
 * file's SHA-256 and size, and a file that cannot be read as a regular file (a folder, a FIFO,
 * a missing one) refused as a `ModelError` naming it, never waited on.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../test/support/temp-dir.js';
import { ModelError } from '../errors.js';
import { jobFileDigest } from './job-model.js';

const tmp = useTempDir('obifaas-job-digest-');

describe('jobFileDigest', () => {
  it("is the file's SHA-256 and size", async () => {
    const file = path.join(tmp.path, 'labels.txt');
    await fs.writeFile(file, 'cat\ndog\n');
    const sha256 = createHash('sha256').update('cat\ndog\n').digest('hex');
    expect(await jobFileDigest(file, 'labels')).toEqual({ sha256, bytes: 8 });
  });

  it.each([
    ['a folder', (f: string) => fs.mkdir(f), /^model file .* is a folder$/],
    ['a FIFO', (f: string) => Promise.resolve(execFileSync('mkfifo', [f])), /^model file .* is a FIFO/],
    ['missing', () => Promise.resolve(), /^model file not found: /],
  ])('refuses a model file that is %s as a ModelError naming it', async (_, make, message) => {
    const file = path.join(tmp.path, `m-${Math.random().toString(36).slice(2)}.onnx`);
    await make(file);
    const err = await jobFileDigest(file, 'model').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toContain(file);
  });
});
