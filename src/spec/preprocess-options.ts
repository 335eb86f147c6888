/**
 * The `preprocess:` section of job options (pure): how image bytes become the model's input, as
 * a user declares it in flags (`--preprocess PRESET`, `--preprocess-file F`), a config file or
 * environment variables. Every field is optional: what is left out comes from the model's
 * metadata, then from the default preset, when the job starts (`protocol/preprocess-resolve.ts`).
 * The fields are those of the one preprocessing schema (`protocol/preprocess.ts`), which a
 * `--preprocess-file` and a model's metadata are read with too.
 */
import * as z from 'zod';
import type { Issue } from '../errors.js';
import { preprocessFieldsShape, type PreprocessSpec } from '../protocol/preprocess.js';
import { PRESET_NAMES } from '../protocol/preprocess-presets.js';
import type { PreprocessDeclaration } from '../protocol/preprocess-resolve.js';
import { nonEmptyString } from '../util/schema.js';
import { configKey } from './config-meta.js';
import { JOB_SPEC_SOURCE } from './defaults.js';

const f = preprocessFieldsShape;

/** The `preprocess:` section, each field documented as a config key. */
export const preprocessOptionsSchema = z.strictObject({
  preset: configKey(z.enum(PRESET_NAMES), {
    flag: '--preprocess',
    valueName: 'PRESET',
    env: 'OBIFAAS_PREPROCESS',
    defaultText: "the model's, else imagenet",
    description: `preprocessing preset: ${PRESET_NAMES.join(', ')} (docs/models.md)`,
  }).optional(),
  file: configKey(nonEmptyString, {
    flag: '--preprocess-file',
    valueName: 'FILE',
    env: 'OBIFAAS_PREPROCESS_FILE',
    kind: 'path',
    defaultText: 'none',
    description: 'a YAML or JSON preprocessing spec, with the fields of preprocess: (and a preset)',
  }).optional(),
  size: configKey(f.size.unwrap(), {
    valueName: 'H_W',
    defaultText: "the model's, else the preset's",
    description: 'input size: [height, width], or one number for a square (config file only)',
  }).optional(),
  resize: configKey(f.resize.unwrap(), {
    valueName: 'MODE',
    defaultText: "the model's, else the preset's",
    description:
      'shorter-side (then centre crop; cropFraction or resizeTo), squash (cropFraction) or letterbox (padValue) (config file only)',
  }).optional(),
  interpolation: configKey(f.interpolation.unwrap(), {
    valueName: 'NAME',
    defaultText: "the model's, else the preset's",
    description: 'bilinear, bicubic or nearest, as Pillow computes them (config file only)',
  }).optional(),
  scale: configKey(f.scale.unwrap(), {
    valueName: 'X',
    defaultText: "the model's, else the preset's",
    description: "pixel (0-255) multiplier before mean and std, e.g. '1/255' or 1 (config file only)",
  }).optional(),
  mean: configKey(f.mean.unwrap(), {
    valueName: 'M',
    defaultText: "the model's, else the preset's",
    description: "per-channel mean subtracted after scaling, in the model's channel order (config file only)",
  }).optional(),
  std: configKey(f.std.unwrap(), {
    valueName: 'S',
    defaultText: "the model's, else the preset's",
    description: "per-channel divisor after the mean, in the model's channel order (config file only)",
  }).optional(),
  channels: configKey(f.channels.unwrap(), {
    valueName: 'ORDER',
    defaultText: "the model's, else the preset's",
    description: 'RGB or BGR (config file only)',
  }).optional(),
  layout: configKey(f.layout.unwrap(), {
    valueName: 'LAYOUT',
    defaultText: "the model's, else the preset's",
    description: 'NCHW or NHWC (config file only)',
  }).optional(),
  dtype: configKey(f.dtype.unwrap(), {
    valueName: 'TYPE',
    defaultText: "the model's, else the preset's",
    description: 'float32, or uint8 (raw pixels) (config file only)',
  }).optional(),
});

/** The `preprocess:` section as given. */
export type PreprocessOptions = z.output<typeof preprocessOptionsSchema>;

/** A section's spec without its `file` (the fields, and the preset). */
export function inlineSpec(options: PreprocessOptions): PreprocessSpec | null {
  const entries = Object.entries(options).filter(([k, v]) => k !== 'file' && v !== undefined);
  return entries.length > 0 ? (Object.fromEntries(entries) as PreprocessSpec) : null;
}

/**
 * The declarations of options gathered without their sources (a job spec given as one
 * object): its fields as one declaration. A `file` is read where options are gathered from
 * their sources (`config/preprocess-declarations.ts`); here it is an issue.
 */
export function declarationsOf(
  options: PreprocessOptions | undefined,
  issues: Issue[],
): PreprocessDeclaration[] {
  if (!options) return [];
  if (options.file !== undefined)
    issues.push({
      path: 'preprocess.file',
      message:
        'a preprocessing file is read from flags, a config file or the environment, not from a spec object',
    });
  const spec = inlineSpec(options);
  return spec ? [{ from: JOB_SPEC_SOURCE, spec }] : [];
}
