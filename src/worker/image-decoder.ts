/**
 * The image decoder (sharp, over libvips), loaded on first use rather than at start-up: its
 * import takes about 200 ms, which a function's start-up would otherwise add to every cold
 * start before the model even begins to load. A worker session starts it once the model's
 * inference threads are loading (`worker-session.ts`), so that the two overlap; the first image
 * awaits it. A decoder that fails to load fails each image that needs it, with an error naming
 * the decoder and why (every input still gets its result line).
 */
import type sharpModule from 'sharp';

/** The sharp function (`sharp(bytes, options)`) and its global settings. */
export type SharpModule = typeof sharpModule;

/** The decoder could not be loaded (a missing or incompatible native library). */
export class ImageDecoderLoadError extends Error {
  override name = 'ImageDecoderLoadError';
}

let loading: Promise<SharpModule> | undefined;

async function load(): Promise<SharpModule> {
  let sharp: SharpModule;
  try {
    sharp = (await import('sharp')).default;
  } catch (err) {
    const why = err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);
    throw new ImageDecoderLoadError(`image decoder unavailable: cannot load sharp (${why})`, { cause: err });
  }
  // libvips: one thread per image (we decode several images at once) and no operation cache
  // (every image is new, and the cache only holds memory).
  sharp.concurrency(1);
  sharp.cache(false);
  // Inputs are untrusted photos: vector documents (SVG) are not rendered.
  sharp.block({ operation: ['VipsForeignLoadSvg'] });
  return sharp;
}

/** The decoder, loaded once per process (a failed load is kept: every later call fails the same way). */
export function imageDecoder(): Promise<SharpModule> {
  loading ??= load();
  return loading;
}

/** Starts loading the decoder, if it has not started, without waiting for it (errors surface at first use). */
export function preloadImageDecoder(): void {
  imageDecoder().catch(() => undefined);
}
