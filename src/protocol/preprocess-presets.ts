/**
 * The preprocessing presets (pure data), each the convention of the library its models come
 * from. A preset's size applies where the model leaves its size open; a model with a fixed
 * input size is fed at that size (the resize scales with it).
 */
import type { ResolvedPreprocess } from './preprocess.js';

/** A named preprocessing convention and where it comes from. */
export interface PreprocessPreset {
  /** What the preset is for, in a few words. */
  summary: string;
  /** The convention it reproduces, named after its source library. */
  source: string;
  values: ResolvedPreprocess;
}

const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];

/** Every preset by name; `imagenet` is the default. */
export const PREPROCESS_PRESETS = {
  imagenet: {
    summary: 'ImageNet classifiers trained with torchvision (the default)',
    source:
      'torchvision: Resize(256) (bilinear, shorter side), CenterCrop(224), ToTensor(), Normalize(ImageNet mean, std); RGB, NCHW, float32',
    values: {
      size: { height: 224, width: 224 },
      resize: { mode: 'shorter-side', cropFraction: 224 / 256, resizeTo: null },
      interpolation: 'bilinear',
      scale: 1 / 255,
      mean: IMAGENET_MEAN,
      std: IMAGENET_STD,
      channels: 'RGB',
      layout: 'NCHW',
      dtype: 'float32',
    },
  },
  inception: {
    summary: 'Inception-style models: 299 px, pixels scaled to [-1, 1]',
    source:
      "TF-slim inception_preprocessing (eval): central_crop(0.875), bilinear resize to 299x299; Keras preprocess_input(mode='tf'): x / 127.5 - 1; RGB, NHWC, float32",
    values: {
      size: { height: 299, width: 299 },
      resize: { mode: 'squash', cropFraction: 0.875 },
      interpolation: 'bilinear',
      scale: 1 / 255,
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.5, 0.5],
      channels: 'RGB',
      layout: 'NHWC',
      dtype: 'float32',
    },
  },
  clip: {
    summary: 'CLIP image encoders',
    source:
      "OpenAI CLIP's _transform: Resize(224, bicubic) (shorter side), CenterCrop(224), ToTensor(), Normalize(CLIP mean, std); RGB, NCHW, float32",
    values: {
      size: { height: 224, width: 224 },
      resize: { mode: 'shorter-side', cropFraction: 1, resizeTo: null },
      interpolation: 'bicubic',
      scale: 1 / 255,
      mean: [0.48145466, 0.4578275, 0.40821073],
      std: [0.26862954, 0.26130258, 0.27577711],
      channels: 'RGB',
      layout: 'NCHW',
      dtype: 'float32',
    },
  },
  caffe: {
    summary: 'Caffe models (and Keras caffe-mode exports, with layout NHWC): BGR, 0-255, mean subtracted',
    source:
      "Caffe / Keras preprocess_input(mode='caffe'): BGR, 0-255, minus the ImageNet mean pixel (B 103.939, G 116.779, R 123.68), no std; shorter side 256, centre crop 224, bilinear; NCHW, float32",
    values: {
      size: { height: 224, width: 224 },
      resize: { mode: 'shorter-side', cropFraction: 224 / 256, resizeTo: null },
      interpolation: 'bilinear',
      scale: 1,
      mean: [103.939, 116.779, 123.68],
      std: [1, 1, 1],
      channels: 'BGR',
      layout: 'NCHW',
      dtype: 'float32',
    },
  },
  'uint8-nhwc': {
    summary: 'quantized mobile models (TensorFlow Lite style) that take raw pixels',
    source:
      'TensorFlow Lite quantized image classifiers: TF-slim eval geometry (central_crop(0.875), bilinear resize to 224x224), raw 0-255 pixels; RGB, NHWC, uint8',
    values: {
      size: { height: 224, width: 224 },
      resize: { mode: 'squash', cropFraction: 0.875 },
      interpolation: 'bilinear',
      scale: 1,
      mean: [0, 0, 0],
      std: [1, 1, 1],
      channels: 'RGB',
      layout: 'NHWC',
      dtype: 'uint8',
    },
  },
} as const satisfies Record<string, PreprocessPreset>;

/** A preset's name. */
export type PresetName = keyof typeof PREPROCESS_PRESETS;

/** The preset a model gets when nothing declares its preprocessing. */
export const DEFAULT_PRESET: PresetName = 'imagenet';

/** Every preset's name, in the order they are documented. */
export const PRESET_NAMES = Object.keys(PREPROCESS_PRESETS) as PresetName[];

/** True for a known preset name (never one inherited from `Object.prototype`). */
export function isPresetName(name: string): name is PresetName {
  return Object.hasOwn(PREPROCESS_PRESETS, name);
}

/** A preset's values (a fresh copy). */
export function presetValues(name: PresetName): ResolvedPreprocess {
  return structuredClone(PREPROCESS_PRESETS[name].values) as ResolvedPreprocess;
}
