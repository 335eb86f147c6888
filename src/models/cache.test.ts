import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModelError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { BUILTIN_MODELS, builtinModelPath, ensureBuiltinModel, resolveModelPath } from './cache.js';
import { buildTiny } from './tiny.js';

describe('model cache', () => {
  let home: string;

  beforeEach(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'obifaas-models-'));
  });

  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('lists the builtin models', () => {
    expect([...BUILTIN_MODELS]).toEqual(['resnet50', 'tiny']);
  });

  it('builds a builtin model on first use, into <home>/models/<name>-r<recipe>-seed<seed>.onnx', async () => {
    const file = await ensureBuiltinModel('tiny', { home });
    expect(file).toBe(path.join(home, 'models', 'tiny-r1-seed0.onnx'));
    expect((await readFile(file)).equals(Buffer.from(buildTiny({ seed: 0 }).bytes))).toBe(true);

    const before = (await stat(file)).mtimeMs;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await ensureBuiltinModel('tiny', { home })).toBe(file);
    expect((await stat(file)).mtimeMs).toBe(before);

    const seeded = await ensureBuiltinModel('tiny', { home, seed: 7 });
    expect(seeded).toBe(path.join(home, 'models', 'tiny-r1-seed7.onnx'));
    expect((await readFile(seeded)).equals(Buffer.from(buildTiny({ seed: 7 }).bytes))).toBe(true);
  });

  it('builds once for concurrent callers and leaves no temporary files', async () => {
    const paths = await Promise.all([1, 2, 3].map(() => ensureBuiltinModel('tiny', { home, seed: 3 })));
    expect(new Set(paths).size).toBe(1);
    expect(await readdir(path.join(home, 'models'))).toEqual(['tiny-r1-seed3.onnx']);
  });

  it('fails with a ModelError naming the path when the cache cannot be written', async () => {
    const blocked = path.join(home, 'not-a-folder');
    await writeFileAtomic(blocked, new Uint8Array([1]));
    await expect(ensureBuiltinModel('tiny', { home: blocked })).rejects.toThrow(ModelError);
    await expect(ensureBuiltinModel('tiny', { home: blocked })).rejects.toThrow(
      `cannot write builtin model 'tiny' to '${path.join(blocked, 'models', 'tiny-r1-seed0.onnx')}'`,
    );
  });

  it('resolves builtin names to the cache and anything else to the path as given', async () => {
    expect(await resolveModelPath('tiny', { home })).toBe(builtinModelPath('tiny', { home }));
    expect(await resolveModelPath('./my-model.onnx', { home })).toBe('./my-model.onnx');
    expect(await resolveModelPath('/abs/resnet50', { home })).toBe('/abs/resnet50');
  });

  it('uses $OBIFAAS_HOME when no home is given', () => {
    const saved = process.env.OBIFAAS_HOME;
    process.env.OBIFAAS_HOME = home;
    try {
      expect(builtinModelPath('resnet50', { seed: 2 })).toBe(
        path.join(home, 'models', 'resnet50-r1-seed2.onnx'),
      );
    } finally {
      if (saved === undefined) delete process.env.OBIFAAS_HOME;
      else process.env.OBIFAAS_HOME = saved;
    }
  });
});
