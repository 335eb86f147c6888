/**
 * int8 versions of the builtin models (`obifaas model build resnet50 --int8`), for benchmarks
 * and the demo: the float32 model quantized on a synthetic calibration set of the same kind of
 * images the demo classifies, and cached beside it. (Synthetic images are fine here because the
 * builtin weights are synthetic too; a real model needs real calibration images.)
 */
import path from 'node:path';
import { generateDataset } from '../dataset/generate.js';
import { MANIFEST_FILE_NAME } from '../dataset/manifest.js';
import { type BuiltinModelName, ensureBuiltinModel, isBuiltinModelName } from '../models/cache.js';
import { BUILTIN_RECIPE_VERSION } from '../models/cache.js';
import { checkSeed } from '../models/built-model.js';
import { obifaasHome, pathExists } from '../util/paths.js';
import { quantizeModel } from './quantize-model.js';
import type { QuantizeReport } from './report.js';

/**
 * Version of the int8 recipe (quantizer and calibration set); bump it when either changes.
 * 2: the metadata records digests of the model and calibration images instead of the calibration
 * folder's path, so the file no longer depends on where the cache lives.
 */
export const INT8_RECIPE_VERSION = 2;

/** Seed of the synthetic calibration images (the demo and benchmarks use other seeds). */
const CALIBRATION_SEED = 20;
const CALIBRATION_IMAGES = 64;
const HELD_OUT_IMAGES = 16;

/** Where to keep the models and which weights. */
export interface Int8CacheOptions {
  home?: string;
  seed?: number;
  /** Called with the report when the model is built (not when it comes from the cache). */
  onBuilt?: (report: QuantizeReport) => void;
}

/** The cache path of a builtin model's int8 version (whether or not it is built yet). */
export function int8BuiltinModelPath(name: BuiltinModelName, options: Int8CacheOptions = {}): string {
  const seed = checkSeed(options.seed ?? 0);
  return path.join(
    options.home ?? obifaasHome(),
    'models',
    `${name}-int8-r${BUILTIN_RECIPE_VERSION}-q${INT8_RECIPE_VERSION}-seed${seed}.onnx`,
  );
}

const building = new Map<string, Promise<string>>();

/**
 * The path of a builtin model's int8 version, built (float32 model, calibration set,
 * quantization) on first use and cached.
 */
export async function ensureInt8BuiltinModel(name: string, options: Int8CacheOptions = {}): Promise<string> {
  if (!isBuiltinModelName(name)) throw new RangeError(`unknown builtin model '${name}'`);
  const home = options.home ?? obifaasHome();
  const file = int8BuiltinModelPath(name, { ...options, home });
  if (await pathExists(file)) return file;
  let pending = building.get(file);
  if (!pending) {
    pending = (async () => {
      const model = await ensureBuiltinModel(name, { home, seed: options.seed });
      const dataset = path.join(
        home,
        'datasets',
        `calibration-${CALIBRATION_IMAGES + HELD_OUT_IMAGES}-seed${CALIBRATION_SEED}`,
      );
      const manifest = path.join(dataset, MANIFEST_FILE_NAME);
      if (!(await pathExists(manifest))) {
        await generateDataset({
          count: CALIBRATION_IMAGES + HELD_OUT_IMAGES,
          outDir: dataset,
          seed: CALIBRATION_SEED,
        });
      }
      const report = await quantizeModel({
        model,
        out: file,
        calibration: manifest,
        images: CALIBRATION_IMAGES,
        heldOut: HELD_OUT_IMAGES,
        // Synthetic weights and images: min-max, as the cached builds of earlier versions.
        method: 'minmax',
        metadata: { 'obifaas.model': `${name}-int8` },
      });
      options.onBuilt?.(report);
      return file;
    })().finally(() => building.delete(file));
    building.set(file, pending);
  }
  return pending;
}
