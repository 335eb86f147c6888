/**
 * Image bytes to a model's input, as a resolved preprocessing says: decoded, oriented by EXIF,
 * converted to 8-bit sRGB, then cut, resized and cut or padded in one libvips pipeline
 * (`image-geometry.ts` says where), and written as a tensor (`tensor.ts`). The default, preset
 * `imagenet`, is torchvision's evaluation transform: `Resize(256)` (bilinear, shorter side),
 * `CenterCrop(224)`, `ToTensor()`, `Normalize(mean, std)`.
 */
import type { KernelEnum, Sharp } from 'sharp';
import { PREPROCESS_PRESETS } from '../protocol/preprocess-presets.js';
import type { Interpolation, ResolvedPreprocess } from '../protocol/preprocess.js';
import { planGeometry, type ImageGeometry } from './image-geometry.js';
import { imageDecoder, type SharpModule } from './image-decoder.js';
import { readJpegHeader } from './jpeg-header.js';
import { resampleWindow } from './resample.js';
import { tensorWriter } from './tensor.js';

export { roundHalfEven } from './image-geometry.js';

/** Largest image (in pixels) we agree to decode: 100 megapixels, about 300 MB of RGB. */
export const MAX_INPUT_PIXELS = 100_000_000;

/** Images with alpha up to this size are decoded in two passes to drop alpha exactly as PIL does. */
const MAX_TWO_PASS_PIXELS = 16_000_000;

/** ImageNet channel statistics, RGB order, on the [0, 1] scale (preset `imagenet`). */
export const IMAGENET_MEAN = PREPROCESS_PRESETS.imagenet.values.mean;
export const IMAGENET_STD = PREPROCESS_PRESETS.imagenet.values.std;

/** What the model takes: a `height` x `width` image, three channels. */
export interface InputSize {
  height: number;
  width: number;
}

/** Preset `imagenet` at `size`: the default preprocessing. */
export function imagenetAt(size: InputSize): ResolvedPreprocess {
  const values = structuredClone(PREPROCESS_PRESETS.imagenet.values) as ResolvedPreprocess;
  return { ...values, size: { height: size.height, width: size.width } };
}

/** The libvips kernel of each interpolation. */
const KERNELS: Record<Interpolation, keyof KernelEnum> = {
  bilinear: 'linear',
  bicubic: 'cubic',
  nearest: 'nearest',
};

/** An image that could not be decoded; the message says why. */
export class ImageDecodeError extends Error {
  override name = 'ImageDecodeError';
}

/** An image's size after EXIF orientation. */
interface OrientedSize {
  width: number;
  height: number;
  hasAlpha: boolean;
  /**
   * Known to be stored upright (a JPEG whose header says orientation 1 or has none): libvips
   * need not look for an orientation, nor copy the image to drop the tag.
   */
  upright: boolean;
}

/**
 * Decoded dimensions of the image after EXIF orientation; fails for anything that is not a
 * readable image. A JPEG's are read from its header in JavaScript (`jpeg-header.ts`); other
 * images' through the same instance that then decodes the pixels.
 */
async function orientedSize(bytes: Buffer, image: Sharp): Promise<OrientedSize> {
  const jpeg = readJpegHeader(bytes);
  const meta = jpeg ? { ...jpeg, hasAlpha: false } : await image.metadata();
  if (!meta.width || !meta.height) throw new ImageDecodeError('image has no dimensions');
  const pixels = meta.width * meta.height;
  if (pixels > MAX_INPUT_PIXELS) {
    throw new ImageDecodeError(
      `image is ${meta.width}x${meta.height} (${(pixels / 1e6).toFixed(0)} MP), over the ${MAX_INPUT_PIXELS / 1e6} MP decode limit`,
    );
  }
  const swap = (meta.orientation ?? 1) >= 5;
  return {
    width: swap ? meta.height : meta.width,
    height: swap ? meta.width : meta.height,
    hasAlpha: meta.hasAlpha === true,
    upright: jpeg?.orientation === 1,
  };
}

/**
 * The model's view of one image, as interleaved 8-bit sRGB (`height x width x 3`, RGB order
 * whatever the model's channel order): decoded, oriented by EXIF, converted to sRGB (any colour
 * space, bit depth; alpha dropped as PIL's `convert('RGB')` does), then cut, resized and cut or
 * padded as `p` says. Throws {@link ImageDecodeError} for bytes that are not a decodable image,
 * and `ImageDecoderLoadError` when the decoder itself cannot be loaded (`image-decoder.ts`).
 */
export async function cropRgb(bytes: Buffer, p: ResolvedPreprocess): Promise<Buffer> {
  if (bytes.length === 0) throw new ImageDecodeError('empty file (0 bytes)');
  const sharp = await imageDecoder();
  try {
    const image = decoder(sharp, bytes);
    const dims = await orientedSize(bytes, image);
    if (dims.hasAlpha && dims.width * dims.height <= MAX_TWO_PASS_PIXELS) {
      // Drop alpha before resizing: resizing with alpha would premultiply the colours. (Huge
      // images skip this exact path rather than hold their whole decoded image in memory.)
      const { data, info } = await image
        .rotate()
        .toColourspace('srgb')
        .removeAlpha()
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true });
      const raw = { width: info.width, height: info.height, channels: info.channels };
      return await resizeAndCut(sharp(data, { raw, limitInputPixels: MAX_INPUT_PIXELS }), dims, p, false);
    }
    return await resizeAndCut(image, dims, p, !dims.upright);
  } catch (err) {
    if (err instanceof ImageDecodeError) throw err;
    throw new ImageDecodeError(`cannot decode image: ${describeSharpError(err)}`, { cause: err });
  }
}

