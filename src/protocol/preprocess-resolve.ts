/**
 * Which preprocessing a model gets (pure): declarations in order of precedence (flags, the job
 * spec, the model's metadata), each field taken from the first declaration that sets it, or from
 * the first preset named on the way, or from the default preset. The model's input fixes the
 * size where its shape does, and must match the declared layout, channels and dtype.
 */
import * as z from 'zod';
import type { Issue } from '../errors.js';
import { nonEmptyString } from '../util/schema.js';
import {
  imageShape,
  PREPROCESS_FIELDS,
  preprocessSpecSchema,
  resizeObject,
  scaleValue,
  type PreprocessField,
  type PreprocessSpec,
  type ResolvedPreprocess,
  type ResolvedResize,
} from './preprocess.js';
import { DEFAULT_PRESET, isPresetName, PRESET_NAMES, presetValues } from './preprocess-presets.js';
import { closestName } from '../util/suggest.js';

/** One declaration of preprocessing, and where it was written (`--preprocess`, `job.yaml`). */
export const preprocessDeclarationSchema = z.strictObject({
  from: nonEmptyString,
  spec: preprocessSpecSchema,
});

/** A model's declared preprocessing (a spec's `preprocess` entry), before it is resolved. */
export type PreprocessDeclaration = z.output<typeof preprocessDeclarationSchema>;

/** A model's input tensor as its graph declares it. */
export interface ModelInputInfo {
  /** The model, as messages name it (its file). */
  model: string;
  name: string;
  /** `float32`, `uint8`, ... */
  dtype: string;
  /** Fixed sizes as numbers; dynamic axes by their symbolic name (or `?`). */
  shape: ReadonlyArray<number | string>;
}

/** The resolved preprocessing, where each field came from, and every problem found. */
export interface PreprocessResolution {
  preprocess: ResolvedPreprocess;
  sources: Record<PreprocessField, string>;
  issues: Issue[];
}

const RESIZE_DEFAULTS = {
  'shorter-side': { cropFraction: 224 / 256, resizeTo: null },
  squash: { cropFraction: 1 },
  letterbox: { padValue: [0, 0, 0] },
} as const;

function resolvedResize(
  resize: NonNullable<PreprocessSpec['resize']>,
  issues: Issue[],
  from: string,
): ResolvedResize {
  const r = resizeObject(resize);
  switch (r.mode) {
    case 'shorter-side':
      if (r.cropFraction !== undefined && r.resizeTo !== undefined)
        issues.push({
          path: `preprocess.resize (${from})`,
          message: 'give cropFraction or resizeTo, not both',
        });
      return {
        mode: r.mode,
        cropFraction: r.cropFraction ?? RESIZE_DEFAULTS[r.mode].cropFraction,
        resizeTo: r.resizeTo ?? null,
      };
    case 'squash':
      return { mode: r.mode, cropFraction: r.cropFraction ?? RESIZE_DEFAULTS.squash.cropFraction };
    case 'letterbox': {
      const pad = r.padValue ?? RESIZE_DEFAULTS.letterbox.padValue;
      return { mode: r.mode, padValue: typeof pad === 'number' ? [pad, pad, pad] : [pad[0], pad[1], pad[2]] };
    }
  }
}

const triple = (v: number | readonly number[]): [number, number, number] =>
  typeof v === 'number' ? [v, v, v] : [v[0] as number, v[1] as number, v[2] as number];

/** A declared field's value in resolved form. */
function fieldValue(
  field: PreprocessField,
  spec: PreprocessSpec,
  issues: Issue[],
  from: string,
): ResolvedPreprocess[PreprocessField] {
  switch (field) {
    case 'size': {
      const s = spec.size as number | [number, number];
      return typeof s === 'number' ? { height: s, width: s } : { height: s[0], width: s[1] };
    }
    case 'resize':
      return resolvedResize(spec.resize!, issues, from);
    case 'scale':
      return scaleValue(spec.scale!);
    case 'mean':
      return triple(spec.mean!);
    case 'std':
      return triple(spec.std!);
    default:
      return spec[field]!;
  }
}

