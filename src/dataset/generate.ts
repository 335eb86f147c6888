/**
 * Writes a synthetic, ImageNet-like dataset: JPEGs of realistic sizes and content under
 * `images/`, and a `manifest.txt` listing their keys. Deterministic from the seed: the same seed
 * gives the same bytes (with the same sharp build).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { UserError } from '../errors.js';
import { FsBlobStore } from '../storage/fs/fs-store.js';
import { Semaphore } from '../util/semaphore.js';
import { MANIFEST_FILE_NAME, writeManifest } from './manifest.js';
import { renderImage } from './render.js';
import { DEFAULT_QUALITY, planImage, type ImagePlan } from './size-plan.js';
import { makeFolder } from '../util/make-folder.js';

/** The seed used when none is given. */
export const DEFAULT_DATASET_SEED = 1;

/** The most images one dataset may hold. */
export const MAX_DATASET_COUNT = 10_000_000;

/** Images written so far, of the total. */
export interface DatasetProgress {
  done: number;
  total: number;
  /** JPEG bytes written so far. */
  bytes: number;
}

/** A synthetic dataset to write: how many images, where, and from which seed. */
export interface GenerateDatasetOptions {
  count: number;
  /** Folder to write `manifest.txt` and `images/` into (created when missing). */
  outDir: string;
  seed?: number;
  /** JPEG quality range (inclusive); default 85..95. */
  qualityMin?: number;
  qualityMax?: number;
  /** Images rendered or being encoded at once; default twice the number of cores. */
  concurrency?: number;
  /** Called after each image is written. */
  onProgress?: (progress: DatasetProgress) => void;
}

/** A dataset written: its manifest, keys and size. */
export interface GeneratedDataset {
  /** Absolute path of the manifest; its keys are relative to its folder. */
  manifestPath: string;
  keys: string[];
  /** Total JPEG bytes written. */
  bytes: number;
}

/** The key of image `index` in a dataset of `count` images: `images/00042.jpg`. */
export function imageKey(index: number, count: number): string {
  const digits = Math.max(5, String(Math.max(0, count - 1)).length);
  return `images/${String(index).padStart(digits, '0')}.jpg`;
}

/** Renders and encodes the image a plan describes. */
export async function encodePlannedImage(plan: ImagePlan): Promise<Buffer> {
  const pixels = renderImage(plan.width, plan.height, plan.contentSeed);
  return sharp(pixels, { raw: { width: plan.width, height: plan.height, channels: 3 } })
    .jpeg({ quality: plan.quality, chromaSubsampling: '4:2:0' })
    .toBuffer();
}

function checkOptions(options: GenerateDatasetOptions): Required<Omit<GenerateDatasetOptions, 'onProgress'>> {
  const { count, outDir } = options;
  const seed = options.seed ?? DEFAULT_DATASET_SEED;
  const qualityMin = options.qualityMin ?? DEFAULT_QUALITY.qualityMin;
  const qualityMax = options.qualityMax ?? DEFAULT_QUALITY.qualityMax;
  const concurrency = options.concurrency ?? Math.max(2, 2 * os.availableParallelism());
  if (!Number.isInteger(count) || count < 1 || count > MAX_DATASET_COUNT) {
    throw new UserError(`count: expected an integer from 1 to ${MAX_DATASET_COUNT}, got ${count}`);
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new UserError(`seed: expected an integer from 0 to ${0xffffffff}, got ${seed}`);
  }
  for (const [name, value] of [
    ['qualityMin', qualityMin],
    ['qualityMax', qualityMax],
  ] as const) {
    if (!Number.isInteger(value) || value < 1 || value > 100) {
      throw new UserError(`${name}: expected an integer from 1 to 100, got ${value}`);
    }
  }
  if (qualityMin > qualityMax) {
    throw new UserError(`qualityMin (${qualityMin}) must not be above qualityMax (${qualityMax})`);
  }
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new UserError(`concurrency: expected an integer >= 1, got ${concurrency}`);
  }
  if (typeof outDir !== 'string' || outDir.trim() === '') throw new UserError('outDir: a folder is required');
  return { count, outDir: path.resolve(outDir), seed, qualityMin, qualityMax, concurrency };
}

async function prepareFolder(outDir: string): Promise<void> {
  const stat = await fs.stat(outDir).catch(() => undefined);
  if (stat !== undefined && !stat.isDirectory()) {
    throw new UserError(`output folder '${outDir}' is a file`);
  }
  await makeFolder(path.join(outDir, 'images'));
}

/**
 * Writes `count` JPEGs and the manifest listing them (written last, so a manifest means a
 * complete dataset). Rendering runs on this thread while sharp encodes on its own threads;
 * at most `concurrency` images are in flight.
 */
export async function generateDataset(options: GenerateDatasetOptions): Promise<GeneratedDataset> {
  const { count, outDir, seed, qualityMin, qualityMax, concurrency } = checkOptions(options);
  await prepareFolder(outDir);
  const store = new FsBlobStore(outDir);
  const keys = Array.from({ length: count }, (_, index) => imageKey(index, count));
  const slots = new Semaphore(concurrency);
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let done = 0;
  let bytes = 0;

  for (let index = 0; index < count && failure === undefined; index++) {
    await slots.acquire();
    if (failure !== undefined) {
      slots.release();
      break;
    }
    const plan = planImage(seed, index, { qualityMin, qualityMax });
    const task = encodePlannedImage(plan)
      .then(async (jpeg) => {
        await store.put(keys[index] as string, jpeg);
        done++;
        bytes += jpeg.length;
        options.onProgress?.({ done, total: count, bytes });
      })
      .catch((err: unknown) => {
        failure ??= err;
      })
      .finally(() => {
        slots.release();
        inFlight.delete(task);
      });
    inFlight.add(task);
    // Let finished encodes report between renders (rendering holds this thread).
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  await Promise.all(inFlight);
  if (failure !== undefined) {
    if (failure instanceof UserError) throw failure;
    throw new UserError(`cannot write dataset to '${outDir}': ${(failure as Error).message}`, {
      cause: failure,
    });
  }

  const manifestPath = path.join(outDir, MANIFEST_FILE_NAME);
  await writeManifest(manifestPath, keys, [
    `obifaas synthetic dataset: ${count} JPEG images, seed ${seed}, quality ${qualityMin}-${qualityMax}`,
    'keys are relative to this folder',
  ]);
  return { manifestPath, keys, bytes };
}
