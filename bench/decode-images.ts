/**
 * The images of the decode benchmark (`bench/decode.ts`) and the check that decoding them gives
 * the same bytes as before: the worker benchmark's generated JPEGs, the labelled photos of
 * `shared/fixtures/imagenet`, and variants of a few photos that take the decoder's other paths
 * (each EXIF orientation, grey, CMYK, PNG with alpha, 16-bit PNG, small images that are
 * enlarged). `bench/decode-reference.json` holds, for each input and preset (by the first 64
 * bits of their SHA-256), those of `cropRgb`'s output as the code gave it when it was written.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { PRESET_NAMES, presetValues } from '../src/protocol/preprocess-presets.js';
import { cropRgb } from '../src/worker/preprocess.js';

/** A named set of encoded images. */
export interface ImageSet {
  name: string;
  files: Buffer[];
}

/** Output hash by input hash, then by preset name. */
export type DecodeReference = Record<string, Record<string, string>>;

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex').slice(0, 16);

/** Every file of `dir` (sorted by name), or null when the folder does not exist. */
export async function readFolder(dir: string): Promise<Buffer[] | null> {
  try {
    const names = (await fs.readdir(dir)).sort();
    return await Promise.all(names.map((n) => fs.readFile(path.join(dir, n))));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Images of `photos` re-encoded to take the decoder's other paths. */
export async function variantsOf(photos: Buffer[]): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const photo of photos) {
    for (let orientation = 1; orientation <= 8; orientation++)
      out.push(await sharp(photo).jpeg({ quality: 90 }).withMetadata({ orientation }).toBuffer());
    out.push(await sharp(photo).greyscale().jpeg({ quality: 90 }).toBuffer());
    out.push(await sharp(photo).toColourspace('cmyk').jpeg({ quality: 90 }).toBuffer());
    out.push(await sharp(photo).ensureAlpha(0.5).png().toBuffer());
    out.push(await sharp(photo).toColourspace('rgb16').png().toBuffer());
    out.push(await sharp(photo).greyscale().png().toBuffer());
    out.push(await sharp(photo).resize(160, 120, { fit: 'fill' }).jpeg({ quality: 90 }).toBuffer());
    out.push(await sharp(photo).resize(100, 900, { fit: 'fill' }).png().toBuffer());
  }
  return out;
}

/** `cropRgb`'s output hash of every image of `sets` under every preset. */
export async function outputHashes(sets: ImageSet[]): Promise<DecodeReference> {
  const hashes: DecodeReference = {};
  for (const set of sets) {
    for (const bytes of set.files) {
      const byPreset: Record<string, string> = {};
      for (const name of PRESET_NAMES) byPreset[name] = sha(await cropRgb(bytes, presetValues(name)));
      hashes[sha(bytes)] = byPreset;
    }
  }
  return hashes;
}

/** Per set: images whose every preset's output equals the reference's, of those it holds. */
export async function compareWithReference(
  sets: ImageSet[],
  reference: DecodeReference,
): Promise<Record<string, { identical: number; differ: number; notInReference: number }>> {
  const counts: Record<string, { identical: number; differ: number; notInReference: number }> = {};
  for (const set of sets) {
    const count = { identical: 0, differ: 0, notInReference: 0 };
    const current = await outputHashes([set]);
    for (const [input, byPreset] of Object.entries(current)) {
      const expected = reference[input];
      if (!expected) count.notInReference++;
      else if (PRESET_NAMES.every((name) => expected[name] === byPreset[name])) count.identical++;
      else count.differ++;
    }
    counts[set.name] = count;
  }
  return counts;
}