/** Where a value that only a preset gave is overridden by the model's fixed input size. */
const SOFT_FIELDS: ReadonlySet<PreprocessField> = new Set(['size']);

/**
 * Resolves `declarations` (highest precedence first) for a model whose input is `input` (null:
 * not known here, nothing is checked). Returns every problem: an unknown preset, a uint8 input
 * with normalisation, and each way the model's input does not fit.
 */
export function resolvePreprocess(
  declarations: readonly PreprocessDeclaration[],
  input: ModelInputInfo | null,
): PreprocessResolution {
  const issues: Issue[] = [];
  const values: Partial<Record<PreprocessField, unknown>> = {};
  const sources: Partial<Record<PreprocessField, string>> = {};
  const soft = new Set<PreprocessField>();
  const presetOf = (d: PreprocessDeclaration): string | undefined => {
    const name = d.spec.preset;
    if (name === undefined) return undefined;
    if (isPresetName(name)) return name;
    return undefined;
  };
  for (const d of declarations) {
    const name = d.spec.preset;
    if (name !== undefined && !isPresetName(name)) {
      const hint = closestName(name, PRESET_NAMES);
      issues.push({
        path: `preprocess.preset (${d.from})`,
        message: `unknown preset '${name}'; ${hint ? `did you mean '${hint}'? ` : ''}expected one of: ${PRESET_NAMES.join(', ')}`,
      });
    }
  }
  for (const field of PREPROCESS_FIELDS) {
    for (const d of declarations) {
      if (d.spec[field] !== undefined) {
        values[field] = fieldValue(field, d.spec, issues, d.from);
        sources[field] = d.from;
        break;
      }
      const preset = presetOf(d);
      if (preset !== undefined) {
        values[field] = presetValues(preset as typeof DEFAULT_PRESET)[field];
        sources[field] = `preset ${preset} (${d.from})`;
        if (SOFT_FIELDS.has(field)) soft.add(field);
        break;
      }
    }
    if (values[field] === undefined) {
      values[field] = presetValues(DEFAULT_PRESET)[field];
      sources[field] = `default (preset ${DEFAULT_PRESET})`;
      if (SOFT_FIELDS.has(field)) soft.add(field);
    }
  }
  const preprocess = values as ResolvedPreprocess;
  const resolvedSources = sources as Record<PreprocessField, string>;
  rawPixelsForUint8(preprocess, resolvedSources, issues);
  if (input) fitToInput(preprocess, resolvedSources, soft, input, issues);
  return { preprocess, sources: resolvedSources, issues };
}

/**
 * The problems of feeding `input` with preprocessing resolved elsewhere (a function checks its
 * payload's with it): every field counts as declared, the size included.
 */
export function checkResolvedPreprocess(p: ResolvedPreprocess, input: ModelInputInfo, from: string): Issue[] {
  const issues: Issue[] = [];
  const sources = Object.fromEntries(PREPROCESS_FIELDS.map((f) => [f, from])) as Record<
    PreprocessField,
    string
  >;
  fitToInput(structuredClone(p), sources, new Set(), input, issues);
  return issues;
}

const isDefaulted = (source: string): boolean => source.startsWith('preset ') || source.startsWith('default');

/**
 * uint8 input takes raw pixels: normalisation a preset gave is dropped; normalisation declared
 * explicitly is a contradiction.
 */
function rawPixelsForUint8(
  p: ResolvedPreprocess,
  sources: Record<PreprocessField, string>,
  issues: Issue[],
): void {
  if (p.dtype !== 'uint8') return;
  const identity = { scale: 1, mean: [0, 0, 0], std: [1, 1, 1] } as const;
  for (const field of ['scale', 'mean', 'std'] as const) {
    const same = JSON.stringify(p[field]) === JSON.stringify(identity[field]);
    if (same) continue;
    if (isDefaulted(sources[field])) {
      (p as Record<string, unknown>)[field] = structuredClone(identity[field]);
      sources[field] = `dtype uint8 (${sources.dtype}): raw pixels`;
    } else {
      issues.push({
        path: `preprocess.${field} (${sources[field]})`,
        message: `dtype uint8 (${sources.dtype}) feeds raw pixels: scale must be 1, mean 0 and std 1, got ${JSON.stringify(p[field])}`,
      });
    }
  }
}

