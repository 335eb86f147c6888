/**
 * A function's external-data checks kept per model file identity: a passed check is reused
 * while the model and the files its external data paths lead to are the same; a touched model, a
 * rewritten weights file or a link retargeted out of the model's folder is checked again (and
 * the last refused); a refused model is never kept; a model fetched from a remote store is kept
 * apart from the same file read in place.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { externalDataModel } from '../../test/adversarial/support/hostile-models.js';
import { useTempDir } from '../../test/support/temp-dir.js';
import { ModelError } from '../errors.js';
import { ExternalDataChecks } from './external-data-cache.js';

const tmp = useTempDir('obifaas-external-cache-', { each: true });
let models: string;
let weights: string;

beforeEach(async () => {
  const dir = await fs.realpath(tmp.path);
  models = path.join(dir, 'models');
  weights = path.join(models, 'weights', 'w.bin');
  await fs.mkdir(path.dirname(weights), { recursive: true });
  await fs.writeFile(weights, Buffer.alloc(64, 7));
  await fs.writeFile(path.join(dir, 'canary.txt'), 'CANARY-external-data\n'.repeat(4));
});

async function model(name: string, location: string): Promise<string> {
  const file = path.join(models, name);
  await fs.writeFile(file, externalDataModel(location, 16, 8));
  return file;
}

/** Sets a file's modification time `seconds` after the epoch's 2020 (a change, whatever the clock). */
const touch = (file: string, seconds: number): Promise<void> =>
  fs.utimes(file, 1_577_836_800 + seconds, 1_577_836_800 + seconds);

const refusal = (checks: ExternalDataChecks, file: string, rules = {}): Promise<unknown> =>
  checks.check(file, rules).then(
    () => null,
    (err: unknown) => err,
  );

describe('ExternalDataChecks', () => {
  it('reuses a passed check while the model and its weights are the same files', async () => {
    const checks = new ExternalDataChecks();
    const file = await model('m.onnx', 'weights/w.bin');
    const first = await checks.check(file, {});
    expect(first).toEqual([{ file: weights, bytes: 16 }]);
    expect(await checks.check(file, {})).toEqual(first);
    expect(await checks.check(file, {})).toEqual(first);
    expect(checks.checksRun).toBe(1);
  });

  it('checks again when the model or a weights file changed', async () => {
    const checks = new ExternalDataChecks();
    const file = await model('m.onnx', 'weights/w.bin');
    await checks.check(file, {});
    await touch(file, 1);
    await checks.check(file, {});
    expect(checks.checksRun).toBe(2);
    await fs.writeFile(weights, Buffer.alloc(64, 9));
    await touch(weights, 2);
    await checks.check(file, {});
    expect(checks.checksRun).toBe(3);
    // Shrunk below the bytes the model reads: checked again, and refused.
    await fs.writeFile(weights, Buffer.alloc(8));
    const err = await refusal(checks, file);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as Error).message).toMatch(/run past the end of the file \(8 bytes\)/);
  });

  it('refuses a link retargeted out of the folder after its check passed', async () => {
    const checks = new ExternalDataChecks();
    const link = path.join(models, 'in.bin');
    await fs.symlink(weights, link);
    const file = await model('linked.onnx', 'in.bin');
    expect(await checks.check(file, {})).toEqual([{ file: weights, bytes: 16 }]);
    await fs.rm(link);
    await fs.symlink(path.join(path.dirname(models), 'canary.txt'), link);
    const err = await refusal(checks, file);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as Error).message).toMatch(/is a symbolic link leading out of the model's folder/);
    expect(checks.checksRun).toBe(2);
  });

  it('keeps no refused check, and keeps a fetched model apart from the same file in place', async () => {
    const checks = new ExternalDataChecks();
    const missing = await model('missing.onnx', 'weights/none.bin');
    for (let i = 0; i < 2; i++) expect(await refusal(checks, missing)).toBeInstanceOf(ModelError);
    expect(checks.checksRun).toBe(2);

    const file = await model('m.onnx', 'weights/w.bin');
    await checks.check(file, {});
    const fetched = await refusal(checks, file, { fetchedFrom: 's3://models/m.onnx' });
    expect((fetched as Error).message).toMatch(
      /external data cannot follow a model fetched from a remote store/,
    );
    expect(checks.checksRun).toBe(4);
  });

  it('keeps as many models as it is given, dropping the least recently used', async () => {
    const checks = new ExternalDataChecks(1);
    const a = await model('a.onnx', 'weights/w.bin');
    const b = await model('b.onnx', 'weights/w.bin');
    await checks.check(a, {});
    await checks.check(a, {});
    await checks.check(b, {});
    await checks.check(a, {});
    expect(checks.checksRun).toBe(3);
  });
});
