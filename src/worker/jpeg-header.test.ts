import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { readJpegHeader } from './jpeg-header.js';

/** A small noisy image, so that the encoder writes real data. */
function noise(width: number, height: number, channels: 1 | 3 | 4): Sharp {
  const data = Buffer.alloc(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 251;
  return sharp(data, { raw: { width, height, channels } });
}

/** What libvips reads from the same bytes, in the same terms. */
async function libvipsHeader(bytes: Buffer): Promise<{ width: number; height: number; orientation: number }> {
  const meta = await sharp(bytes).metadata();
  return { width: meta.width as number, height: meta.height as number, orientation: meta.orientation ?? 1 };
}

describe('readJpegHeader', () => {
  it('reads the size and every EXIF orientation as libvips does', async () => {
    for (let orientation = 1; orientation <= 8; orientation++) {
      const jpeg = await noise(40, 24, 3).jpeg().withMetadata({ orientation }).toBuffer();
      expect(readJpegHeader(jpeg)).toEqual(await libvipsHeader(jpeg));
      expect(readJpegHeader(jpeg)?.orientation).toBe(orientation);
    }
  });

  it('reads baseline, progressive and greyscale JPEGs without EXIF as orientation 1', async () => {
    const images = [
      await noise(33, 17, 3).jpeg().toBuffer(),
      await noise(33, 17, 3).jpeg({ progressive: true }).toBuffer(),
      await noise(33, 17, 1).jpeg().toBuffer(),
      await noise(33, 17, 3).jpeg({ chromaSubsampling: '4:4:4', quality: 100 }).toBuffer(),
    ];
    for (const jpeg of images) {
      expect(readJpegHeader(jpeg)).toEqual({ width: 33, height: 17, orientation: 1 });
      expect(readJpegHeader(jpeg)).toEqual(await libvipsHeader(jpeg));
    }
  });

  it('leaves to libvips what it does not read exactly: CMYK, other formats, cut or odd headers', async () => {
    const cmyk = await noise(20, 10, 3).toColourspace('cmyk').jpeg().toBuffer();
    expect((await sharp(cmyk).metadata()).channels).toBe(4);
    expect(readJpegHeader(cmyk)).toBeNull();
    expect(readJpegHeader(await noise(20, 10, 4).png().toBuffer())).toBeNull();
    const jpeg = await noise(20, 10, 3).jpeg().withMetadata({ orientation: 3 }).toBuffer();
    expect(readJpegHeader(jpeg.subarray(0, 30))).toBeNull();
    expect(readJpegHeader(Buffer.alloc(0))).toBeNull();
    // Orientation 9 does not exist: libvips has its own rule for it.
    const { at, little } = orientationValue(jpeg);
    const odd = Buffer.from(jpeg);
    if (little) odd.writeUInt16LE(9, at);
    else odd.writeUInt16BE(9, at);
    expect(readJpegHeader(odd)).toBeNull();
  });

  it('reads an EXIF segment that follows the frame header, as libjpeg does', async () => {
    const jpeg = await noise(30, 20, 3).jpeg().withMetadata({ orientation: 8 }).toBuffer();
    // Move the APP1 segment to just before the scan.
    const app1 = jpeg.indexOf(Buffer.from([0xff, 0xe1]));
    const app1End = app1 + 2 + jpeg.readUInt16BE(app1 + 2);
    const sos = jpeg.indexOf(Buffer.from([0xff, 0xda]));
    const moved = Buffer.concat([
      jpeg.subarray(0, app1),
      jpeg.subarray(app1End, sos),
      jpeg.subarray(app1, app1End),
      jpeg.subarray(sos),
    ]);
    expect(moved.indexOf(Buffer.from([0xff, 0xc0]))).toBeLessThan(moved.indexOf(Buffer.from([0xff, 0xe1])));
    expect(await libvipsHeader(moved)).toEqual({ width: 30, height: 20, orientation: 8 });
    expect(readJpegHeader(moved)).toEqual({ width: 30, height: 20, orientation: 8 });
  });

  it('reads a JPEG held in a slice of a larger buffer', async () => {
    const jpeg = await noise(21, 13, 3).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const padded = Buffer.concat([Buffer.alloc(7, 0xab), jpeg]);
    expect(readJpegHeader(padded.subarray(7))).toEqual({ width: 21, height: 13, orientation: 6 });
  });
});

/** Where the orientation entry's value (tag 0x0112) of a JPEG's EXIF is, and its byte order. */
function orientationValue(jpeg: Buffer): { at: number; little: boolean } {
  const tiff = jpeg.indexOf('Exif\0\0') + 6;
  const little = jpeg.readUInt16BE(tiff) === 0x4949;
  const read16 = (at: number): number => (little ? jpeg.readUInt16LE(at) : jpeg.readUInt16BE(at));
  const ifd = tiff + (little ? jpeg.readUInt32LE(tiff + 4) : jpeg.readUInt32BE(tiff + 4));
  for (let i = 0; i < read16(ifd); i++) {
    const entry = ifd + 2 + i * 12;
    if (read16(entry) === 0x0112) return { at: entry + 8, little };
  }
  throw new Error('no orientation entry');
}
