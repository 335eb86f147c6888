/**
 * Calibration images: a seeded sample of a job's inputs (a manifest or a folder, local or in
 * S3), read and preprocessed until enough are usable. Images that cannot be read or decoded are
 * skipped and counted, never fatal.
 */
import { Random } from '../core/random.js';
import { messageOf } from '../errors.js';
import { resolveInputs } from '../dataset/inputs.js';
import { openStore } from '../storage/open-store.js';
import type { InputSize } from '../worker/preprocess.js';
import { sha256Hex } from './provenance.js';

/** Turns image bytes into one model input (`3 x H x W` floats); throws for an unusable image. */
export type Preprocess = (bytes: Buffer, size: InputSize) => Promise<Float32Array>;

/** One usable image, preprocessed. */
export interface PreparedImage {
  key: string;
  /** SHA-256 of the image file's bytes (hex): what the model's provenance records. */
  sha256: string;
  tensor: Float32Array;
}

/** What sampling found. */
export interface SampledImages {
  /** Where the images came from (absolute path or `s3://` URL). */
  location: string;
  /** Images the location lists. */
  available: number;
  images: PreparedImage[];
  skipped: Array<{ key: string; reason: string }>;
}

/** Images read and decoded at once. */
const CONCURRENCY = 4;

/** Largest file read as one calibration image. */
const MAX_IMAGE_BYTES = 64 * 1024 * 1024;

/**
 * Up to `count` usable images from `location`, in a seeded random order of its keys: the same
 * inputs and seed give the same sample.
 */
export async function sampleImages(
  location: string,
  count: number,
  size: InputSize,
  preprocess: Preprocess,
  seed = 1,
): Promise<SampledImages> {
  const inputs = await resolveInputs(location);
  const keys = shuffled(inputs.keys, seed);
  const store = await openStore(inputs.storage);
  const images: PreparedImage[] = [];
  const skipped: SampledImages['skipped'] = [];
  try {
    let next = 0;
    while (images.length < count && next < keys.length) {
      const chunk = keys.slice(next, next + Math.min(CONCURRENCY, count - images.length));
      next += chunk.length;
      const done = await Promise.all(
        chunk.map(async (key): Promise<PreparedImage | { key: string; reason: string }> => {
          try {
            const bytes = await store.get(key, { maxBytes: MAX_IMAGE_BYTES });
            return { key, sha256: sha256Hex(bytes), tensor: await preprocess(bytes, size) };
          } catch (err) {
            return { key, reason: messageOf(err).split('\n')[0] ?? 'unreadable' };
          }
        }),
      );
      for (const d of done) {
        if ('tensor' in d) images.push(d);
        else skipped.push(d);
      }
    }
  } finally {
    await store.close();
  }
  return { location: inputs.source.location, available: keys.length, images, skipped };
}

/** A seeded Fisher-Yates shuffle (a copy). */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  const rng = new Random(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
