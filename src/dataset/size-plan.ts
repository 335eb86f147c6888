/**
 * The size, shape and JPEG quality of each image of a synthetic dataset, chosen to look like
 * ImageNet: mostly about 500 px on the long side, landscape more often than portrait, a few
 * square, about 5 % small (short side under 200 px) and about 5 % large (long side over
 * 1000 px). Pure and deterministic: image `i` of a seed is the same whatever the count, so a
 * smaller dataset is a prefix of a larger one.
 */
import { Random } from '../core/random.js';

export type SizeClass = 'small' | 'normal' | 'large';
export type Orientation = 'landscape' | 'portrait' | 'square';

/** Everything needed to render and encode one image. */
export interface ImagePlan {
  index: number;
  width: number;
  height: number;
  /** JPEG quality, 1..100. */
  quality: number;
  sizeClass: SizeClass;
  orientation: Orientation;
  /** Seed of this image's own random stream (for its content). */
  contentSeed: number;
}

export interface QualityRange {
  qualityMin: number;
  qualityMax: number;
}

/** JPEG quality range of ImageNet-like photos. */
export const DEFAULT_QUALITY: QualityRange = { qualityMin: 85, qualityMax: 95 };

/** Shares of each size class and orientation. */
export const SIZE_MIX = { small: 0.05, large: 0.05, landscape: 0.6, portrait: 0.3, square: 0.1 } as const;

/** Usual photo aspect ratios (long side / short side). */
const ASPECTS = [4 / 3, 4 / 3, 4 / 3, 3 / 2, 3 / 2, 5 / 4, 16 / 10, 16 / 9] as const;

const GOLDEN = 0.6180339887498949;
const SILVER = 0.41421356237309515;

/** A 32-bit hash of (seed, index, stream) that spreads nearby inputs far apart. */
export function mixSeed(seed: number, index: number, stream = 0): number {
  let z =
    (Math.imul(seed >>> 0, 0x9e3779b1) ^
      Math.imul(index + 1, 0x85ebca77) ^
      Math.imul(stream + 1, 0xc2b2ae3d)) >>>
    0;
  z = Math.imul(z ^ (z >>> 16), 0x7feb352d) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x846ca68b) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

function fraction(x: number): number {
  return x - Math.floor(x);
}

/**
 * Size class and orientation come from low-discrepancy sequences (not independent draws), so
 * every run of about 20 consecutive images holds its share of small and large ones.
 */
export function planImage(seed: number, index: number, quality: QualityRange = DEFAULT_QUALITY): ImagePlan {
  const rng = new Random(mixSeed(seed, index, 1));
  const u = fraction(mixSeed(seed, 0, 2) / 4294967296 + index * GOLDEN);
  const v = fraction(mixSeed(seed, 0, 3) / 4294967296 + index * SILVER);
  const sizeClass: SizeClass =
    u < SIZE_MIX.small ? 'small' : u < SIZE_MIX.small + SIZE_MIX.large ? 'large' : 'normal';
  const orientation: Orientation =
    v < SIZE_MIX.landscape ? 'landscape' : v < SIZE_MIX.landscape + SIZE_MIX.portrait ? 'portrait' : 'square';

  const aspect = orientation === 'square' ? rng.uniform(1, 1.04) : rng.pick(ASPECTS);
  let long: number;
  if (sizeClass === 'small') {
    long = Math.round(rng.uniform(64, 199) * aspect);
  } else if (sizeClass === 'large') {
    long = rng.int(1024, 1600);
  } else if (orientation === 'landscape') {
    long = rng.next() < 0.45 ? 500 : rng.int(480, 760);
  } else if (orientation === 'portrait') {
    long = rng.next() < 0.6 ? 500 : rng.int(375, 520);
  } else {
    long = rng.int(300, 450);
  }
  const short = Math.max(1, Math.round(long / aspect));
  const [width, height] = orientation === 'portrait' ? [short, long] : [long, short];
  return {
    index,
    width,
    height,
    quality: rng.int(quality.qualityMin, quality.qualityMax),
    sizeClass,
    orientation,
    contentSeed: mixSeed(seed, index, 4),
  };
}

/** Plans for images `0 .. count-1`. */
export function planDataset(
  count: number,
  seed: number,
  quality: QualityRange = DEFAULT_QUALITY,
): ImagePlan[] {
  return Array.from({ length: count }, (_, index) => planImage(seed, index, quality));
}
