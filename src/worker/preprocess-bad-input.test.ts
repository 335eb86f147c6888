/**
 * Images the decoder refuses, each with a clear message: what is not an image, what is cut short,
 * and what claims more pixels than the decode limit (refused from its header, before decoding).
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { rgbImage } from '../../test/support/reference-preprocess.js';
import { ImageDecodeError, MAX_INPUT_PIXELS, cropRgb as cropRgbWith, imagenetAt } from './preprocess.js';

const cropRgb = (bytes: Buffer): Promise<Buffer> =>
  cropRgbWith(bytes, imagenetAt({ width: 224, height: 224 }));

describe('cropRgb bad input', () => {
  it.each([
    ['an empty file', Buffer.alloc(0), /empty file/],
    ['text', Buffer.from('hello, this is not an image\n'), /not an image/],
    [
      'an SVG document',
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>'),
      /not an image/,
    ],
    [
      'random bytes',
      Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
      /not an image|cannot decode/,
    ],
  ])('rejects %s with a clear message', async (_name, bytes, message) => {
    await expect(cropRgb(bytes)).rejects.toThrow(ImageDecodeError);
    await expect(cropRgb(bytes)).rejects.toThrow(message);
  });

  it('rejects a truncated JPEG', async () => {
    const jpeg = await sharp(Buffer.from(rgbImage(300, 200, (x, y) => [x, y, 50]).data), {
      raw: { width: 300, height: 200, channels: 3 },
    })
      .jpeg()
      .toBuffer();
    await expect(cropRgb(jpeg.subarray(0, Math.floor(jpeg.length / 2)))).rejects.toThrow(
      /cannot decode image/,
    );
  });

  it('refuses an image whose header claims more pixels than the decode limit', async () => {
    const huge = pngHeaderOnly(200_000, 200_000);
    expect(200_000 * 200_000).toBeGreaterThan(MAX_INPUT_PIXELS);
    await expect(cropRgb(huge)).rejects.toThrow(/decode limit/);
  });
});

/** A PNG signature and IHDR chunk for `width x height` RGB, then a tiny IDAT and IEND. */
function pngHeaderOnly(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const signature = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  return Buffer.concat([
    signature,
    chunk('IHDR', ihdr),
    chunk('IDAT', Buffer.from([0x78, 0x9c, 3, 0, 0, 0, 0, 1])),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
