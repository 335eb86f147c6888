/**
 * How image bytes become a model's input tensor (pure): the preprocessing spec as a user, a
 * config file or a model's metadata declares it (every field optional, a preset to start from),
 * and the resolved preprocessing a function receives in its payload (every field set).
 *
 * A pixel value `p` (0-255, in the image's sRGB) becomes `(p * scale - mean[c]) / std[c]` for
 * float32 input, and `p` itself for uint8 input. `mean` and `std` are listed in the order of
 * `channels`, the order the model sees them (a BGR model's mean is written B, G, R).
 */
import * as z from 'zod';
import { intRange, numberRange } from '../util/schema.js';

/** How the image is fitted to the model's size. */
export const RESIZE_MODES = ['shorter-side', 'squash', 'letterbox'] as const;
export const INTERPOLATIONS = ['bilinear', 'bicubic', 'nearest'] as const;
export const CHANNEL_ORDERS = ['RGB', 'BGR'] as const;
export const LAYOUTS = ['NCHW', 'NHWC'] as const;
export const INPUT_DTYPES = ['float32', 'uint8'] as const;

export type ResizeMode = (typeof RESIZE_MODES)[number];
export type Interpolation = (typeof INTERPOLATIONS)[number];
export type ChannelOrder = (typeof CHANNEL_ORDERS)[number];
export type Layout = (typeof LAYOUTS)[number];
export type InputDtype = (typeof INPUT_DTYPES)[number];

/** The longest side of a model input we take (pixels). */
export const MAX_INPUT_SIDE = 8192;

const side = intRange(1, MAX_INPUT_SIDE);
const fraction = numberRange({ min: 0, max: 1, exclusive: true });
const byte = intRange(0, 255);

/**
 * `resize`: `shorter-side` scales the shorter side to `resizeTo` (or to the crop size divided
 * by `cropFraction`) keeping the aspect ratio, then crops the centre; `squash` crops the central
 * `cropFraction` of each side and scales that to the size, whatever its aspect ratio; `letterbox`
 * scales the whole image to fit inside the size and pads the rest with `padValue`.
 */
export const resizeSchema = z.discriminatedUnion('mode', [
  z.strictObject({
    mode: z.literal('shorter-side'),
    cropFraction: fraction.optional(),
    resizeTo: side.optional(),
  }),
  z.strictObject({ mode: z.literal('squash'), cropFraction: fraction.optional() }),
  z.strictObject({
    mode: z.literal('letterbox'),
    padValue: z.union([byte, z.tuple([byte, byte, byte])]).optional(),
  }),
]);

/** `resize` as written: its mode alone (`squash`), or an object. */
const resizeInput = z.union([
  z.enum(RESIZE_MODES, { error: `expected one of ${RESIZE_MODES.map((m) => `'${m}'`).join(', ')}` }),
  resizeSchema,
]);

/** Three numbers, one per channel, or one number for all three. */
const perChannel = (range: Parameters<typeof numberRange>[0], what: string) =>
  z.union([numberRange(range), z.tuple([numberRange(range), numberRange(range), numberRange(range)])], {
    error: `expected three numbers (one per channel, in the model's order) or one for all, each ${what}`,
  });

/** `scale` as a number or a fraction written as text (`1/255`). */
const scaleInput = z.union([
  numberRange({ min: 0, exclusive: true }),
  z.string().regex(/^\s*\d+(\.\d+)?\s*\/\s*\d+(\.\d+)?\s*$/, {
    error: "expected a number > 0 or a fraction such as '1/255'",
  }),
]);

/**
 * The preprocessing fields, each optional: what a job spec's `preprocess:` section, a
 * `--preprocess-file` and a model's `obifaas.preprocess` metadata may set. `preset` names the
 * preset whose values fill the fields left out.
 */
export const preprocessFieldsShape = {
  preset: z.string().optional(),
  size: z
    .union([side, z.tuple([side, side])], {
      error: `expected [height, width] or one number for a square, each an integer from 1 to ${MAX_INPUT_SIDE}`,
    })
    .optional(),
  resize: resizeInput.optional(),
  interpolation: z.enum(INTERPOLATIONS).optional(),
  scale: scaleInput.optional(),
  mean: perChannel({ min: -1e6, max: 1e6 }, 'from -1e6 to 1e6').optional(),
  std: perChannel({ min: 0, max: 1e6, exclusive: true }, '> 0 and <= 1e6').optional(),
  channels: z.enum(CHANNEL_ORDERS).optional(),
  layout: z.enum(LAYOUTS).optional(),
  dtype: z.enum(INPUT_DTYPES).optional(),
};

