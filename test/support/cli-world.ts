/**
 * The world of the CLI's in-process tests: a temporary folder that is `OBIFAAS_HOME` while the
 * file's tests run (the variable is put back after) and a 6-image dataset in it.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { generateDataset } from '../../src/dataset/generate.js';

/** Sets up the world before the file's tests and removes it after; the fields are set once it runs. */
export function useCliWorld(prefix: string): { dir: string; manifest: string } {
  const world = { dir: '', manifest: '' };
  const savedHome = process.env.OBIFAAS_HOME;
  beforeAll(async () => {
    world.dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
    process.env.OBIFAAS_HOME = path.join(world.dir, 'home');
    const data = await generateDataset({ count: 6, outDir: path.join(world.dir, 'data'), seed: 5 });
    world.manifest = data.manifestPath;
  });
  afterAll(async () => {
    if (savedHome === undefined) delete process.env.OBIFAAS_HOME;
    else process.env.OBIFAAS_HOME = savedHome;
    if (world.dir) await fs.rm(world.dir, { recursive: true, force: true });
  });
  return world;
}