function decoder(sharp: SharpModule, bytes: Buffer): Sharp {
  return sharp(bytes, {
    limitInputPixels: MAX_INPUT_PIXELS,
    failOn: 'warning',
    animated: false,
    // Pixel values as stored, as PIL (and so torchvision training) reads them: no ICC transform.
    ignoreIcc: true,
  });
}

async function resizeAndCut(
  image: Sharp,
  dims: { width: number; height: number },
  p: ResolvedPreprocess,
  orient: boolean,
): Promise<Buffer> {
  const plan = planGeometry(dims.width, dims.height, p);
  let pipeline = orient ? image.rotate() : image;
  if (plan.before) pipeline = pipeline.extract(plan.before);
  const [width, height] = plan.before ? [plan.before.width, plan.before.height] : [dims.width, dims.height];
  const enlarging = plan.resizeWidth > width || plan.resizeHeight > height;
  const data =
    (enlarging || p.interpolation === 'nearest') && width * height <= MAX_TWO_PASS_PIXELS
      ? await resampledInJs(pipeline, plan, p.interpolation)
      : await resampledByLibvips(pipeline, plan, p.interpolation);
  const expected = p.size.width * p.size.height * 3;
  if (data.length !== expected) {
    throw new ImageDecodeError(`decoder returned ${data.length} bytes, expected ${expected}`);
  }
  return data;
}

/**
 * Shrinking with bilinear or bicubic: one libvips pipeline (97 % of the pixels of real photos
 * within 1 grey level of Pillow's, 0.3 on average). A JPEG at least 4 times the target size
 * is decoded at 1/2, 1/4 or 1/8 scale (libjpeg's DCT scaling) but always leaves the kernel a
 * factor of 2 or more (`fastShrinkOnLoad: false`): at a factor of 3, decoding at half size
 * would save 2-3 ms per image but move pixels by 1-2 grey levels on average and up to 50.
 */
async function resampledByLibvips(
  pipeline: Sharp,
  plan: ImageGeometry,
  interpolation: Interpolation,
): Promise<Buffer> {
  let out = pipeline.toColourspace('srgb').resize(plan.resizeWidth, plan.resizeHeight, {
    fit: 'fill',
    kernel: KERNELS[interpolation],
    fastShrinkOnLoad: false,
  });
  if (plan.crop) out = out.extract(plan.crop);
  if (plan.pad) {
    const [r, g, b] = plan.pad.value;
    const { top, bottom, left, right } = plan.pad;
    out = out.extend({ top, bottom, left, right, background: { r, g, b } });
  }
  return out.removeAlpha().raw({ depth: 'uchar' }).toBuffer();
}

/**
 * Enlarging, and nearest neighbour: decoded by libvips, resampled as Pillow does
 * (`resample.ts`), then padded.
 */
async function resampledInJs(
  pipeline: Sharp,
  plan: ImageGeometry,
  interpolation: Interpolation,
): Promise<Buffer> {
  const { data, info } = await pipeline
    .toColourspace('srgb')
    .removeAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3)
    throw new ImageDecodeError(`decoder returned ${info.channels} channels, expected 3`);
  const window = plan.crop ?? { left: 0, top: 0, width: plan.resizeWidth, height: plan.resizeHeight };
  const source = { width: info.width, height: info.height, data };
  const pixels = resampleWindow(source, plan.resizeWidth, plan.resizeHeight, window, interpolation);
  if (!plan.pad) return Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  const { top, bottom, left, right, value } = plan.pad;
  const outWidth = window.width + left + right;
  const out = Buffer.alloc(outWidth * (window.height + top + bottom) * 3);
  for (let i = 0; i < out.length; i += 3) out.set(value, i);
  for (let y = 0; y < window.height; y++)
    out.set(
      pixels.subarray(y * window.width * 3, (y + 1) * window.width * 3),
      ((top + y) * outWidth + left) * 3,
    );
  return out;
}

function describeSharpError(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  if (/unsupported image format/i.test(text)) return 'not an image (unsupported or unknown format)';
  if (/pixel limit/i.test(text)) return `image larger than the ${MAX_INPUT_PIXELS / 1e6} MP decode limit`;
  return text.split('\n')[0]?.trim() || 'unknown decoder error';
}

/**
 * One image's model input under `p`: float32 or uint8, in `p`'s layout. Throws
 * {@link ImageDecodeError} for bytes that are not a decodable image.
 */
export async function preprocessInput(
  bytes: Buffer,
  p: ResolvedPreprocess,
): Promise<Float32Array | Uint8Array> {
  const rgb = await cropRgb(bytes, p);
  const writer = tensorWriter(p);
  const out = writer.allocate(1);
  writer.write(rgb, out, 0);
  return out;
}

/**
 * One image's model input under preset `imagenet` at `size`: normalised float32, planar `3 x
 * height x width` (one item of an NCHW batch).
 */
export async function preprocessImage(bytes: Buffer, size: InputSize): Promise<Float32Array> {
  return (await preprocessInput(bytes, imagenetAt(size))) as Float32Array;
}
