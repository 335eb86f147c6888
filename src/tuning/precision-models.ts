/**
 * The model file of each precision a sampling or an optimization runs: `fp32` is the job's
 * model; `int8` is the cached int8 build of a builtin model, the file `--int8-model` names, or
 * the job's model quantized once by `model quantize` (calibrated on a sample of the job's own
 * inputs) into the command's folder.
 */
import path from 'node:path';
import { UserError } from '../errors.js';
import { isBuiltinModelName } from '../models/cache.js';
import type { Precision } from '../planning/precision.js';
import { ensureInt8BuiltinModel } from '../quantize/builtin.js';
import { quantizeModel } from '../quantize/quantize-model.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import { pathExists } from '../util/paths.js';

/** Where the job's model quantized for `int8` is kept, in the command's folder. */
export const INT8_MODEL_FILE = 'model-int8.onnx';

/** How the int8 model is found or made. */
export interface PrecisionModelOptions {
  /** The command's folder (the int8 model of a model file is written there). */
  dir: string;
  /** An int8 model given by the user (`--int8-model`). */
  int8Model?: string;
  home?: string;
  /** Called before a model is quantized (it takes a while). */
  onQuantize?: (model: string, out: string) => void;
}

/** The model (builtin name, path or URI) for each of `precisions`. */
export async function precisionModels(
  spec: ResolvedJobSpec,
  precisions: readonly Precision[],
  options: PrecisionModelOptions,
): Promise<Partial<Record<Precision, string>>> {
  const models: Partial<Record<Precision, string>> = {};
  for (const precision of precisions) {
    models[precision] = precision === 'fp32' ? spec.model.uri : await int8Model(spec, options);
  }
  return models;
}

async function int8Model(spec: ResolvedJobSpec, options: PrecisionModelOptions): Promise<string> {
  if (options.int8Model !== undefined) {
    const file = path.resolve(options.int8Model);
    if (!(await pathExists(file))) throw new UserError(`--int8-model: no such file '${options.int8Model}'`);
    return file;
  }
  const uri = spec.model.uri;
  if (isBuiltinModelName(uri)) return ensureInt8BuiltinModel(uri, options.home ? { home: options.home } : {});
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri))
    throw new UserError(
      `precision int8: the model '${uri}' is not a local file to quantize; quantize it with \`obifaas model quantize\` and give --int8-model FILE`,
    );
  const out = path.join(options.dir, INT8_MODEL_FILE);
  if (await pathExists(out)) return out;
  options.onQuantize?.(uri, out);
  await quantizeModel({ model: uri, out, calibration: spec.inputs });
  return out;
}
