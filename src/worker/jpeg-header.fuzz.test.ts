/**
 * Fuzzing of the JPEG header reader against libvips: mutants of real headers (EXIF before and
 * after the frame, baseline, progressive, greyscale, CMYK), a cut at every length, and random
 * bytes. The reader must never throw, and every header it reads must be the one libvips reads
 * from the same bytes; where libvips refuses the bytes, the decoder refuses them too.
 */
import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { fuzz, mutants, truncations } from '../../test/support/fuzz.js';
import { readJpegHeader, type JpegHeader } from './jpeg-header.js';

function noise(width: number, height: number, channels: 1 | 3): Sharp {
  const data = Buffer.alloc(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 251;
  return sharp(data, { raw: { width, height, channels } });
}

const SOS = Buffer.from([0xff, 0xda]);

/** An EXIF segment moved after the frame header, where libjpeg still reads it. */
function exifAfterFrame(jpeg: Buffer): Buffer {
  const app1 = jpeg.indexOf(Buffer.from([0xff, 0xe1]));
  const app1End = app1 + 2 + jpeg.readUInt16BE(app1 + 2);
  const sos = jpeg.indexOf(SOS);
  return Buffer.concat([
    jpeg.subarray(0, app1),
    jpeg.subarray(app1End, sos),
    jpeg.subarray(app1, app1End),
    jpeg.subarray(sos),
  ]);
}

async function samples(): Promise<Buffer[]> {
  const oriented = await noise(9, 7, 3).jpeg().withMetadata({ orientation: 6 }).toBuffer();
  return [
    oriented,
    exifAfterFrame(oriented),
    await noise(9, 7, 3).jpeg({ progressive: true }).toBuffer(),
    await noise(9, 7, 1).jpeg().withMetadata({ orientation: 3 }).toBuffer(),
    await noise(9, 7, 3).toColourspace('cmyk').jpeg().toBuffer(),
  ];
}

/** The header up to its scan and a few bytes of it: where mutations change what is read. */
const headerOf = (jpeg: Buffer): Buffer => jpeg.subarray(0, jpeg.indexOf(SOS) + 16);

/** What libvips reads of the header, or null when it refuses the bytes. */
async function libvipsHeader(bytes: Uint8Array): Promise<JpegHeader | null> {
  try {
    const meta = await sharp(Buffer.from(bytes), { failOn: 'none' }).metadata();
    return { width: meta.width as number, height: meta.height as number, orientation: meta.orientation ?? 1 };
  } catch {
    return null;
  }
}

describe('readJpegHeader on mutated and random bytes', () => {
  it('never throws, and reads only what libvips reads the same', async () => {
    const jpegs = await samples();
    const headers = jpegs.map(headerOf);
    const seen = { agreed: 0, leftToLibvips: 0, refusedByBoth: 0, refusedByLibvips: 0 };
    const cases = [
      ...mutants(headers, 1, 1500),
      ...mutants(jpegs, 2, 300),
      ...truncations(headers[1] as Buffer, 'EXIF after the frame'),
    ];
    const count = await fuzz(cases, async (bytes) => {
      const ours = readJpegHeader(bytes);
      const reference = await libvipsHeader(bytes);
      if (ours) {
        expect(Number.isInteger(ours.width) && ours.width >= 1 && ours.width <= 0xffff).toBe(true);
        expect(Number.isInteger(ours.height) && ours.height >= 1 && ours.height <= 0xffff).toBe(true);
        expect(ours.orientation).toBeGreaterThanOrEqual(1);
        expect(ours.orientation).toBeLessThanOrEqual(8);
        // Read where libvips cannot: the decoder, which is libvips, then refuses the image.
        if (reference) expect(ours).toEqual(reference);
        if (reference) seen.agreed++;
        else seen.refusedByLibvips++;
      } else if (reference) seen.leftToLibvips++;
      else seen.refusedByBoth++;
    });
    expect(count).toBe(cases.length);
    // Every outcome is exercised, so the comparison above is not empty.
    expect(seen.agreed).toBeGreaterThan(100);
    expect(seen.leftToLibvips).toBeGreaterThan(100);
    expect(seen.refusedByBoth).toBeGreaterThan(100);
  });
});