/** `[N, 3, 224, 224]`, dynamic axes by name. */
export function shapeText(shape: ReadonlyArray<number | string>): string {
  return `[${shape.map((d) => (typeof d === 'number' && d >= 0 ? String(d) : d === '' ? '?' : String(d))).join(', ')}]`;
}

const fixed = (d: number | string | undefined): number | null => (typeof d === 'number' && d > 0 ? d : null);

/** The shape the preprocessing feeds (`N` for the batch). */
export function expectedShape(p: ResolvedPreprocess): Array<number | string> {
  return ['N', ...imageShape(p)];
}

/**
 * Takes the size from the input where the shape fixes it, and checks the input against the
 * declared layout, channels and dtype; each mismatch names the model, the tensor, the expected
 * and the actual shape.
 */
function fitToInput(
  p: ResolvedPreprocess,
  sources: Record<PreprocessField, string>,
  soft: ReadonlySet<PreprocessField>,
  input: ModelInputInfo,
  issues: Issue[],
): void {
  const where = `model ${input.model}, input '${input.name}'`;
  const actual = `${input.dtype} ${shapeText(input.shape)}`;
  const shape = input.shape;
  const heightAt = p.layout === 'NCHW' ? 2 : 1;
  const channelAt = p.layout === 'NCHW' ? 1 : 3;
  // The size is read only where the declared layout puts the channels (3) where they are.
  if (shape.length === 4 && fixed(shape[channelAt]) === 3) {
    const [h, w] = [fixed(shape[heightAt]), fixed(shape[heightAt + 1])];
    if (h !== null || w !== null) {
      const size = { height: h ?? p.size.height, width: w ?? p.size.width };
      const declared = !soft.has('size');
      if (declared && (size.height !== p.size.height || size.width !== p.size.width)) {
        issues.push({
          path: where,
          message: `the model takes ${size.height}x${size.width} images but the preprocessing declares size ${p.size.height}x${p.size.width} (${sources.size}): expected ${p.dtype} ${shapeText(expectedShape(p))}, actual ${actual}`,
        });
      } else if (!declared || size.height !== p.size.height || size.width !== p.size.width) {
        p.size = size;
        sources.size = `model input '${input.name}' ${shapeText(shape)}`;
      }
    }
  }
  const expected = `${p.dtype} ${shapeText(expectedShape(p))}`;
  const declaredAs = `layout ${p.layout} (${sources.layout}), dtype ${p.dtype} (${sources.dtype})`;
  if (shape.length !== 4) {
    issues.push({
      path: where,
      message: `expected an image batch ${expected} (${declaredAs}), actual ${actual} (rank ${shape.length})`,
    });
    return;
  }
  // One issue for the input, with every declaration it needs (the layout, the dtype).
  const fixes: string[] = [];
  if (fixed(shape[channelAt]) !== 3) {
    const other = p.layout === 'NCHW' ? 'NHWC' : 'NCHW';
    const otherFits = fixed(shape[p.layout === 'NCHW' ? 3 : 1]) === 3;
    fixes.push(
      otherFits
        ? `the model takes ${other} input; declare layout ${other} (preprocess.layout in the job spec, or a preset such as ${other === 'NHWC' ? "'uint8-nhwc' or 'inception'" : "'imagenet'"}, or annotate the model: obifaas model annotate)`
        : 'the model does not take 3-channel images',
    );
  }
  if (input.dtype !== p.dtype) {
    fixes.push(
      input.dtype === 'uint8' || input.dtype === 'float32'
        ? `declare dtype ${input.dtype}${input.dtype === 'uint8' ? " (a preset such as 'uint8-nhwc')" : ''}`
        : `${input.dtype} input is not supported (float32 or uint8)`,
    );
  }
  const [first] = fixes;
  if (first === undefined) return;
  issues.push({
    path: where,
    message: `expected ${expected} (${declaredAs}), actual ${actual}${first.startsWith('declare') ? '; ' : ': '}${fixes.join('; ')}`,
  });
}