/** A preprocessing spec as declared (a file, a model's metadata): every field optional. */
export const preprocessSpecSchema = z.strictObject(preprocessFieldsShape);

/** A preprocessing spec as declared. */
export type PreprocessSpec = z.output<typeof preprocessSpecSchema>;

/** The fields a spec may set besides `preset`, in the order they are shown. */
export const PREPROCESS_FIELDS = [
  'size',
  'resize',
  'interpolation',
  'scale',
  'mean',
  'std',
  'channels',
  'layout',
  'dtype',
] as const;

export type PreprocessField = (typeof PREPROCESS_FIELDS)[number];

/** `resize` with every setting given. */
export const resolvedResizeSchema = z.discriminatedUnion('mode', [
  z.strictObject({
    mode: z.literal('shorter-side'),
    cropFraction: fraction,
    /** The shorter side's length before the crop; null: the crop size over `cropFraction`. */
    resizeTo: side.nullable(),
  }),
  z.strictObject({ mode: z.literal('squash'), cropFraction: fraction }),
  z.strictObject({ mode: z.literal('letterbox'), padValue: z.tuple([byte, byte, byte]) }),
]);

export type ResolvedResize = z.output<typeof resolvedResizeSchema>;

const triple = (range: Parameters<typeof numberRange>[0]) =>
  z.tuple([numberRange(range), numberRange(range), numberRange(range)]);

/** The preprocessing a function runs, every field set (a payload's `preprocess`, `job.json`). */
export const resolvedPreprocessSchema = z.strictObject({
  size: z.strictObject({ height: side, width: side }),
  resize: resolvedResizeSchema,
  interpolation: z.enum(INTERPOLATIONS),
  scale: numberRange({ min: 0, exclusive: true }),
  mean: triple({ min: -1e6, max: 1e6 }),
  std: triple({ min: 0, max: 1e6, exclusive: true }),
  channels: z.enum(CHANNEL_ORDERS),
  layout: z.enum(LAYOUTS),
  dtype: z.enum(INPUT_DTYPES),
});

/** The preprocessing a function runs. */
export type ResolvedPreprocess = z.output<typeof resolvedPreprocessSchema>;

/** The value of a `scale` as written (`1/255` -> 0.00392...). */
export function scaleValue(scale: number | string): number {
  if (typeof scale === 'number') return scale;
  const [num, den] = scale.split('/').map((s) => Number(s.trim())) as [number, number];
  return num / den;
}

/** A `resize` as written, as an object (`'squash'` -> `{ mode: 'squash' }`). */
export function resizeObject(resize: NonNullable<PreprocessSpec['resize']>): z.output<typeof resizeSchema> {
  return typeof resize === 'string' ? ({ mode: resize } as z.output<typeof resizeSchema>) : resize;
}

/** The elements of one input tensor: `3 x height x width`. */
export function elementsPerImage(p: ResolvedPreprocess): number {
  return 3 * p.size.height * p.size.width;
}

/** The shape of one input in `p`'s layout: `[3, height, width]` (NCHW) or `[height, width, 3]` (NHWC). */
export function imageShape(p: ResolvedPreprocess): [number, number, number] {
  const { height, width } = p.size;
  return p.layout === 'NCHW' ? [3, height, width] : [height, width, 3];
}

/** A resolved preprocessing written back as a spec (every field given), e.g. into a model's metadata. */
export function specOfResolved(p: ResolvedPreprocess, preset?: string): PreprocessSpec {
  const resize: z.output<typeof resizeSchema> =
    p.resize.mode === 'shorter-side'
      ? p.resize.resizeTo === null
        ? { mode: p.resize.mode, cropFraction: p.resize.cropFraction }
        : { mode: p.resize.mode, resizeTo: p.resize.resizeTo }
      : p.resize.mode === 'squash'
        ? { mode: p.resize.mode, cropFraction: p.resize.cropFraction }
        : { mode: p.resize.mode, padValue: [...p.resize.padValue] };
  return {
    ...(preset !== undefined ? { preset } : {}),
    size: [p.size.height, p.size.width],
    resize,
    interpolation: p.interpolation,
    scale: p.scale,
    mean: [...p.mean],
    std: [...p.std],
    channels: p.channels,
    layout: p.layout,
    dtype: p.dtype,
  };
}
